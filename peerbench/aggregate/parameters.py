"""The instrument-parameters table: what the Ibis expressions need from the registry.

Ibis cannot call the registry, so everything the aggregations need about an instrument
is flattened into one small Arrow table and joined by ``instrument``. Instruments scored
item by item (``per_item``, e.g. ONS4) or as a profile (``profile``, e.g. EQ-5D-5L) are
reported per subscale, as pseudo-instruments ``CODE.subscale`` (``ONS4.anxiety``), so
every metric treats each ONS4 question as an instrument of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from peerbench.schema.instruments import (
    CasenessRule,
    Direction,
    InstrumentDefinition,
    InstrumentRegistry,
    ScoringMethod,
    default_registry,
)

SUBSCALE_METHODS = frozenset({ScoringMethod.PER_ITEM, ScoringMethod.PROFILE})
"""Methods whose subscales are reported as pseudo-instruments."""

PARAMETERS_SCHEMA = pa.schema(
    [
        pa.field("instrument", pa.string(), nullable=False),
        pa.field("direction", pa.int8()),
        pa.field("rc_threshold", pa.float64()),
        pa.field("case_threshold", pa.float64()),
        pa.field("case_rule", pa.string()),
        pa.field("score_min", pa.float64()),
        pa.field("score_max", pa.float64()),
    ]
)
"""One row per reported instrument code.

* ``direction``: +1 higher is better, -1 higher is worse, null no direction (categorical).
* ``rc_threshold``: reliable-change threshold in score points, null when the registry
  has none (the stats layer supplies a Jacobson-Truax value).
* ``case_threshold`` / ``case_rule``: caseness, ``at_or_above`` or ``below``; null when
  the instrument has no clinical cut-off.
* ``score_min`` / ``score_max``: the score range (item range for subscales).
"""

_SIGN = {Direction.HIGHER_IS_BETTER: 1, Direction.HIGHER_IS_WORSE: -1, Direction.NONE: None}


def subscale_code(code: str, subscale: str) -> str:
    """The pseudo-instrument code of a subscale, e.g. ``ONS4.life_satisfaction``."""
    return f"{code}.{subscale}"


def has_total(definition: InstrumentDefinition) -> bool:
    """Whether the instrument can yield a single total score (a profile needs a value set)."""
    method = definition.scoring.method
    if method is ScoringMethod.PER_ITEM:
        return False
    return method is not ScoringMethod.PROFILE or definition.scoring.value_set is not None


def _rows(definition: InstrumentDefinition) -> Iterator[dict[str, Any]]:
    if has_total(definition):
        rng = definition.score_range() or definition.derived_score_range()
        caseness = definition.caseness
        yield {
            "instrument": definition.code,
            "direction": _SIGN[definition.direction],
            "rc_threshold": (
                definition.reliable_change.threshold if definition.reliable_change else None
            ),
            "case_threshold": caseness.threshold if caseness else None,
            "case_rule": CasenessRule(caseness.rule).value if caseness else None,
            "score_min": rng[0] if rng else None,
            "score_max": rng[1] if rng else None,
        }
    if definition.scoring.method in SUBSCALE_METHODS:
        items = definition.items()
        for sub in definition.subscales:
            item = items[sub.item - 1]
            yield {
                "instrument": subscale_code(definition.code, sub.name),
                "direction": _SIGN[sub.direction],
                "rc_threshold": None,  # thresholds are never defined per subscale
                "case_threshold": None,
                "case_rule": None,
                "score_min": float(item.min),
                "score_max": float(item.max),
            }


def instrument_parameters(registry: InstrumentRegistry | None = None) -> pa.Table:
    """The parameters table for every instrument in ``registry`` (default: built-ins).

    Returns:
        A table in :data:`PARAMETERS_SCHEMA`, sorted by instrument code.
    """
    registry = registry or default_registry()
    rows = [row for definition in registry for row in _rows(definition)]
    rows.sort(key=lambda r: r["instrument"])
    return pa.Table.from_pylist(rows, schema=PARAMETERS_SCHEMA)
