"""Parquet: typed columns, version metadata, row numbers and damaged files."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.schema.version import PARQUET_RECORD_TYPE_KEY, PARQUET_VERSION_KEY
from peerbench.validators.limits import DEFAULT_LIMITS
from peerbench.validators.mapping import Mapping
from peerbench.validators.readers import open_sources
from peerbench.validators.readers import parquet as parquet_reader
from peerbench.validators.readers.strict import checked_batches
from peerbench.validators.report import Finding
from peerbench.validators.source import Source


def _own(source: Source) -> list[Finding]:
    """What the reader itself found: the strict JSON Schema check of each record
    (``schema-invalid``, tests/validators/readers/test_strict.py) is left out, since
    these records are cut down to the fields each test is about."""
    return [f for f in source.findings if f.code != "schema-invalid"]


def _write(path: Path, rows: int = 5, metadata: dict[bytes, bytes] | None = None) -> Path:
    table = pa.table(
        {
            "record_id": [f"m{i}" for i in range(rows)],
            "date_administered": pa.array([dt.date(2025, 1, 1)] * rows, pa.date32()),
            "items": pa.array([[1, 2, 3]] * rows, pa.list_(pa.int16())),
        }
    )
    default = {PARQUET_VERSION_KEY: b"1.0.0", PARQUET_RECORD_TYPE_KEY: b"outcome"}
    table = table.replace_schema_metadata(default if metadata is None else metadata)
    pq.write_table(table, path, row_group_size=max(1, rows // 4))
    return path


def test_typed_columns_are_kept_and_rows_numbered_from_2(tmp_path: Path) -> None:
    (source,) = open_sources(_write(tmp_path / "outcomes.parquet", rows=10), batch_rows=4)
    assert source.record_type == "outcome"
    assert source.standard_version == "1.0.0"
    batches = list(source.batches)
    assert [(b.first_row, b.table.num_rows) for b in batches] == [(2, 4), (6, 4), (10, 2)]
    schema = batches[0].table.schema
    assert schema.field("date_administered").type == pa.date32()
    assert schema.field("items").type == pa.list_(pa.int16())
    assert _own(source) == []


def test_record_type_from_metadata_when_the_name_says_nothing(tmp_path: Path) -> None:
    (source,) = open_sources(_write(tmp_path / "export-2025.parquet"))
    assert source.record_type == "outcome"


def test_another_major_version_is_unsupported(tmp_path: Path) -> None:
    path = _write(tmp_path / "outcomes.parquet", metadata={PARQUET_VERSION_KEY: b"2.1.0"})
    (source,) = open_sources(path)
    assert [(f.code, f.value) for f in _own(source)] == [("version-unsupported", "2.1.0")]
    assert "2.1.0" in _own(source)[0].message
    assert list(source.batches) == []


def test_a_newer_minor_version_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "outcomes.parquet", metadata={PARQUET_VERSION_KEY: b"1.7.2"})
    (source,) = open_sources(path)
    assert _own(source) == []


def test_truncated_parquet_is_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "outcomes.parquet", rows=1000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    (source,) = open_sources(path)
    assert [f.code for f in _own(source)] == ["file-unreadable"]
    assert "not a valid Parquet file" in _own(source)[0].message
    assert list(source.batches) == []


def test_damage_inside_the_data_is_reported_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.parquet"
    table = pa.table({"record_id": [f"record-{i:06d}" for i in range(20_000)]})
    pq.write_table(table, path, compression="none", use_dictionary=False)
    data = bytearray(path.read_bytes())
    # Overwrite the middle of the only data page; the footer stays intact.
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    (source,) = open_sources(path)
    assert _own(source) == []  # only the footer has been read so far
    rows = sum(batch.table.num_rows for batch in source.batches)
    assert rows < 20_000
    assert [f.code for f in _own(source)] == ["file-unreadable"]
    assert "damaged" in _own(source)[0].message


def test_empty_parquet(tmp_path: Path) -> None:
    (source,) = open_sources(_write(tmp_path / "outcomes.parquet", rows=0))
    assert [f.code for f in _own(source)] == ["record-type-empty"]
    assert "no outcome records (no rows)" in _own(source)[0].message


def test_mapping_renames_parquet_columns(tmp_path: Path) -> None:
    mapping = Mapping(columns={"RECORD_ID": "record_id", "Date Administered": "date_administered"})
    path = _write(tmp_path / "outcomes.parquet", metadata={PARQUET_VERSION_KEY: b"1.0.0"}, rows=1)
    table = pq.read_table(path).rename_columns(["RECORD_ID", "Date Administered", "items"])
    pq.write_table(table, path)
    (source,) = open_sources(path, mapping=mapping)
    assert source.columns == ["record_id", "date_administered", "items"]
    assert source.original_columns == ["RECORD_ID", "Date Administered", "items"]
    (batch,) = source.batches
    assert batch.table.column_names == source.columns


@pytest.mark.parametrize("content", [b"", b"PAR1", b"hello world, not parquet"])
def test_files_that_are_not_parquet_are_unreadable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "outcomes.parquet"
    path.write_bytes(content)
    (source,) = open_sources(path)
    assert [f.code for f in _own(source)] == ["file-unreadable"]


def test_repetitive_text_columns_are_read_dictionary_encoded(tmp_path: Path) -> None:
    rows = 10_000
    table = pa.table(
        {
            "record_id": [f"m{i}" for i in range(rows)],
            "service_id": [f"svc-{i % 7}" if i % 11 else None for i in range(rows)],
            "timepoint": ["baseline", "month_3"] * (rows // 2),
        }
    )
    path = tmp_path / "outcomes.parquet"
    pq.write_table(table, path, row_group_size=4000)
    (source,) = open_sources(path, batch_rows=3000)
    batches = list(source.batches)
    types = {name: batches[0].table.schema.field(name).type for name in table.column_names}
    assert types["record_id"] == pa.string()  # mostly unique: read plain
    assert pa.types.is_dictionary(types["service_id"])
    assert pa.types.is_dictionary(types["timepoint"])
    read = pa.concat_tables([b.table for b in batches])
    for name in table.column_names:
        assert read.column(name).cast(pa.string()).to_pylist() == table.column(name).to_pylist()


def test_a_limit_reached_part_way_comes_after_the_strict_findings_of_the_rows_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The strict check runs beside the stream; a limit that stops it still comes last."""
    path = _write(tmp_path / "outcomes.parquet", rows=10)  # cut-down rows: all schema-invalid
    table = pq.read_table(path)
    ids = [f"m{i}" if i != 4 else "m" * 50 for i in range(10)]  # row 6: a long cell
    pq.write_table(table.set_column(0, "record_id", pa.array(ids)), path, row_group_size=2)
    limits = DEFAULT_LIMITS.replace(max_cell_chars=20)

    def found() -> list[tuple[str, int | None]]:
        (source,) = open_sources(path, batch_rows=2, limits=limits)
        for _ in source.batches:
            pass
        return [(f.code, f.row) for f in source.findings]

    alongside = found()
    monkeypatch.setattr(parquet_reader, "checked_batches", partial(checked_batches, every_row=True))
    assert alongside == found()
    assert alongside[-1] == ("limit-exceeded", 6)
    assert {row for _, row in alongside[:-1]} == {2, 3, 4, 5, 6, 7}  # the batches passed on
