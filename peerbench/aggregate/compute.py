"""Run every benchmark aggregation on one backend and return Arrow tables.

Example:
    >>> from peerbench.synth import SynthConfig, generate
    >>> source = BenchmarkSource.from_tables(generate(SynthConfig(organisations=2,
    ...     outcome_rows=500)).tables)
    >>> tables = compute_tables(source)
    >>> sorted(tables)[:3]
    ['demographics', 'overall_outcomes', 'overall_sustainment']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import ibis.expr.types as ir
import pyarrow as pa

from peerbench.aggregate import expressions as ex
from peerbench.aggregate.backends import (
    Backend,
    connect,
    is_spark,
    materialise,
    register_arrow,
    to_arrow,
)
from peerbench.aggregate.parameters import instrument_parameters
from peerbench.aggregate.participant_order import People
from peerbench.aggregate.scored_cache import scored_outcomes
from peerbench.aggregate.scoring import read_scored
from peerbench.aggregate.sources import BenchmarkSource
from peerbench.aggregate.stable import stable_floats
from peerbench.schema.instruments import InstrumentRegistry

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "service_outcomes": ("service_id", "instrument", "period", "timepoint"),
    "network_outcomes": ("network", "instrument", "period", "timepoint"),
    "overall_outcomes": ("instrument", "period", "timepoint"),
    "reach": ("service_id", "period"),
    "demographics": ("service_id", "period", "dimension", "category"),
    "population_demographics": ("period", "dimension", "category"),
    "sustainment": ("service_id", "instrument", "period", "horizon"),
    "overall_sustainment": ("instrument", "period", "horizon"),
    "baselines": ("participant_key", "service_id", "instrument"),
    "paired": ("participant_key", "service_id", "instrument", "timepoint"),
}
"""Each output table's unique key; :func:`compute_tables` sorts every table by it."""

PARTICIPANT_TABLES = ("baselines", "paired")
"""Participant-level tables, returned only with ``include_paired=True``."""

Scored: TypeAlias = pa.Table | str | Path


def _scored_table(
    con: Any, source: BenchmarkSource, scored: Scored | None, registry: InstrumentRegistry | None
) -> ir.Table:
    if scored is None:
        return register_arrow(con, scored_outcomes(source, registry))
    if isinstance(scored, pa.Table):
        return register_arrow(con, scored)
    return register_arrow(con, read_scored(scored))


PARTICIPANT_LEVEL = frozenset({"baselines", "paired"})
"""Tables of one row per participant and time point (no engine sums in them)."""


