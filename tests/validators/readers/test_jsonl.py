"""JSON Lines and JSON: one text shape with CSV, row numbers, bad lines and bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peerbench.validators.catalogue import Severity
from peerbench.validators.readers import open_sources
from peerbench.validators.report import Finding
from peerbench.validators.source import Source


def _own(source: Source) -> list[Finding]:
    """What the reader itself found: the strict JSON Schema check of each record
    (``schema-invalid``, tests/validators/readers/test_strict.py) is left out, since
    these records are cut down to the fields each test is about."""
    return [f for f in source.findings if f.code != "schema-invalid"]


def _rows(source: Source) -> list[tuple[int, dict[str, Any]]]:
    return [
        (batch.first_row + offset, row)
        for batch in source.batches
        for offset, row in enumerate(batch.table.to_pylist())
    ]


def _jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_values_become_text_and_lists_are_flattened_as_in_csv(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "outcomes.jsonl",
        json.dumps({"record_id": "m1", "items": [3, None, 4], "total_score": 7.0, "x": True}),
    )
    (source,) = open_sources(path)
    assert source.record_type == "outcome"
    assert source.file_format == "jsonl"
    assert source.columns == ["record_id", "item_1", "item_2", "item_3", "total_score", "x"]
    assert source.original_columns[1:4] == ["items[1]", "items[2]", "items[3]"]
    assert _rows(source) == [
        (2, {"record_id": "m1", "item_1": "3", "item_2": None, "item_3": "4",
             "total_score": "7", "x": "true"}),
    ]  # fmt: skip


def test_themes_are_joined_and_nested_values_kept_as_json(tmp_path: Path) -> None:
    record = {"themes": ["hope", "connection"], "extra": {"a": 1}, "free_text": ""}
    (source,) = open_sources(_jsonl(tmp_path / "feedback.jsonl", json.dumps(record)))
    assert _rows(source) == [
        (2, {"themes": "hope;connection", "extra": '{"a": 1}', "free_text": None})
    ]


def test_a_bad_line_is_reported_at_its_row_and_the_rest_is_read(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "outcomes.jsonl",
        '{"record_id": "m1"}',
        '{"record_id": "m2"',
        "",
        "[1, 2]",
        '{"record_id": "m5"}',
    )
    (source,) = open_sources(path)
    assert _rows(source) == [(2, {"record_id": "m1"}), (6, {"record_id": "m5"})]
    assert [(f.code, f.row) for f in _own(source)] == [
        ("file-unreadable", 3),
        ("file-unreadable", 5),
    ]
    assert "line 2 is not valid JSON" in _own(source)[0].message
    assert "line 4 is not a JSON object" in _own(source)[1].message


def test_keys_that_appear_later_become_columns(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "feedback.jsonl", '{"a": "1"}', '{"b": "2"}', '{"a": "3"}')
    (source,) = open_sources(path, batch_rows=2)
    batches = list(source.batches)
    assert [b.table.to_pylist() for b in batches] == [
        [{"a": "1", "b": None}, {"a": None, "b": "2"}],
        [{"a": "3", "b": None}],
    ]
    assert source.columns == ["a", "b"]


def test_windows_1252_lines_are_read_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_bytes('{"t": "café"}\n{"t": "£1"}\n'.encode("cp1252"))
    (source,) = open_sources(path)
    assert [row for _, row in _rows(source)] == [{"t": "café"}, {"t": "£1"}]
    assert [f.code for f in _own(source)] == ["encoding-guessed"]
    assert source.encoding == "Windows-1252"


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_jsonl(tmp_path: Path, content: str) -> None:
    path = tmp_path / "outcomes.jsonl"
    path.write_text(content)
    (source,) = open_sources(path)
    assert [f.code for f in _own(source)] == ["file-empty"]


def test_all_bad_lines_is_unreadable_not_empty(tmp_path: Path) -> None:
    (source,) = open_sources(_jsonl(tmp_path / "outcomes.jsonl", "a,b", "1,2"))
    assert [f.code for f in _own(source)] == ["file-unreadable", "file-unreadable"]


def test_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "participants.json"
    path.write_text(json.dumps([{"participant_key": "k1"}, 5, {"participant_key": "k3"}]))
    (source,) = open_sources(path)
    assert source.file_format == "json"
    assert _rows(source) == [(2, {"participant_key": "k1"}), (4, {"participant_key": "k3"})]
    assert [(f.code, f.row) for f in _own(source)] == [("file-unreadable", 3)]


def test_json_bundle_gives_one_source_per_record_array(tmp_path: Path) -> None:
    bundle = {
        "standard_version": "1.0.0",
        "generated": "2025-04-01",
        "participants": [{"participant_key": "k1"}],
        "outcomes": [{"record_id": "m1", "items": [1, 2]}, {"record_id": "m2"}],
        "extras": [{"a": 1}],
    }
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(bundle))
    participants, outcomes, extras = open_sources(path)
    assert participants.file == f"{path}#participants"
    assert participants.record_type == "participant"
    assert participants.standard_version == "1.0.0"
    assert _rows(outcomes) == [
        (2, {"record_id": "m1", "item_1": "1", "item_2": "2"}),
        (3, {"record_id": "m2", "item_1": None, "item_2": None}),
    ]
    assert extras.record_type is None
    assert [f.code for f in _own(extras)] == ["record-type-unknown"]
    assert "array name 'extras'" in _own(extras)[0].message


def test_json_bundle_of_another_major_version_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "submission.json"
    path.write_text(json.dumps({"standard_version": "2.0.0", "outcomes": [{"record_id": "m"}]}))
    (source,) = open_sources(path)
    assert [(f.code, f.value) for f in _own(source)] == [("version-unsupported", "2.0.0")]
    assert list(source.batches) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json", "not valid JSON"), ("42", "expected an array"), ('{"a": 1}', "expected")],
)
def test_json_that_is_not_records_is_unreadable(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "outcomes.json"
    path.write_text(content)
    (source,) = open_sources(path)
    assert [f.code for f in _own(source)] == ["file-unreadable"]
    assert expected in _own(source)[0].message


def test_empty_json_array(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.json"
    path.write_text("[]")
    (source,) = open_sources(path)
    assert [f.code for f in _own(source)] == ["record-type-empty"]
    assert _own(source)[0].severity is Severity.NOTE
    assert "no outcome records (the array is empty)" in _own(source)[0].message


def test_a_programs_numbers_keep_every_digit(tmp_path: Path) -> None:
    """JSON is written by programs: its numbers are read back as the same doubles (Excel's
    15 shown digits are for spreadsheets only)."""
    values = [19.987654321098765, 0.1 + 0.2, 1e-7, 123456789.12345679]
    path = _jsonl(
        tmp_path / "outcomes.jsonl",
        *(json.dumps({"record_id": f"m{i}", "total_score": v}) for i, v in enumerate(values)),
    )
    (source,) = open_sources(path)
    read = [float(row["total_score"]) for _row, row in _rows(source)]
    assert read == values
