"""How peerbench writes Parquet: one layout for every file it produces.

Columns are zstd-compressed. Every column is dictionary-encoded except text that is
mostly distinct (record ids), where a dictionary only adds a lookup. Dictionary pages
may grow to :data:`DICTIONARY_PAGE_BYTES` rather than Arrow's default 1 MiB: at the
default, the participant keys of a million outcome rows (about 150,000 of them) overflow
the dictionary after the first 30,000 and the rest of the column is stored as plain
text. Readers then decompress four times the bytes, and a reader that wants the
dictionary back (the validator, DuckDB) must hash every value again.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

LAYOUT_VERSION = "2"
"""Changes whenever the layout below does (caches of written files key on it)."""
COMPRESSION = "zstd"
DICTIONARY_PAGE_BYTES = 8 * 1024 * 1024
"""Room for about 230,000 distinct 32-character keys per row group."""
MAX_DISTINCT_SHARE = 0.5
"""Text columns with more distinct values than this share of rows are stored plain."""
SAMPLE_ROWS = 65_536
"""Rows the share is judged on: the first ones, so a write never hashes a whole column
(a column that turns out less repetitive later only falls back to plain pages)."""


def _mostly_distinct(column: pa.ChunkedArray) -> bool:
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    sample = column.slice(0, SAMPLE_ROWS)
    rows = len(sample) - int(sample.null_count)
    if rows == 0:
        return False
    distinct = int(pc.count_distinct(sample).as_py())
    return distinct > MAX_DISTINCT_SHARE * rows


def dictionary_columns(table: pa.Table) -> list[str]:
    """Columns of ``table`` worth a dictionary (all but mostly distinct text)."""
    return [
        name
        for name, column in zip(table.column_names, table.columns, strict=True)
        if not _mostly_distinct(column)
    ]


def write_options(table: pa.Table) -> dict[str, Any]:
    """Keyword arguments for :func:`pyarrow.parquet.write_table` giving the layout."""
    return {
        "compression": COMPRESSION,
        "use_dictionary": dictionary_columns(table),
        "dictionary_pagesize_limit": DICTIONARY_PAGE_BYTES,
    }


def write_parquet(
    table: pa.Table, where: str | Any, *, filesystem: pafs.FileSystem | None = None
) -> None:
    """Write ``table`` as Parquet in peerbench's layout to a path or file object.

    Not atomic by itself: callers write to a temporary path (``atomic_path``) or to an
    object store, whose uploads appear whole.
    """
    pq.write_table(table, where, filesystem=filesystem, **write_options(table))
