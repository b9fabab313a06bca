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

The tables of a group are controlled together (the rules of
:func:`peerbench.disclosure.consistent_suppression`, applied by
:mod:`peerbench.disclosure.plain` to plain lists of cells: a national benchmark's groups
hold a quarter of a million figures, too many to validate a model each); the controlled
cells are written back into the rows: a hidden value becomes ``None`` with its reason in
``row.suppressed``. A proportion whose numerator or denominator was hidden is hidden
too (reason ``secondary``), because it would reveal the count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from peerbench.benchmarking.rows import Row
from peerbench.disclosure import TOTAL, DisclosurePolicy, Key, SuppressionReason, plain
from peerbench.disclosure.plain import PlainTable

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


def _tables(rows: Sequence[Row], labels: Sequence[str], layout: Layout) -> list[PlainTable]:
    """The group's tables as plain lists (rows are trusted: no per-cell validation)."""
    margin = PlainTable()
    columns = PlainTable()
    in_margin = set() if layout.margin is None else {*layout.margin[0], layout.margin[1]}
    counts = [f for f in layout.counts if f not in in_margin]
    for row, label in zip(rows, labels, strict=True):
        state = row.__dict__  # row types are plain dataclasses: fields are attributes
        if layout.margin is not None:
            parts, total = layout.margin
            for col, field in (*((p, p) for p in parts), (TOTAL, total)):
                if (value := state[field]) is not None:
                    margin.add((label, col), "count", int(value))
        for field in counts:
            if (value := state[field]) is not None:
                columns.add((label, field), "count", int(value))
        for field, n_field in layout.statistics.items():
            value, n = state[field], state[n_field]
            if value is not None and n is not None:
                columns.add((label, field), "statistic", value, n=int(n))
        for field, (num_field, n_field) in layout.proportions.items():
            value, num, n = state[field], state[num_field], state[n_field]
            if value is not None and num is not None and n:
                columns.add((label, field), "proportion", num / n, n=int(n), numerator=int(num))
    return [margin, columns] if margin.keys else [columns]


def _controlled(
    tables: list[PlainTable],
    policy: DisclosurePolicy,
    forced: Mapping[Key, SuppressionReason] | None,
) -> dict[Key, float | int | SuppressionReason]:
    """Every cell of the group as the public sees it (its reason when hidden)."""
    if forced:
        plans = [plain.plan(t, plain.primary(t, policy), forced) for t in tables]
    else:
        plans = plain.consistent_plans(tables, policy)
    cells: dict[Key, float | int | SuppressionReason] = {}
    for table, found in zip(tables, plans, strict=True):
        cells |= plain.published(table, policy, found)
    return cells


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
    if len(set(labels)) != len(labels):
        raise ValueError("control_group: duplicate row labels")
    cells = _controlled(_tables(rows, labels, layout), policy, forced)
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
            cell = cells.get((label, col), _ABSENT)
            if cell is _ABSENT:
                continue
            if isinstance(cell, SuppressionReason):
                values[field] = None
                hidden[field] = cell.value
            else:
                values[field] = cell
        for field, (num_field, n_field) in layout.proportions.items():
            if field not in hidden and (num_field in hidden or n_field in hidden):
                values[field] = None
                hidden[field] = SECONDARY
        hidden = {f: r for f, r in hidden.items() if _value(row, f) is not None}
        out.append(replaced(row, {**values, "suppressed": {**row.suppressed, **hidden}}))
    return out


_ABSENT = object()


def replaced(row: R, changes: Mapping[str, Any]) -> R:
    """``dataclasses.replace(row, **changes)`` without re-running ``__init__``.

    Row types are plain frozen dataclasses (every field in ``__init__``, no
    ``__post_init__``), so the copy is the same object state; ``replace`` walks every
    field and calls ``__init__``, a quarter of a national benchmark's control time.
    """
    if hasattr(row, "__post_init__") or not hasattr(row, "__dict__"):
        # Not so for any row type today (no __post_init__, no slots); stay correct if added.
        return dataclasses.replace(row, **changes)
    new = object.__new__(type(row))
    state = new.__dict__
    state.update(row.__dict__)
    state.update(changes)
    return new