class _Run:
    """One computation on one backend: registered inputs and temporary tables to free."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.releases: list[Callable[[], None]] = []

    def fetch(self, name: str, expr: ir.Table) -> pa.Table:
        keys = list(TABLE_KEYS[name])
        if is_spark(self.con):
            table = to_arrow(self.con, expr).sort_by([(k, "ascending") for k in keys])
        else:
            # DuckDB sorts in its own threads (byte-wise strings, nulls last: the order of
            # pyarrow's sort_by) while it builds the result, far cheaper than a pyarrow
            # sort of the fetched table; the keys are unique, so the order is the same.
            table = to_arrow(self.con, expr.order_by(keys))
        if name in PARTICIPANT_LEVEL:
            return table  # one row per person: nothing was summed
        # Sums to 12 significant digits: the engine's summation order must not reach a
        # published figure (peerbench.aggregate.stable).
        return stable_floats(table)

    def close(self) -> None:
        for release in self.releases:
            release()
        if not is_spark(self.con):
            self.con.disconnect()


def _compute(
    run: _Run,
    source: BenchmarkSource,
    *,
    scored: Scored | None,
    networks: pa.Table | None,
    registry: InstrumentRegistry | None,
    include_paired: bool,
) -> dict[str, pa.Table]:
    con = run.con
    params = register_arrow(con, instrument_parameters(registry))
    table = _scored_table(con, source, scored, registry)
    # The participant-level table feeds every outcome table: compute it once.
    wide, release = materialise(con, ex.participant_outcomes(table, params))
    run.releases.append(release)
    base, pairs = ex.baselines(wide), ex.paired(table, params, wide)
    engagements = register_arrow(con, source.read("engagement"))
    participants = register_arrow(con, source.read("participant"))
    out: dict[str, pa.Table] = {
        "service_outcomes": run.fetch("service_outcomes", ex.service_outcomes(base, pairs, params)),
        "reach": run.fetch(
            "reach", ex.reach(engagements, register_arrow(con, source.read("service")))
        ),
        "demographics": run.fetch("demographics", ex.demographics(participants, engagements)),
        "sustainment": run.fetch("sustainment", ex.sustainment(wide)),
    }
    # Pooled tables follow exactly from the small per-service results (counts add up;
    # means and SDs combine from n, mean and SD), so the data is not read again.
    per_service = register_arrow(con, out["service_outcomes"])
    out["overall_outcomes"] = run.fetch("overall_outcomes", ex.overall_outcomes(per_service))
    if networks is not None:
        expr = ex.network_outcomes(per_service, register_arrow(con, networks))
        out["network_outcomes"] = run.fetch("network_outcomes", expr)
    per_service = register_arrow(con, out["demographics"])
    out["population_demographics"] = run.fetch(
        "population_demographics", ex.population_demographics(per_service)
    )
    per_service = register_arrow(con, out["sustainment"])
    out["overall_sustainment"] = run.fetch(
        "overall_sustainment", ex.pooled_sustainment(per_service)
    )
    if include_paired:
        # One distinct of the scored rows' participant keys, shared by both tables; the
        # keys are attached and the rows ordered in Arrow (peerbench.aggregate.participant_order).
        people = to_arrow(con, ex.participant_keys(table))
        ranked = People.of(people)
        known = register_arrow(con, people)
        for name, rows in (("baselines", base), ("paired", pairs)):
            expr = ex.with_participants(rows, table, known)
            schema = expr.schema().to_pyarrow()
            ordered = None
            if ranked is not None:
                ordered = ranked.attach(to_arrow(con, rows), TABLE_KEYS[name], schema)
            out[name] = run.fetch(name, expr) if ordered is None else ordered
    return dict(sorted(out.items()))


def compute_tables(
    source: BenchmarkSource,
    *,
    backend: Backend | str = "duckdb",
    scored: Scored | None = None,
    networks: pa.Table | None = None,
    registry: InstrumentRegistry | None = None,
    include_paired: bool = False,
) -> dict[str, pa.Table]:
    """Compute every benchmark table of ``source`` on ``backend``.

    Args:
        source: Where the data comes from.
        backend: ``"duckdb"`` (a fresh in-memory database) or ``"spark"`` (the shared
            local session; needs ``peerbench[spark]``).
        scored: The scored outcomes, already computed (an Arrow table or a Parquet path
            written by :func:`peerbench.aggregate.scoring.write_scored`); when omitted,
            ``source`` is scored (:func:`~peerbench.aggregate.scored_cache.scored_outcomes`,
            from its cache when it has one).
        networks: A ``service_id`` → ``network`` mapping; adds ``network_outcomes``.
        registry: Instrument definitions (default: built-ins).
        include_paired: Also return the participant-level ``baselines`` and ``paired``.

    Returns:
        Table name → Arrow table sorted by :data:`TABLE_KEYS`: ``service_outcomes``,
        ``overall_outcomes`` (and ``network_outcomes``), ``reach``, ``demographics``,
        ``population_demographics``, ``sustainment``, ``overall_sustainment``.
    """
    run = _Run(connect(backend))
    try:
        return _compute(
            run,
            source,
            scored=scored,
            networks=networks,
            registry=registry,
            include_paired=include_paired,
        )
    finally:
        run.close()
