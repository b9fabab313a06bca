"""Resource limits on every input file, the same in the CLI, the library and the server.

A small file can cost a great deal to read: a 1 MB workbook whose one cell expands to a
gigabyte, a Parquet file of millions of repeated strings, a workbook of millions of
shared strings. Each limit here is checked as cheaply and as early as possible (the zip
directory and the Parquet footer before anything is expanded, then counts while
streaming), and going over one is an ordinary ``limit-exceeded`` finding that names
the limit, its value and how to raise it, never a crash.

Raise a limit with ``--limit NAME=VALUE`` (``peerbench validate`` and ``prepare``) or,
on the server, with the ``PEERBENCH_LIMIT_<NAME>`` setting (e.g.
``PEERBENCH_LIMIT_MAX_ROWS=20000000``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peerbench.validators.report import Finding

if TYPE_CHECKING:  # pyarrow is loaded where a file is read, not where options are defined
    import pyarrow as pa

    from peerbench.validators.source import Source, SourceBatch

EXCEL_MAX_ROWS = 1_048_576
"""Rows an Excel worksheet can hold: a workbook with more was not made by Excel."""


@dataclass(frozen=True)
class Limits:
    """The largest input accepted, per file; every field can be raised.

    Attributes:
        max_decompressed_bytes: Bytes a file may expand to once unzipped or decoded
            (the members of an .xlsx archive; a Parquet file's uncompressed pages).
        max_rows: Data rows in one file (a workbook sheet is also capped at Excel's
            1,048,576 rows).
        max_columns: Columns in one file or sheet.
        max_cell_chars: Characters in one cell (Excel's own limit is 32,767).
        max_shared_strings: Distinct strings in a workbook's shared-strings table.
        max_json_depth: Nesting of arrays and objects inside one JSON record.
        max_json_bytes: Size of a ``.json`` document, which is parsed whole (JSON Lines
            and Parquet stream and have no such limit).
        max_number_digits: Digits in one number in a JSON file.
        max_seconds: Time spent reading and checking one file.
    """

    max_decompressed_bytes: int = 1 << 30
    max_rows: int = 10_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 32_767
    max_shared_strings: int = 1_000_000
    max_json_depth: int = 32
    max_json_bytes: int = 256 << 20
    max_number_digits: int = 100
    max_seconds: float = 600.0

    @classmethod
    def names(cls) -> list[str]:
        """The limits' names, as ``--limit NAME=VALUE`` takes them."""
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **changes: float) -> Limits:
        """A copy with some limits changed.

        Raises:
            ValueError: an unknown name, or a value below zero.
        """
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise ValueError(f"unknown limit {unknown[0]!r}; limits are {', '.join(self.names())}")
        values: dict[str, float] = {}
        for name, value in changes.items():
            if value < 0:
                raise ValueError(f"limit {name} cannot be negative ({value})")
            values[name] = value if name == "max_seconds" else int(value)
        return dataclasses.replace(self, **values)  # type: ignore[arg-type]


DEFAULT_LIMITS = Limits()


def limit_finding(
    file: str, name: str, limit: float, found: str, *, row: int | None = None
) -> Finding:
    """The ``limit-exceeded`` finding: which limit, its value, what was found, how to raise it.

    Args:
        file: The file as shown to the user.
        name: The limit's field name in :class:`Limits` (``max_rows``).
        limit: Its value.
        found: What the file holds, e.g. ``3,000,001 rows`` or ``at least 1,073,741,900 bytes``.
        row: The row where it was found, if one.
    """
    from peerbench.validators.readers.sources import finding

    shown = f"{limit:,.0f}" if float(limit).is_integer() else f"{limit:,}"
    detail = (
        f"{found}; the limit {name} is {shown}. To raise it: add --limit {name}=N to "
        f"peerbench validate or prepare, or on a server set PEERBENCH_LIMIT_{name.upper()}"
    )
    return finding("limit-exceeded", file=file, row=row, detail=detail)


@dataclass
class _Guard:
    """Running counts for one source while its batches stream."""

    source: Source
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    rows: int = 0

    def over(self, batch: SourceBatch) -> Finding | None:
        table = batch.table
        self.rows += table.num_rows
        file, limits = self.source.file, self.limits
        if self.rows > limits.max_rows:
            return limit_finding(
                file, "max_rows", limits.max_rows, f"more than {limits.max_rows:,} rows"
            )
        long = _longest_cell(table, limits.max_cell_chars)
        if long is not None:
            column, chars = long
            found = f"a cell of column {column} holds {chars:,} characters"
            return limit_finding(
                file, "max_cell_chars", limits.max_cell_chars, found, row=batch.first_row
            )
        elapsed = time.monotonic() - self.started
        if elapsed >= limits.max_seconds:  # ">=": a limit of 0 always stops
            found = f"reading it took more than {limits.max_seconds:,g} seconds"
            return limit_finding(file, "max_seconds", limits.max_seconds, found)
        return None


def _longest_cell(table: pa.Table, max_chars: int) -> tuple[str, int] | None:
    """A text column with a cell over ``max_chars`` characters, and that cell's length.

    Byte lengths are checked first (cheap: offsets only); characters are counted only
    when some cell has more bytes than the limit allows characters.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = pa.chunked_array([c.dictionary for c in column.chunks], kind.value_type)
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)) or len(column) == 0:
            continue
        longest = pc.max(pc.binary_length(column)).as_py()
        if longest is None or longest <= max_chars:
            continue
        chars = pc.max(pc.utf8_length(column)).as_py()
        if chars is not None and chars > max_chars:
            return name, int(chars)
    return None


def guarded(source: Source, limits: Limits) -> Source:
    """``source`` with its batches checked against the row, cell-length and time limits.

    A source over a limit stops at the batch that crosses it (its rows are not checked
    further) and gets one ``limit-exceeded`` finding. Over-wide sources get no batches.
    """
    if len(source.columns) > limits.max_columns:
        found = f"{len(source.columns):,} columns"
        source.findings.append(limit_finding(source.file, "max_columns", limits.max_columns, found))
        source.batches = iter(())
        return source
    guard = _Guard(source, limits)
    inner = source.batches

    def batches() -> Iterator[SourceBatch]:
        for batch in inner:
            problem = guard.over(batch)
            if problem is not None:
                # Closed first: the stream then adds what it still owes for the rows it
                # passed on (the strict check's findings), which come before the limit.
                close = getattr(inner, "close", None)
                if close is not None:
                    close()
                source.findings.append(problem)
                return
            yield batch

    source.batches = batches()
    return source
