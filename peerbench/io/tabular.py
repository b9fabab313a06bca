"""Canonical tables on disk: Parquet with the standard's schema, CSV and JSON Lines.

CSV has no list type, so the two list fields travel flat (SPEC "File conventions"):
``items`` as columns ``item_1`` … ``item_N`` and ``themes`` as codes joined by ``;``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.io.atomic import atomic_path
from peerbench.io.formulas import write_csv
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.arrow import arrow_schema

ITEM_PREFIX = "item_"
LIST_SEPARATOR = ";"


class FileFormat(StrEnum):
    """File formats the standard accepts for tables."""

    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"


def conform(table: pa.Table, record_type: str) -> pa.Table:
    """Select and cast ``table`` to the canonical schema of ``record_type``.

    Missing optional columns are added as nulls; the result carries version metadata.
    """
    schema = arrow_schema(record_type)
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _list_element(column: pa.ChunkedArray | pa.Array, index: int) -> pa.Array:
    """Element ``index`` of every list (null where the list is null or shorter)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = array.offsets.to_numpy()
    lengths = np.diff(offsets)
    if array.null_count:
        lengths = np.where(array.is_null().to_numpy(zero_copy_only=False), 0, lengths)
    present = lengths > index
    positions = np.where(present, offsets[:-1] + index, 0)
    # The parent array's offsets index into the whole (unsliced) child values.
    values = array.values
    if len(values) == 0:
        return pa.nulls(len(array), values.type)
    taken = values.take(pa.array(positions))
    return pc.if_else(pa.array(present), taken, pa.scalar(None, values.type))


def to_flat(table: pa.Table) -> pa.Table:
    """Flatten list columns for CSV: ``items`` → ``item_1..N``, ``themes`` → ``a;b``."""
    if "items" in table.column_names:
        column = table.column("items")
        lengths = pc.list_value_length(column)
        width = int(pc.max(lengths).as_py() or 0)
        position = table.column_names.index("items")
        table = table.remove_column(position)
        for i in reversed(range(width)):
            table = table.add_column(position, f"{ITEM_PREFIX}{i + 1}", _list_element(column, i))
    if "themes" in table.column_names:
        position = table.column_names.index("themes")
        joined = pc.binary_join(table.column("themes"), LIST_SEPARATOR)
        table = table.set_column(position, "themes", joined)
    return table


def write_table(table: pa.Table, path: Path, file_format: FileFormat) -> None:
    """Write a canonical table atomically in ``file_format``.

    Parquet keeps the standard's schema and version metadata; CSV is UTF-8 with a
    header row, ISO dates and flattened lists; JSON Lines has one record per line.
    """
    with atomic_path(path) as tmp:
        if file_format is FileFormat.PARQUET:
            write_parquet(table, tmp)
        elif file_format is FileFormat.CSV:
            write_csv(to_flat(table), tmp)
        else:
            _write_jsonl(table, tmp)


def _write_jsonl(table: pa.Table, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for batch in table.to_batches(max_chunksize=65_536):
            for row in batch.to_pylist():
                record = {k: v for k, v in row.items() if v is not None}
                handle.write(json.dumps(record, default=str, ensure_ascii=False))
                handle.write("\n")
