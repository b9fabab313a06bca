"""Primary suppression: cells hidden for what they are, before anything is rounded."""

from __future__ import annotations

from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.reasons import SuppressionReason
from peerbench.disclosure.table import Cell, Key, Table


def primary_reason(cell: Cell, policy: DisclosurePolicy) -> SuppressionReason | None:
    """Why a cell must be hidden on its own account, or ``None``.

    Rules, applied to the true (unrounded) values:

    * ``count``: ``small-count`` when ``small_count_min <= value <= small_count_max``.
    * ``statistic``: ``below-min-n`` when ``n < min_n``.
    * ``proportion``: ``below-min-n`` when ``n < min_n``; otherwise ``small-count``
      when the numerator is given and is a small count.
    """
    if cell.kind == "count":
        return SuppressionReason.SMALL_COUNT if policy.is_small_count(cell.value) else None
    if cell.rests_on < policy.min_n:
        return SuppressionReason.BELOW_MIN_N
    if (
        cell.kind == "proportion"
        and cell.numerator is not None
        and policy.is_small_count(cell.numerator)
    ):
        return SuppressionReason.SMALL_COUNT
    return None


def primary_suppression(table: Table, policy: DisclosurePolicy) -> dict[Key, SuppressionReason]:
    """Every cell of ``table`` hidden on its own account, with its reason."""
    found = ((cell.key, primary_reason(cell, policy)) for cell in table.cells)
    return {key: reason for key, reason in found if reason is not None}
