"""Comparisons only where the data can carry them: the minimum number of services.

A funnel plot, a heterogeneity statistic (I², Cochran's Q) or a test of difference
between kinds of service says something about *services*, so it needs enough services,
whatever the number of people behind each. With one or two services in a group, a
"significant" difference is one service against another. The rule (SPEC §12.8):

* **Subgroup tests** (``q_between``, ``p_value``) are published only when every level
  compared holds at least ``min_services`` services; the levels' own pooled estimates
  are kept.
* **I² and Q** of the random-effects pooling (``i2``, ``q``, ``q_p``) only when the
  pooling holds at least ``min_services`` services; the pooled estimate is kept.
* **Funnels**: a funnel's control limits, z-scores and flags (and its over-dispersion
  φ and τ²) only with at least ``min_services`` services on it; each service's own
  value stays.

A withheld value is ``None`` with reason :data:`TOO_FEW_SERVICES` in ``row.suppressed``,
like every other withheld value, so the CLI, the API and the reports read the one
decision made here. The minimum is the disclosure policy's ``min_services`` (default
5); :func:`withhold_thin` runs in :func:`~peerbench.benchmarking.compute` and again in
:func:`~peerbench.benchmarking.controlled` (which recomputes a funnel from published
counts), and is idempotent.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from peerbench.benchmarking.comparison_rows import (
    FunnelPoint,
    FunnelSummary,
    SubgroupLevel,
    SubgroupTest,
)
from peerbench.benchmarking.result import BenchmarkResult
from peerbench.benchmarking.rows import Row
from peerbench.disclosure import DisclosurePolicy

R = TypeVar("R", bound=Row)

TOO_FEW_SERVICES = "too-few-services"
"""Reason code of a comparison withheld because a group holds too few services."""

POINT_FIELDS = (
    "z",
    "limit_95_low",
    "limit_95_high",
    "limit_998_low",
    "limit_998_high",
    "flag",
)
SUMMARY_FIELDS = ("phi", "tau2")
META_FIELDS = ("i2", "q", "q_p")
TEST_FIELDS = ("q_between", "p_value")


def min_services(result: BenchmarkResult) -> int:
    """The minimum in force: the controlling policy's, else the options', else 5."""
    if result.disclosure is not None and "min_services" in result.disclosure.policy:
        return int(result.disclosure.policy["min_services"])
    return (result.options.disclosure_policy or DisclosurePolicy()).min_services


def withheld(row: Row | None) -> bool:
    """Whether ``row`` had a comparison withheld for too few services."""
    return row is not None and TOO_FEW_SERVICES in row.suppressed.values()


def _withhold(row: R, fields: Iterable[str], **changes: Any) -> R:
    fields = tuple(fields)
    marks = {f: TOO_FEW_SERVICES for f in fields if getattr(row, f) is not None}
    cleared: dict[str, Any] = dict.fromkeys(fields)
    return dataclasses.replace(row, **cleared, **changes, suppressed={**row.suppressed, **marks})


def _funnel_key(row: FunnelPoint | FunnelSummary) -> tuple[str, str, str, str]:
    return (row.instrument, row.period, row.timepoint, row.metric)


def group_key(row: SubgroupLevel | SubgroupTest) -> tuple[str, ...]:
    """The comparison × attribute a subgroup row belongs to."""
    return (row.instrument, row.period, row.timepoint, row.measure, row.attribute)


def smallest_groups(levels: Iterable[SubgroupLevel]) -> dict[tuple[str, ...], int]:
    """Per comparison × attribute, the fewest services in any of its levels."""
    out: dict[tuple[str, ...], int] = defaultdict(lambda: 1 << 30)
    for level in levels:
        key = group_key(level)
        out[key] = min(out[key], level.k)
    return dict(out)


def withhold_thin(result: BenchmarkResult, minimum: int) -> BenchmarkResult:
    """``result`` with every comparison resting on fewer than ``minimum`` services withheld.

    Args:
        result: A raw or controlled result.
        minimum: Fewest services in every compared group (policy ``min_services``).
    """
    thin = {_funnel_key(s) for s in result.funnels if s.k < minimum}
    funnels = tuple(
        _withhold(s, SUMMARY_FIELDS, adjusted=False) if _funnel_key(s) in thin else s
        for s in result.funnels
    )
    points = tuple(
        _withhold(p, POINT_FIELDS) if _funnel_key(p) in thin else p for p in result.funnel_points
    )
    meta = tuple(_withhold(m, META_FIELDS) if m.k < minimum else m for m in result.meta)
    fewest = smallest_groups(result.subgroups)
    tests = tuple(
        _withhold(t, TEST_FIELDS) if fewest.get(group_key(t), 0) < minimum else t
        for t in result.subgroup_tests
    )
    return result.replace(funnels=funnels, funnel_points=points, meta=meta, subgroup_tests=tests)
