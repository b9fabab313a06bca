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
from peerbench.disclosure.table import CellKind

R = TypeVar("R", bound=Row)

SECONDARY = SuppressionReason.SECONDARY.value


@dataclasses.dataclass(frozen=True)
class Layout:
    """Which fields of a row type are counts, statistics and proportions.

    Each field is listed once; the margin's fields are counts.

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

    def __post_init__(self) -> None:
        # Every table cell then stands for exactly one field of its row.
        fields = self.fields
        if len(set(fields)) != len(fields) or TOTAL in fields:
            raise ValueError(f"Layout: each field once, none named {TOTAL!r}: {fields}")
        if self.margin is not None and not {*self.margin[0], self.margin[1]} <= {*self.counts}:
            raise ValueError("Layout: the margin's fields must be counts")

    @property
    def fields(self) -> tuple[str, ...]:
        """Counts, statistics and proportions, in the order rows list what they hide."""
        return (*self.counts, *self.statistics, *self.proportions)


def _value(row: Row, field: str) -> Any:
    return getattr(row, field)


@dataclasses.dataclass
class _Built:
    """A group's table with, for each cell, the row (index) and field it came from."""

    table: PlainTable
    at: list[int]
    fields: list[str]


def _plain(cells: list[tuple[Key, CellKind, float, int | None, int | None, int, str]]) -> _Built:
    """A table from its cells as tuples (one append per cell, then one transpose)."""
    if not cells:
        return _Built(PlainTable(), [], [])
    keys, kinds, values, ns, numerators, at, fields = map(list, zip(*cells, strict=True))
    return _Built(PlainTable(keys, kinds, values, ns, numerators), at, fields)


def _tables(rows: Sequence[Row], labels: Sequence[str], layout: Layout) -> list[_Built]:
    """The group's tables as plain lists (rows are trusted: no per-cell validation)."""
    margin: list[tuple[Key, CellKind, float, int | None, int | None, int, str]] = []
    columns: list[tuple[Key, CellKind, float, int | None, int | None, int, str]] = []
    margin_cols: tuple[tuple[str, str], ...] = ()
    in_margin: set[str] = set()
    if layout.margin is not None:
        parts, total = layout.margin
        margin_cols = (*((p, p) for p in parts), (TOTAL, total))
        in_margin = {*parts, total}
    counts = [f for f in layout.counts if f not in in_margin]
    statistics = list(layout.statistics.items())
    proportions = list(layout.proportions.items())
    for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
        state = row.__dict__  # row types are plain dataclasses: fields are attributes
        for col, field in margin_cols:
            if (value := state[field]) is not None:
                margin.append(((label, col), "count", float(int(value)), None, None, i, field))
        for field in counts:
            if (value := state[field]) is not None:
                columns.append(((label, field), "count", float(int(value)), None, None, i, field))
        for field, n_field in statistics:
            value, n = state[field], state[n_field]
            if value is not None and n is not None:
                columns.append(((label, field), "statistic", float(value), int(n), None, i, field))
        for field, (num_field, n_field) in proportions:
            value, num, n = state[field], state[num_field], state[n_field]
            if value is not None and num is not None and n:
                cell = ((label, field), "proportion", float(num / n), int(n), int(num), i, field)
                columns.append(cell)  # type: ignore[arg-type]
    tables = [_plain(margin), _plain(columns)]
    return tables if margin else tables[1:]


def _plans(
    tables: list[PlainTable],
    policy: DisclosurePolicy,
    forced: Mapping[Key, SuppressionReason] | None,
) -> list[dict[Key, SuppressionReason]]:
    """Each table's suppression plan (the group's tables are controlled together)."""
    if forced:
        return [plain.plan(t, plain.primary(t, policy), forced) for t in tables]
    return plain.consistent_plans(tables, policy)


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
    built = _tables(rows, labels, layout)
    plans = _plans([b.table for b in built], policy, forced)
    values: list[dict[str, Any]] = [{} for _ in rows]
    hidden: list[dict[str, str]] = [{} for _ in rows]
    for part, found in zip(built, plans, strict=True):
        cells = plain.published_values(part.table, policy, found)
        for i, field, cell in zip(part.at, part.fields, cells, strict=True):
            if type(cell) is SuppressionReason:
                values[i][field] = None
                hidden[i][field] = cell.value
            else:
                values[i][field] = cell
    rank = {field: k for k, field in enumerate(layout.fields)}.__getitem__
    proportions = list(layout.proportions.items())
    inputs = {f for pair in layout.proportions.values() for f in pair}
    out: list[R] = []
    for row, shown, marks in zip(rows, values, hidden, strict=True):
        if marks:
            if len(marks) > 1 and layout.margin is not None:  # margin cells came first
                marks = {f: marks[f] for f in sorted(marks, key=rank)}
            if not inputs.isdisjoint(marks):
                state = row.__dict__
                for field, (num_field, n_field) in proportions:
                    if field not in marks and (num_field in marks or n_field in marks):
                        shown[field] = None
                        # Only these can be marks on a missing value: a cell exists
                        # only for a value.
                        if state[field] is not None:
                            marks[field] = SECONDARY
            shown["suppressed"] = {**row.suppressed, **marks}
        else:
            shown["suppressed"] = {**row.suppressed}
        out.append(replaced(row, shown))
    return out


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
