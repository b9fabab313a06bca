"""The one text shape every text format is read into, and the batches that carry it.

Convention (the same for CSV, XLSX, JSON Lines and JSON): every cell is a string or
null. A cell with no characters at all is null; anything else, including spaces and
``NA``, is kept exactly as written for the engine to judge. Numbers from typed formats
(XLSX, JSON) are written as a person would type them: ``3`` not ``3.0``; dates as
``YYYY-MM-DD``; booleans as ``true`` / ``false``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator

import pyarrow as pa

from peerbench.validators.source import SourceBatch

_FLOAT_DIGITS = ".15g"
"""Excel shows (and keeps) 15 significant digits, so 0.1 + 0.2 reads back as 0.3."""


def cell_text(value: object, *, exact: bool = False) -> str | None:
    """A typed value as the standard's text form, or None for an empty cell.

    A spreadsheet's number is written with the 15 digits Excel shows; with ``exact``
    (JSON, written by a program) as the shortest text that reads back as the same
    double, so no digit a program sent is lost.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value) if exact else format(value, _FLOAT_DIGITS)
    if isinstance(value, dt.datetime):
        # Excel stores dates as midnight datetimes; a real time of day is kept visible.
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class RowBatcher:
    """Collects rows read one at a time into string batches of at most ``batch_rows``.

    A batch's rows must be consecutive spreadsheet rows, so a skipped row (a blank
    spreadsheet row, an unreadable JSON line) ends the batch and the next row starts a
    new one with its own ``first_row``: numbering stays exact without padding rows.

    Columns may be added part-way (JSON records need not share keys); earlier rows of
    the current batch get nulls, and later batches carry the column too.
    """

    def __init__(self, columns: Iterable[str], batch_rows: int) -> None:
        """Start with ``columns`` (names as the engine will see them)."""
        self.columns: list[str] = list(columns)
        self._batch_rows = max(1, batch_rows)
        self._cells: list[list[str | None]] = [[] for _ in self.columns]
        self._first_row = 0
        self._next_row = 0
        self.rows_read = 0

    def add_column(self, name: str) -> int:
        """Add a column, null for rows already held; returns its index."""
        self.columns.append(name)
        self._cells.append([None] * self._pending)
        return len(self.columns) - 1

    @property
    def _pending(self) -> int:
        return self._next_row - self._first_row

    def add(self, row: int, cells: list[str | None]) -> Iterator[SourceBatch]:
        """Add spreadsheet row ``row``; yields any batch this completes.

        Args:
            row: Spreadsheet row number of the values.
            cells: One value per column (shorter lists are padded with nulls).
        """
        if self._pending and row != self._next_row:
            yield from self.flush()
        if not self._pending:
            self._first_row = self._next_row = row
        for index, column in enumerate(self._cells):
            column.append(cells[index] if index < len(cells) else None)
        self._next_row += 1
        self.rows_read += 1
        if self._pending >= self._batch_rows:
            yield from self.flush()

    def flush(self) -> Iterator[SourceBatch]:
        """Yield the rows held as one batch, if any."""
        if not self._pending:
            return
        arrays = [pa.array(column, type=pa.string()) for column in self._cells]
        table = pa.Table.from_arrays(arrays, names=list(self.columns))
        first = self._first_row
        self._cells = [[] for _ in self.columns]
        self._first_row = self._next_row
        yield SourceBatch(table=table, first_row=first)


def rebatch(
    batches: Iterable[pa.RecordBatch], names: list[str], batch_rows: int, first_row: int = 2
) -> Iterator[SourceBatch]:
    """Regroup an Arrow stream into batches of exactly ``batch_rows`` (the last may be short).

    Readers stream in byte-sized blocks; the engine is promised row-sized batches.
    Slicing is zero-copy, so this adds no memory beyond one batch.

    Args:
        batches: Record batches in file order, all rows consecutive.
        names: Column names to give the tables (the mapped headers).
        batch_rows: Rows per yielded batch.
        first_row: Spreadsheet row of the stream's first row.
    """
    return rebatch_runs(_consecutive(batches, first_row), names, batch_rows)


def _consecutive(
    batches: Iterable[pa.RecordBatch], first_row: int
) -> Iterator[tuple[int, pa.RecordBatch]]:
    row = first_row
    try:
        for batch in batches:
            yield row, batch
            row += batch.num_rows
    finally:
        _close(batches)


def rebatch_runs(
    runs: Iterable[tuple[int, pa.RecordBatch]], names: list[str], batch_rows: int
) -> Iterator[SourceBatch]:
    """:func:`rebatch` over ``(first spreadsheet row, rows)`` runs that may leave gaps.

    Rows are consecutive within a run; where the next run does not start on the next
    row (a blank row was left out), the rows held so far go out as a shorter batch, so
    each batch's rows stay consecutive and keep the numbers Excel shows.
    """
    try:
        yield from _rebatched(runs, names, max(1, batch_rows))
    finally:
        _close(runs)


def _close(stream: object) -> None:
    """Close a generator the consumer stopped reading: what it owes comes in now.

    A reader's stream may still hold work for rows it passed on (the strict check adds
    their findings when closed); a limit that stops reading adds its own finding right
    after closing, so it must not wait for the garbage collector.
    """
    close = getattr(stream, "close", None)
    if close is not None:
        close()


def _rebatched(
    runs: Iterable[tuple[int, pa.RecordBatch]], names: list[str], size: int
) -> Iterator[SourceBatch]:
    held: list[pa.RecordBatch] = []
    held_rows = 0
    row = 0
    for start, batch in runs:
        if batch.num_rows == 0:
            continue
        if held_rows and start != row + held_rows:
            yield SourceBatch(table=_named(pa.Table.from_batches(held), names), first_row=row)
            held, held_rows = [], 0
        if not held_rows:
            row = start
        held.append(batch)
        held_rows += batch.num_rows
        while held_rows >= size:
            table = pa.Table.from_batches(held)
            yield SourceBatch(table=_named(table.slice(0, size), names), first_row=row)
            row += size
            rest = table.slice(size)
            held = rest.to_batches()
            held_rows = rest.num_rows
    if held_rows:
        yield SourceBatch(table=_named(pa.Table.from_batches(held), names), first_row=row)


def _named(table: pa.Table, names: list[str]) -> pa.Table:
    return table.rename_columns(names)
