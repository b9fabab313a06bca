"""The short workforce block of ``peerbench benchmark`` (text output).

Pool-level figures only (level ``all``): each measure as ``yes of base (share)`` per
role, the grouped end reasons and the worker wellbeing change. A withheld value prints
as ``*``; a role with no workers is blank.
"""

from __future__ import annotations

from peerbench.benchmarking.result import BenchmarkResult
from peerbench.benchmarking.text import SYMBOL, grid
from peerbench.benchmarking.workforce_rows import (
    ALL,
    END_GROUP_ORDER,
    MEASURES,
    ROLES,
    WorkforceRow,
)

MEASURE_TITLES = {
    "retained_6m": "Still in post 6 months after starting",
    "retained_12m": "Still in post 12 months after starting",
    "supervised": "Supervised at least monthly (in post)",
    "trained": "Training completed (in post)",
    "accredited": "Accredited training (of those trained)",
}
END_TITLES = {
    "moved_on": "moved on",
    "own_health_or_role_strain": "own health or demands of the role",
    "funding": "funding ended",
    "other": "other reasons",
}


def _n(value: int | None) -> str:
    return SYMBOL if value is None else str(value)


def figure(row: WorkforceRow | None) -> str:
    """``"20 of 30 (67%)"``; ``*`` for a withheld part; blank without a row."""
    if row is None:
        return ""
    share = SYMBOL if row.share is None else f"{100 * row.share:.0f}%"
    return f"{_n(row.n_yes)} of {_n(row.n_base)} ({share})"


def workforce_block(result: BenchmarkResult) -> str:
    """The block's text, or an empty string when the pool has no worker records."""
    rows = {(r.measure, r.role): r for r in result.workforce if r.level == "all"}
    if not rows:
        return ""
    as_of = next(iter(rows.values())).as_of
    table = [
        [MEASURE_TITLES[m], *(figure(rows.get((m, role))) for role in (ALL, *ROLES))]
        for m in MEASURES
        if (m, ALL) in rows
    ]
    lines = [
        f"Peer workers, measured at {as_of} (every service)",
        grid(["Measure", "All", "Volunteer", "Paid", "Sessional"], table),
    ]
    ends = {r.reason_group: r.n_ended for r in result.worker_end_reasons}
    if ends:
        parts = ", ".join(f"{END_TITLES[g]} {_n(ends.get(g))}" for g in END_GROUP_ORDER)
        lines.append(f"Roles ended: {_n(ends.get(ALL))} ({parts}).")
    for w in result.worker_wellbeing:
        if w.role == ALL:
            change = SYMBOL if w.mean_change is None else f"{w.mean_change:+.1f}"
            interval = (
                ""
                if w.ci_low is None or w.ci_high is None
                else f" [{w.ci_low:.1f}, {w.ci_high:.1f}]"
            )
            lines.append(
                f"Workers' own {w.instrument}: mean change {change}{interval}, "
                f"{_n(w.n_paired)} workers with two scores."
            )
    return "\n".join(lines)
