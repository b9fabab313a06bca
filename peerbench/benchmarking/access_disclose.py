"""Disclosure control of the access pillar (SPEC §12.y).

For each period and breakdown, the groups and the overall row (labelled ``Total``) are
controlled together by :func:`~peerbench.benchmarking.disclosure_tables.control_group`:
counts 1–7 hidden (``small-count``), others rounded, percentiles and medians only on at
least ``policy.min_n`` waits, shares from rounded counts, and secondary suppression so
no group's hidden count can be solved from the overall row minus the others.

Funnel stages are nested (referred ⊇ contacted ⊇ started ⊇ attended ⊇ completed;
referred ⊇ still waiting), so publishing two stages also publishes their difference.
:data:`NESTED` lists those differences (and referred − contacted − still waiting, the
referrals closed without contact); wherever one of them is a small count, the smaller
stage is hidden too (reason ``secondary``), then secondary suppression runs again, until
nothing changes. The overall row is the same in every breakdown: a count hidden in one
breakdown's control is hidden in all of them.

Reasons for not starting are network totals by uptake code with their ``Total``
(referrals not started), controlled the same way.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from peerbench.benchmarking.access_rows import OVERALL, AccessReasonRow, AccessRow
from peerbench.benchmarking.disclosure_tables import SECONDARY, Layout, control_group
from peerbench.benchmarking.implied import COUNTS as IMPLIED_COUNTS
from peerbench.benchmarking.implied import hide_implied
from peerbench.disclosure import TOTAL, DisclosurePolicy, Key, SuppressionReason

__all__ = ["ACCESS", "NESTED", "REASONS", "controlled_access", "nested_reveals"]

COUNTS = IMPLIED_COUNTS["access"]
ACCESS = Layout(
    counts=COUNTS,
    statistics={
        "median_wait_days": "n_contacted",
        "p90_wait_days": "n_contacted",
        "median_waiting_days": "n_waiting",
        "p90_waiting_days": "n_waiting",
    },
    proportions={
        "share_started": ("n_started", "n_referred"),
        "share_attended": ("n_attended", "n_referred"),
        "share_completed": ("n_completed", "n_referred"),
    },
)
REASONS = Layout(counts=("n",))

NESTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("n_referred", ("n_contacted",)),
    ("n_referred", ("n_started",)),
    ("n_referred", ("n_attended",)),
    ("n_referred", ("n_completed",)),
    ("n_contacted", ("n_started",)),
    ("n_contacted", ("n_attended",)),
    ("n_contacted", ("n_completed",)),
    ("n_started", ("n_attended",)),
    ("n_started", ("n_completed",)),
    ("n_attended", ("n_completed",)),
    ("n_referred", ("n_waiting",)),
    ("n_referred", ("n_contacted", "n_waiting")),
)
"""``(whole, parts)``: ``whole − sum(parts)`` is a count of referrals a reader can work
out when all of them are published; the last part is hidden when it is small."""


def nested_reveals(row: AccessRow, shown: set[str], policy: DisclosurePolicy) -> set[str]:
    """Counts of ``row`` to hide so no published nested difference is a small count.

    Args:
        row: The raw (true) row.
        shown: Its count fields that would be published.
        policy: Gives the small-count range.
    """
    shown = set(shown)
    hide: set[str] = set()
    changed = True
    while changed:
        changed = False
        for whole, parts in NESTED:
            if whole not in shown or not all(p in shown for p in parts):
                continue
            diff = getattr(row, whole) - sum(getattr(row, p) for p in parts)
            if policy.is_small_count(diff):
                shown.discard(parts[-1])
                hide.add(parts[-1])
                changed = True
    return hide


def _control_breakdown(
    members: Sequence[AccessRow],
    labels: Sequence[str],
    policy: DisclosurePolicy,
    total_hidden: set[str],
) -> list[AccessRow]:
    forced: dict[Key, SuppressionReason] = {
        (TOTAL, f): SuppressionReason.SECONDARY for f in total_hidden
    }
    while True:
        public = control_group(members, labels, ACCESS, policy, forced=forced or None)
        new: dict[Key, SuppressionReason] = {}
        for raw, shown, label in zip(members, public, labels, strict=True):
            visible = {f for f in COUNTS if getattr(shown, f) is not None}
            for field in nested_reveals(raw, visible, policy):
                if (label, field) not in forced:
                    new[(label, field)] = SuppressionReason.SECONDARY
        if not new:
            return public
        forced |= new


def _control_period(rows: Sequence[AccessRow], policy: DisclosurePolicy) -> list[AccessRow]:
    overall = next((r for r in rows if r.breakdown == OVERALL), None)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.breakdown != OVERALL:
            groups[row.breakdown].append(i)
    if overall is None:
        return list(rows)
    total_hidden: set[str] = set()
    while True:
        out: list[AccessRow] = list(rows)
        seen = set(total_hidden)
        results = []
        for index in groups.values() or [[]]:
            members = [overall, *(rows[i] for i in index)]
            labels = [TOTAL, *(rows[i].group for i in index)]
            public = _control_breakdown(members, labels, policy, total_hidden)
            seen |= {f for f in COUNTS if getattr(public[0], f) is None}
            results.append((index, public))
        if seen == total_hidden:
            break
        total_hidden = seen
    for index, public in results:
        for i, row in zip(index, public[1:], strict=True):
            out[i] = row
    out[rows.index(overall)] = results[0][1][0]
    return out


def controlled_access(
    rows: Sequence[AccessRow], reasons: Sequence[AccessReasonRow], policy: DisclosurePolicy
) -> tuple[list[AccessRow], list[AccessReasonRow]]:
    """The public versions of the access rows and reason rows (order kept)."""
    out: list[AccessRow] = list(rows)
    by_period: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_period[row.period].append(i)
    for index in by_period.values():
        for i, row in zip(index, _control_period([rows[i] for i in index], policy), strict=True):
            out[i] = hide_implied(row, "access")
    public_reasons: list[AccessReasonRow] = list(reasons)
    reason_groups: dict[str, list[int]] = defaultdict(list)
    for i, reason in enumerate(reasons):
        reason_groups[reason.period].append(i)
    for period, index in reason_groups.items():
        members = [reasons[i] for i in index]
        labels = [r.uptake for r in members]
        forced = _reason_forced([r for r in out if r.period == period and r.breakdown == OVERALL])
        public = control_group(members, labels, REASONS, policy, forced=forced or None)
        total = next((r.n for r in public if r.uptake == TOTAL), None)
        for i, reason in zip(index, public, strict=True):
            public_reasons[i] = hide_implied(_share(reason, total), "access_reasons")
    return out, public_reasons


def _reason_forced(overall: Sequence[AccessRow]) -> dict[Key, SuppressionReason]:
    """Hide the not-started total when it would reveal the overall row's hidden count
    (not started = referred − started)."""
    if not overall:
        return {}
    hidden = [getattr(overall[0], f) is None for f in ("n_referred", "n_started")]
    return {(TOTAL, "n"): SuppressionReason.SECONDARY} if any(hidden) else {}


def _share(row: AccessReasonRow, total: int | None) -> AccessReasonRow:
    """``share`` recomputed from the published counts (hidden with either of them)."""
    if row.n is None or not total:
        marks = {**row.suppressed, "share": SECONDARY} if row.share is not None else row.suppressed
        return dataclasses.replace(row, share=None, suppressed=marks)
    return dataclasses.replace(row, share=row.n / total)
