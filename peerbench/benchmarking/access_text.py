"""The access block of ``peerbench benchmark``'s text output (SPEC §12.y).

One table per period: waits from referral to first contact (median and 90th percentile,
nearest rank) and the uptake funnel, overall and by route, condition, deprivation
quintile, service model and network (per-service rows are in the JSON and CSV); then
the reasons referrals have not started. Withheld values print as ``*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peerbench.benchmarking.access_rows import AccessReasonRow, AccessRow
from peerbench.benchmarking.text import SYMBOL, grid
from peerbench.disclosure import TOTAL

__all__ = ["access_block"]

_TEXT_BREAKDOWNS = ("all", "route", "condition", "deprivation_quintile", "service_model", "network")
HEADERS = [
    "breakdown",
    "group",
    "referred",
    "seen",
    "median days",
    "90th pct",
    "waiting",
    "waited so far",
    "started",
    "attended",
    "completed",
]


def _n(value: Any) -> str:
    return SYMBOL if value is None else str(value)


def _days(row: AccessRow, field: str) -> str:
    value = getattr(row, field)
    if value is None:
        return SYMBOL if field in row.suppressed else ""
    return f"{value:g}"


def _stage(row: AccessRow, field: str) -> str:
    count = getattr(row, field)
    share = getattr(row, field.replace("n_", "share_"))
    return _n(count) if share is None else f"{_n(count)} ({100 * share:.0f}%)"


def _line(row: AccessRow) -> list[str]:
    return [
        row.breakdown,
        row.group,
        _n(row.n_referred),
        _n(row.n_contacted),
        _days(row, "median_wait_days"),
        _days(row, "p90_wait_days"),
        _n(row.n_waiting),
        _days(row, "median_waiting_days"),
        _stage(row, "n_started"),
        _stage(row, "n_attended"),
        _stage(row, "n_completed"),
    ]


def _reasons(rows: Sequence[AccessReasonRow]) -> str:
    parts = [f"{r.uptake.replace('_', ' ')} {_n(r.n)}" for r in rows if r.uptake != TOTAL]
    total = next((r for r in rows if r.uptake == TOTAL), None)
    head = "Not started" if total is None else f"Not started ({_n(total.n)})"
    return f"{head}: {', '.join(parts)}."


def access_block(access: Sequence[AccessRow], reasons: Sequence[AccessReasonRow]) -> list[str]:
    """Text lines of the access section (empty when there are no referrals)."""
    lines: list[str] = []
    for period in sorted({r.period for r in access}):
        rows = [r for r in access if r.period == period and r.breakdown in _TEXT_BREAKDOWNS]
        rows.sort(key=lambda r: (_TEXT_BREAKDOWNS.index(r.breakdown), r.group))
        as_of = rows[0].as_of if rows else None
        lines += [
            f"From referral to first contact (period {period}, as of {as_of}; days)",
            grid(HEADERS, [_line(r) for r in rows]),
            _reasons([r for r in reasons if r.period == period]),
            "Seen: first contact by the as-of day; median and 90th percentile (nearest rank) "
            "of their waits. Waiting: no first contact yet (censored), with the median days "
            "waited so far. Stages are shares of referrals.",
            "",
        ]
    return lines
