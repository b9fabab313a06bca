"""CSV reading: encodings, delimiters, row numbers, streaming and broken files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peerbench.validators.mapping import Mapping
from peerbench.validators.readers import csv as csv_reader
from peerbench.validators.readers import open_sources
from peerbench.validators.source import Source


def _one(path: Path, **kwargs: Any) -> Source:
    (source,) = open_sources(path, **kwargs)
    return source


def _rows(source: Source) -> list[tuple[int, dict[str, Any]]]:
    """Every row with its spreadsheet row number."""
    return [
        (batch.first_row + offset, row)
        for batch in source.batches
        for offset, row in enumerate(batch.table.to_pylist())
    ]


def _codes(source: Source) -> list[tuple[str, int | None]]:
    return [(f.code, f.row) for f in source.findings]


def test_utf8_csv_reads_every_column_as_text(tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("participant_key,age_band,deprivation_decile\nk1,35_44,007\nk2,,3\n")
    source = _one(path)
    assert source.record_type == "participant"
    assert source.file_format == "csv"
    assert source.encoding == "UTF-8"
    assert source.columns == ["participant_key", "age_band", "deprivation_decile"]
    assert _rows(source) == [
        (2, {"participant_key": "k1", "age_band": "35_44", "deprivation_decile": "007"}),
        (3, {"participant_key": "k2", "age_band": None, "deprivation_decile": "3"}),
    ]
    assert source.findings == []


def test_empty_cells_are_null_and_everything_else_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text('a,b,c,d,e\n,"",NA, x ,null\n')
    (_, row), *_ = _rows(_one(path))
    assert row == {"a": None, "b": None, "c": "NA", "d": " x ", "e": "null"}
    batch_types = {pa.string()}
    assert {field.type for field in next(iter(_one(path).batches)).table.schema} == batch_types


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes("record_id,name\nm1,café\n".encode("utf-8-sig"))
    source = _one(path)
    assert source.columns == ["record_id", "name"]
    assert source.encoding == "UTF-8 with BOM"
    assert _rows(source) == [(2, {"record_id": "m1", "name": "café"})]
    assert source.findings == []


def test_cp1252_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_bytes("feedback_id,free_text\nfb1,café £5\n".encode("cp1252"))
    source = _one(path)
    assert source.encoding == "Windows-1252"
    assert _rows(source) == [(2, {"feedback_id": "fb1", "free_text": "café £5"})]
    assert _codes(source) == [("encoding-guessed", None)]
    assert "Windows-1252" in source.findings[0].message


def test_bytes_undefined_in_cp1252_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_bytes(b"a,b\n\x81\x8d,\xe9\n")
    assert _rows(_one(path)) == [(2, {"a": "\x81\x8d", "b": "é"})]


def test_mixed_encoding_far_down_the_file_is_read_as_cp1252(tmp_path: Path) -> None:
    # Two megabytes of clean UTF-8 first, so a scan of only the top would miss the bad byte.
    lines = ["a,b\n", "café,1\n", *(f"r{i},{i}\n" for i in range(250_000)), "caf\xe9,2\n"]
    path = tmp_path / "outcomes.csv"
    with open(path, "wb") as handle:
        for line in lines:
            handle.write(line.encode("cp1252") if line.startswith("caf\xe9,2") else line.encode())
    source = _one(path, batch_rows=100_000)
    rows = _rows(source)
    assert rows[0] == (2, {"a": "cafÃ©", "b": "1"})  # UTF-8 read as cp1252: mojibake, no crash
    assert rows[-1] == (len(lines), {"a": "café", "b": "2"})
    assert _codes(source) == [("encoding-guessed", None)]


def test_utf16_from_excel_unicode_text_is_transcoded(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes("record_id\tname\nm1\tcafé\n".encode("utf-16"))
    source = _one(path)
    assert _rows(source) == [(2, {"record_id": "m1", "name": "café"})]
    assert _codes(source) == [("encoding-guessed", None)]


def test_semicolon_delimiter_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text('record_id;total_score;note\nm1;21,5;"a;b"\n')
    assert _rows(_one(path)) == [(2, {"record_id": "m1", "total_score": "21,5", "note": "a;b"})]


def test_headers_are_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(" record_id ,\tname\n1,2\n")
    source = _one(path)
    assert source.columns == ["record_id", "name"]
    assert source.original_columns == ["record_id", "name"]


def test_multi_line_cells_count_as_one_spreadsheet_row(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text('id,text\n1,"two\nlines"\n2,plain\n')
    assert [row for row, _ in _rows(_one(path))] == [2, 3]


def test_row_numbers_continue_across_batches(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(2, 9)))
    batches = list(_one(path, batch_rows=3).batches)
    assert [(b.first_row, b.table.num_rows) for b in batches] == [(2, 3), (5, 3), (8, 1)]
    for batch in batches:
        assert batch.table.column("n").to_pylist() == [
            str(batch.first_row + i) for i in range(batch.table.num_rows)
        ]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "file-empty", "The file has no data rows (the file is empty)."),
        (b"\n \r\n", "file-empty", "The file has no data rows (the file is empty)."),
        (b"\xef\xbb\xbf", "file-empty", "The file has no data rows (the file is empty)."),
        (b"\xef\xbb\xbf,\n", "file-empty", "The file has no data rows (the file is empty)."),
        (
            b"record_id,name\n",
            "record-type-empty",
            "There are no outcome records (only a header row); "
            "fine if this record type is not collected.",
        ),
        (
            b"record_id;name",
            "record-type-empty",
            "There are no outcome records (only a header row); "
            "fine if this record type is not collected.",
        ),
    ],
)
def test_empty_and_header_only_files(
    tmp_path: Path, content: bytes, code: str, message: str
) -> None:
    # A header with no rows is a record type not collected (a note); no header at all
    # is an empty file (an error).
    path = tmp_path / "outcomes.csv"
    path.write_bytes(content)
    source = _one(path)
    assert _codes(source) == [(code, None)]
    assert source.findings[0].message == message
    assert list(source.batches) == []


def test_header_only_file_keeps_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(b"record_id;name")
    assert _one(path).columns == ["record_id", "name"]


def test_random_bytes_are_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(random.Random(7).randbytes(4096))
    source = _one(path)
    assert _codes(source) == [("file-unreadable", None)]
    assert list(source.batches) == []


def test_a_workbook_saved_as_csv_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    (finding,) = _one(path).findings
    assert "Excel workbook" in finding.message


def test_ragged_row_is_unreadable_at_its_row(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text('a,b\n1,"x\ny"\n3,4\n5,6,7\n8,9\n')
    source = _one(path)
    assert _rows(source) == []
    assert _codes(source) == [("file-unreadable", 4)]
    assert "3 cells" in source.findings[0].message


def test_ragged_row_after_the_first_block_keeps_earlier_batches(tmp_path: Path) -> None:
    rows = 200_000  # about 3 MB: several parser blocks (Arrow reads one or two ahead)
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "record_id,value\n" + "".join(f"m{i:08d},{i}\n" for i in range(rows)) + "bad,1,2\n"
    )
    source = _one(path, batch_rows=5_000)
    assert source.findings == []  # not found until the rows are read
    read = _rows(source)
    assert 0 < len(read) < rows
    assert [row for row, _ in read] == list(range(2, 2 + len(read)))
    assert _codes(source) == [("file-unreadable", rows + 2)]


def test_unknown_file_name_names_the_accepted_ones(tmp_path: Path) -> None:
    path = tmp_path / "outcome_data.csv"
    path.write_text("a\n1\n")
    source = _one(path)
    assert source.record_type is None
    assert _codes(source) == [("record-type-unknown", None)]
    message = source.findings[0].message
    assert "outcome_data" in message
    assert "participants" in message
    assert "closest: outcomes" in message
    assert list(source.batches) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Participants.CSV", "participant"),
        ("participant.csv", "participant"),
        ("service_use.csv", "service_use"),
    ],
)
def test_record_type_from_file_name(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("a\n1\n")
    assert _one(path).record_type == expected


def test_record_type_override_wins(tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("a\n1\n")
    assert _one(path, record_type="outcomes").record_type == "outcome"


def test_mapping_renames_headers_and_keeps_the_originals(tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("Client ID , gender,age_band\nk1,F,35_44\n")
    mapping = Mapping(columns={"client id": "participant_key", "Gender": "sex"})
    source = _one(path, mapping=mapping)
    assert source.columns == ["participant_key", "sex", "age_band"]
    assert source.original_columns == ["Client ID", "gender", "age_band"]
    assert _rows(source) == [(2, {"participant_key": "k1", "sex": "F", "age_band": "35_44"})]


@pytest.mark.slow
def test_a_large_csv_is_streamed_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrow reads a fixed number of blocks ahead, more when the machine is busy. Smaller
    # blocks keep that read-ahead well under the file's size, so a busy CI machine cannot
    # make a bounded read look like a whole-file one (at 256 KiB it came to a fifth).
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64 * 1024)
    path = tmp_path / "outcomes.csv"
    header = "record_id,participant_key,service_id,instrument,timepoint,date_administered"
    row = "m-000001,3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70,svc-1,SWEMWBS,baseline,2025-01-13"
    block = "".join(f"{row},{i % 5},{i % 4},{i % 3}\n" for i in range(10_000))
    with open(path, "w") as handle:
        handle.write(header + ",item_1,item_2,item_3\n")
        for _ in range(60):
            handle.write(block)
    size = os.path.getsize(path)
    assert size > 49_000_000

    # Arrow's allocation counter is process-wide: measure growth from here, not its total.
    baseline = pa.total_allocated_bytes()
    tracemalloc.start()
    try:
        source = _one(path, batch_rows=20_000)
        after_open = pa.total_allocated_bytes() - baseline
        batches = rows = arrow_peak = 0
        for batch in source.batches:
            batches += 1
            rows += batch.table.num_rows
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes() - baseline)
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 600_000
    assert batches == 30
    assert source.findings == []
    # Opening read some blocks, not the file; reading held a fixed number of blocks
    # (Arrow reads ahead more when the machine is busy), never the file. Arrow keeps what
    # it reads from a Python stream as Python bytes, so count both kinds of memory.
    assert after_open < size / 4
    assert arrow_peak + python_peak < size / 2


@pytest.mark.parametrize("content", [b"a,b\n1,2\n3,4\n", b"a,b\n\xe9,2\n3,4\n"])
def test_exiting_with_a_half_read_file_does_not_crash(tmp_path: Path, content: bytes) -> None:
    # Arrow aborts the interpreter if a CSV reader over a Python stream outlives shutdown.
    path = tmp_path / "outcomes.csv"
    path.write_bytes(content)
    script = (
        "import sys; from pathlib import Path\n"
        "from peerbench.validators.readers import open_sources\n"
        "(source,) = open_sources(Path(sys.argv[1]), batch_rows=1)\n"
        "next(source.batches)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
