"""peerbench's Parquet layout: dictionaries where values repeat, plain text where not."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from peerbench.io.parquet_layout import (
    DICTIONARY_PAGE_BYTES,
    SAMPLE_ROWS,
    dictionary_columns,
    write_options,
    write_parquet,
)


def _keys(rows: int, distinct: int) -> pa.Table:
    # Each participant's rows together, as exports list them.
    key = [f"{i * distinct // rows:032x}" for i in range(rows)]
    return pa.table(
        {
            "record_id": [f"m-{i:07d}" for i in range(rows)],
            "participant_key": key,
            "score": pa.array([i % 7 for i in range(rows)], pa.int16()),
        }
    )


def _chunk(path: Path, name: str) -> pq.ColumnChunkMetaData:
    metadata = pq.ParquetFile(path).metadata
    row_group = metadata.row_group(0)
    names = [row_group.column(i).path_in_schema for i in range(row_group.num_columns)]
    return row_group.column(names.index(name))


def test_mostly_distinct_text_is_plain_and_the_rest_has_dictionaries() -> None:
    table = _keys(1000, 100)
    assert dictionary_columns(table) == ["participant_key", "score"]
    options = write_options(table)
    assert options["compression"] == "zstd"
    assert options["dictionary_pagesize_limit"] == DICTIONARY_PAGE_BYTES


def test_null_and_empty_text_columns_keep_a_dictionary() -> None:
    table = pa.table({"a": pa.nulls(3, pa.string()), "b": ["x", None, "x"]})
    assert dictionary_columns(table) == ["a", "b"]
    assert dictionary_columns(table.slice(0, 0)) == ["a", "b"]


def test_a_dictionary_larger_than_arrows_default_page_is_kept(tmp_path: Path) -> None:
    # 80,000 distinct 32-character keys: a 2.9 MB dictionary, over Arrow's 1 MiB default,
    # which would store most of the column as plain text.
    rows, distinct = 400_000, 80_000
    table = _keys(rows, distinct)
    default, ours = tmp_path / "default.parquet", tmp_path / "ours.parquet"
    pq.write_table(table, default, compression="zstd")
    write_parquet(table, ours)

    plain_bytes = rows * (32 + 4)
    assert _chunk(default, "participant_key").total_uncompressed_size > plain_bytes / 2
    # Dictionary (80,000 keys) plus 17-bit indices: nowhere near the plain size.
    assert _chunk(ours, "participant_key").total_uncompressed_size < plain_bytes / 3
    assert not _chunk(ours, "record_id").has_dictionary_page
    assert pq.read_table(ours).equals(table)


def test_writes_to_a_file_object(tmp_path: Path) -> None:
    table = _keys(10, 2)
    sink = pa.BufferOutputStream()
    write_parquet(table, sink)
    assert pq.read_table(pa.BufferReader(sink.getvalue())).equals(table)


def test_the_share_is_judged_on_the_first_rows_only() -> None:
    head = ["same"] * SAMPLE_ROWS
    table = pa.table({"later_unique": head + [f"v{i}" for i in range(SAMPLE_ROWS)]})
    assert dictionary_columns(table) == ["later_unique"]
    assert dictionary_columns(table.slice(SAMPLE_ROWS)) == []
