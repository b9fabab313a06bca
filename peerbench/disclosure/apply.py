"""Apply a disclosure policy to a table: decide suppression, then round, then publish."""

from __future__ import annotations

from collections.abc import Mapping

from peerbench.disclosure.controlled import ControlledCell, ControlledTable
from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.primary import primary_suppression
from peerbench.disclosure.reasons import MESSAGES, Suppressed, SuppressionReason
from peerbench.disclosure.secondary import secondary_suppression
from peerbench.disclosure.table import Cell, Key, Table


def suppression_plan(
    table: Table,
    policy: DisclosurePolicy,
    *,
    forced: Mapping[Key, SuppressionReason] | None = None,
) -> dict[Key, SuppressionReason]:
    """Which cells to hide and why, decided on the true (unrounded) values.

    Order: primary suppression (small counts, below minimum n), then any ``forced``
    cells (e.g. hidden in a related table), then secondary suppression over the
    table's margin equations. A cell keeps the first reason it acquires.

    Args:
        table: The table.
        policy: The rules.
        forced: Cells that must be hidden for reasons outside this table.
    """
    return plan_from_primary(table, primary_suppression(table, policy), forced)


def plan_from_primary(
    table: Table,
    primary: Mapping[Key, SuppressionReason],
    forced: Mapping[Key, SuppressionReason] | None = None,
) -> dict[Key, SuppressionReason]:
    """:func:`suppression_plan` given the table's primary suppression (computed once
    when a table is planned repeatedly, as :func:`consistent_suppression` does)."""
    plan = dict(primary)
    present = table.by_key
    for key, reason in (forced or {}).items():
        if key in present:
            plan.setdefault(key, reason)
    for key in secondary_suppression(table, plan.keys()):
        plan[key] = SuppressionReason.SECONDARY
    return plan


def marker(reason: SuppressionReason, policy: DisclosurePolicy) -> Suppressed:
    """The explicit marker for a suppressed cell, with its plain-English message."""
    message = MESSAGES[reason].format(
        low=policy.small_count_min, high=policy.small_count_max, min_n=policy.min_n
    )
    return Suppressed(reason=reason, symbol=policy.symbol, message=message)


def _publish(cell: Cell, policy: DisclosurePolicy) -> ControlledCell:
    """The published form of a cell that is not suppressed (rounding rules)."""
    n = None if cell.n is None else policy.round_count(cell.n)
    if cell.kind == "count":
        if cell.national and not policy.round_national_totals:
            return ControlledCell(row=cell.row, col=cell.col, kind="count", value=cell.value)
        rounded = policy.round_count(cell.value)
        return ControlledCell(row=cell.row, col=cell.col, kind="count", value=rounded, rounded=True)
    if (
        cell.kind == "proportion"
        and policy.proportions_from_rounded
        and cell.numerator is not None
        and n
    ):
        value = policy.round_count(cell.numerator) / n
        return ControlledCell(
            row=cell.row, col=cell.col, kind="proportion", value=value, n=n, rounded=True
        )
    return ControlledCell(row=cell.row, col=cell.col, kind=cell.kind, value=cell.value, n=n)


def render(
    table: Table,
    policy: DisclosurePolicy,
    plan: Mapping[Key, SuppressionReason],
    *,
    viewer_is_owner: bool,
) -> ControlledTable:
    """Turn a table and its suppression plan into what a viewer sees.

    Non-owners get markers for planned cells and rounded values elsewhere. The owner
    gets every true value unchanged, with ``flag`` set on the cells that others would
    not see, so a report can warn before publishing.
    """
    cells: list[ControlledCell] = []
    markers: dict[SuppressionReason, Suppressed] = {}  # one (immutable) marker per reason
    for cell in table.cells:
        reason = plan.get(cell.key)
        if reason is None:
            flag = None
        elif (flag := markers.get(reason)) is None:
            flag = markers[reason] = marker(reason, policy)
        if viewer_is_owner:
            cells.append(
                ControlledCell(
                    row=cell.row,
                    col=cell.col,
                    kind=cell.kind,
                    value=cell.value,
                    n=cell.n,
                    flag=flag,
                )
            )
        elif flag is not None:
            cells.append(
                ControlledCell(row=cell.row, col=cell.col, kind=cell.kind, value=flag, flag=flag)
            )
        else:
            cells.append(_publish(cell, policy))
    return ControlledTable(
        name=table.name,
        cells=tuple(cells),
        total_key=table.total_key,
        viewer_is_owner=viewer_is_owner,
        policy=policy,
    )


def apply_disclosure(
    table: Table, policy: DisclosurePolicy, *, viewer_is_owner: bool
) -> ControlledTable:
    """Apply disclosure control to one table.

    Steps (REFERENCE §5): primary suppression on true values; secondary suppression so
    no hidden count can be solved from the margins; then rounding of what remains
    (counts to the nearest ``rounding_base``; proportions recomputed from rounded
    counts; national totals unrounded by default). Suppressed cells become explicit
    :class:`~peerbench.disclosure.reasons.Suppressed` markers with a reason code
    (``small-count``, ``below-min-n``, ``secondary``).

    Args:
        table: The aggregate table.
        policy: The disclosure rules.
        viewer_is_owner: The viewer owns every figure in the table: return the true
            values unchanged, but flag the cells that others would not see.
    """
    plan = suppression_plan(table, policy)
    return render(table, policy, plan, viewer_is_owner=viewer_is_owner)
