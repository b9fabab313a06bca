"""Bridge between result rows and :mod:`peerbench.disclosure` tables.

One *group* of rows (e.g. every service's outcome row for one instrument × period ×
timepoint, plus the pooled row labelled ``Total``) becomes disclosure tables:

* a *margin table* when the rows hold parts and their total (reliably improved +
  unchanged + deteriorated = paired): cells ``(label, part)`` and ``(label, "Total")``,
  so both the row equations and the column equations (services → pooled row) are
  protected;
* a *column table* with the other counts (column equations via the ``Total`` row), every
  statistic (kind ``statistic``, with the n it rests on) and every proportion (kind
  ``proportion``, with numerator and n, so it is recomputed from rounded counts).

The tables of a group are controlled together
(:func:`peerbench.disclosure.consistent_suppression`); the controlled cells are written
back into the rows: a hidden value becomes ``None`` with its reason in
``row.suppressed``. A proportion whose numerator or denominator was hidden is hidden
too (reason ``secondary``), because it would reveal the count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from peerbench.benchmarking.rows import Row
from peerbench.disclosure import (
    TOTAL,
    Cell,
    ControlledTable,
    DisclosurePolicy,
    Key,
    SuppressionReason,
    Table,
    consistent_suppression,
    suppression_plan,
)
from peerbench.disclosure.apply import render

R = TypeVar("R", bound=Row)

SECONDARY = SuppressionReason.SECONDARY.value


@dataclasses.dataclass(frozen=True)
class Layout:
    """Which fields of a row type are counts, statistics and proportions.

    Attributes:
        counts: Count fields (people); every one is suppressed or rounded.
        margin: ``(parts, total)`` when the parts of a row add up to its total.
        statistics: Statistic field → the count field it rests on.
        proportions: Proportion field → ``(numerator field, denominator field)``.
    """

    counts: tuple[str, ...] = ()
    margin: tuple[tuple[str, ...], str] | None = None
    statistics: Mapping[str, str] = dataclasses.field(default_factory=dict)
    proportions: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)


def _value(row: Row, field: str) -> Any:
    return getattr(row, field)


def _count_cell(label: str, col: str, value: Any) -> Cell | None:
    return None if value is None else Cell(row=label, col=col, value=int(value))


def _tables(rows: Sequence[Row], labels: Sequence[str], layout: Layout) -> list[Table]:
    margin_cells: list[Cell] = []
    column_cells: list[Cell] = []
    in_margin = set() if layout.margin is None else {*layout.margin[0], layout.margin[1]}
    for row, label in zip(rows, labels, strict=True):
        if layout.margin is not None:
            parts, total = layout.margin
            found = [_count_cell(label, p, _value(row, p)) for p in parts]
            found.append(_count_cell(label, TOTAL, _value(row, total)))
            margin_cells += [c for c in found if c is not None]
        for field in layout.counts:
            if field not in in_margin and (cell := _count_cell(label, field, _value(row, field))):
                column_cells.append(cell)
        for field, n_field in layout.statistics.items():
            value, n = _value(row, field), _value(row, n_field)
            if value is not None and n is not None:
                column_cells.append(Cell(row=label, col=field, value=value, kind="statistic", n=n))
        for field, (num_field, n_field) in layout.proportions.items():
            value, num, n = (_value(row, f) for f in (field, num_field, n_field))
            if value is not None and num is not None and n:
                column_cells.append(
                    Cell(row=label, col=field, value=num / n, kind="proportion", n=n, numerator=num)
                )
    tables = [Table(name="columns", cells=tuple(column_cells))]
    if margin_cells:
        tables.insert(0, Table(name="margins", cells=tuple(margin_cells)))
    return tables


def _controlled(
    tables: list[Table], policy: DisclosurePolicy, forced: Mapping[Key, SuppressionReason] | None
) -> list[ControlledTable]:
    if not forced:
        return consistent_suppression(tables, policy)
    return [
        render(t, policy, suppression_plan(t, policy, forced=forced), viewer_is_owner=False)
        for t in tables
    ]


def control_group(
    rows: Sequence[R],
    labels: Sequence[str],
    layout: Layout,
    policy: DisclosurePolicy,
    *,
    forced: Mapping[Key, SuppressionReason] | None = None,
) -> list[R]:
    """The public (non-owner) version of each row of one group.

    Args:
        rows: The rows published together (services and their pooled row).
        labels: Each row's label; the pooled row must be labelled ``"Total"``.
        layout: The row type's fields.
        policy: The disclosure rules.
        forced: ``(label, field)`` cells to hide whatever their value (e.g. because
            they would reveal a cell hidden in another group).
    """
    controlled = _controlled(_tables(rows, labels, layout), policy, forced)
    cells = {cell.key: cell for table in controlled for cell in table.cells}
    total_field = None if layout.margin is None else layout.margin[1]
    columns = [
        (field, TOTAL if field == total_field else field)
        for field in (*layout.counts, *layout.statistics, *layout.proportions)
    ]
    out: list[R] = []
    for row, label in zip(rows, labels, strict=True):
        values: dict[str, Any] = {}
        hidden: dict[str, str] = {}
        for field, col in columns:
            cell = cells.get((label, col))
            if cell is None:
                continue
            if cell.suppressed:
                values[field] = None
                hidden[field] = cell.flag.reason.value if cell.flag else SECONDARY
            elif field in layout.counts:
                values[field] = int(cell.value)  # type: ignore[arg-type]
            else:
                values[field] = cell.value
        for field, (num_field, n_field) in layout.proportions.items():
            if field not in hidden and (num_field in hidden or n_field in hidden):
                values[field] = None
                hidden[field] = SECONDARY
        hidden = {f: r for f, r in hidden.items() if _value(row, f) is not None}
        out.append(_replaced(row, {**values, "suppressed": {**row.suppressed, **hidden}}))
    return out


def _replaced(row: R, changes: dict[str, Any]) -> R:
    """``dataclasses.replace(row, **changes)`` without re-running ``__init__``.

    Row types are plain frozen dataclasses (every field in ``__init__``, no
    ``__post_init__``), so the copy is the same object state; ``replace`` walks every
    field and calls ``__init__``, a quarter of a national benchmark's control time.
    """
    if hasattr(row, "__post_init__"):  # not so for any row type today; stay correct if added
        return dataclasses.replace(row, **changes)
    new = object.__new__(type(row))
    state = new.__dict__
    state.update(row.__dict__)
    state.update(changes)
    return new
