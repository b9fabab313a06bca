"""The benchmark's aggregation steps, each an Ibis expression of numbered input tables.

:func:`peerbench.aggregate.compute.compute_tables` runs these steps by name on tables it
registers with the engine. Each step is compiled to SQL once per shape (its input
schemas and sort keys): usually not in the process at all but ahead of time, into
:mod:`peerbench.aggregate.compiled_sql`'s table of precompiled steps, so that a run whose
inputs have the usual schemas imports no Ibis. Only this module (and the expression
modules it builds on) needs Ibis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ibis.expr.types as ir

from peerbench.aggregate import expressions as ex


def _service_outcomes(scored: ir.Table, params: ir.Table, wide: ir.Table) -> ir.Table:
    return ex.service_outcomes(ex.baselines(wide), ex.paired(scored, params, wide), params)


def _baselines_keyed(scored: ir.Table, wide: ir.Table, known: ir.Table) -> ir.Table:
    return ex.with_participants(ex.baselines(wide), scored, known)


def _paired_keyed(scored: ir.Table, params: ir.Table, wide: ir.Table, known: ir.Table) -> ir.Table:
    return ex.with_participants(ex.paired(scored, params, wide), scored, known)


STEPS: dict[str, Callable[..., ir.Table]] = {
    "participant_outcomes": ex.participant_outcomes,  # scored, params
    "service_outcomes": _service_outcomes,  # scored, params, wide
    "reach": ex.reach,  # engagements, services
    "demographics": ex.demographics,  # participants, engagements
    "sustainment": ex.sustainment,  # wide
    "overall_outcomes": ex.overall_outcomes,  # service_outcomes
    "network_outcomes": ex.network_outcomes,  # service_outcomes, networks
    "population_demographics": ex.population_demographics,  # demographics
    "overall_sustainment": ex.pooled_sustainment,  # sustainment
    "participant_keys": ex.participant_keys,  # scored
    "baselines": ex.baselines,  # wide
    "paired": ex.paired,  # scored, params, wide
    "baselines_keyed": _baselines_keyed,  # scored, wide, participant_keys
    "paired_keyed": _paired_keyed,  # scored, params, wide, participant_keys
}
"""Step name → the expression of its input tables (in the order noted)."""


def build(step: str, tables: Sequence[ir.Table], order: Sequence[str] = ()) -> ir.Table:
    """The expression of ``step`` over ``tables``, sorted by ``order`` when given."""
    expr = STEPS[step](*tables)
    return expr.order_by(list(order)) if order else expr
