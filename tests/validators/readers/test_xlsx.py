"""Excel workbooks: sheets to record types, cell values to text, formulas, broken files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from peerbench.validators.catalogue import Severity
from peerbench.validators.mapping import Mapping
from peerbench.validators.readers import open_sources
from peerbench.validators.source import Source


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _rows(source: Source) -> list[tuple[int, dict[str, Any]]]:
    return [
        (batch.first_row + offset, row)
        for batch in source.batches
        for offset, row in enumerate(batch.table.to_pylist())
    ]


def test_cells_are_read_as_the_text_a_person_would_type(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "export.xlsx",
        {
            "Outcomes": [
                ["record_id", "date_administered", "total_score", "items", "ok", "empty", "at"],
                ["007", dt.datetime(2025, 1, 13), 21.5, 3, True, None, dt.datetime(2025, 1, 13, 9)],
                ["m2", dt.date(2025, 2, 1), 0.1 + 0.2, 4.0, False, "", dt.time(9, 30)],
            ]
        },
    )
    (source,) = open_sources(path)
    assert source.file == f"{path}#Outcomes"
    assert source.record_type == "outcome"
    assert source.file_format == "xlsx"
    assert _rows(source) == [
        (2, {"record_id": "007", "date_administered": "2025-01-13", "total_score": "21.5",
             "items": "3", "ok": "true", "empty": None, "at": "2025-01-13T09:00:00"}),
        (3, {"record_id": "m2", "date_administered": "2025-02-01", "total_score": "0.3",
             "items": "4", "ok": "false", "empty": None, "at": "09:30:00"}),
    ]  # fmt: skip
    assert source.findings == []


def test_formula_cells_are_reported_with_row_column_and_formula(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "outcomes.xlsx",
        {"outcomes": [["record_id", "item_1", "total_score"], ["m1", 3, "=B2*2"], ["m2", 4, 8]]},
    )
    (source,) = open_sources(path)
    rows = _rows(source)
    assert [row for row, _ in rows] == [2, 3]
    # openpyxl saves no cached value, so the value is empty; Excel would have saved one.
    assert rows[0][1]["total_score"] is None
    assert [(f.code, f.row, f.column, f.value) for f in source.findings] == [
        ("formula-in-cell", 2, "total_score", "=B2*2")
    ]
    assert source.findings[0].severity == "warning"


def test_template_sheets_are_skipped_and_a_wrong_sheet_is_named(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "submission.xlsx",
        {
            "Instructions": [["Fill in one sheet per record type"]],
            "Data dictionary": [["field", "meaning"]],
            "Code lists": [["sex", "female"]],
            "participants": [["participant_key"], ["k1"]],
            "Partcipants 2024": [["participant_key"], ["k2"]],
            "Sheet2": [],
        },
    )
    sources = open_sources(path)
    assert [s.file.rsplit("#", 1)[1] for s in sources] == ["participants", "Partcipants 2024"]
    good, wrong = sources
    assert good.findings == []
    assert wrong.record_type is None
    assert [f.code for f in wrong.findings] == ["record-type-unknown"]
    message = wrong.findings[0].message
    assert "sheet name 'Partcipants 2024'" in message
    assert "closest: participants" in message
    assert list(wrong.batches) == []


def test_blank_rows_are_skipped_without_renumbering(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        {"feedback": [["feedback_id"], ["a"], [None], ["b"], ["c"], [None], [None]]},
    )
    (source,) = open_sources(path, batch_rows=10)
    batches = list(source.batches)
    assert [(b.first_row, b.table.column("feedback_id").to_pylist()) for b in batches] == [
        (2, ["a"]),
        (4, ["b", "c"]),
    ]


def test_small_batches_keep_row_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx", {"feedback": [["n"], *([str(i)] for i in range(2, 9))]}
    )
    (source,) = open_sources(path, batch_rows=3)
    assert [(b.first_row, b.table.num_rows) for b in source.batches] == [(2, 3), (5, 3), (8, 1)]


def test_header_only_sheet_is_a_record_type_not_collected(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", {"outcomes": [["record_id", "items"]]})
    (source,) = open_sources(path)
    assert source.columns == ["record_id", "items"]
    assert [f.code for f in source.findings] == ["record-type-empty"]
    assert source.findings[0].severity is Severity.NOTE


def test_named_sheet_without_a_header_is_empty(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", {"outcomes": [], "participants": [["x"], ["1"]]})
    sources = open_sources(path)
    assert [f.code for f in sources[0].findings] == ["file-empty"]
    assert "(the sheet is empty)" in sources[0].findings[0].message


def test_record_type_override_applies_to_any_sheet_name(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", {"Sheet1": [["record_id"], ["m1"]]})
    (source,) = open_sources(path, record_type="outcomes")
    assert source.record_type == "outcome"
    assert _rows(source) == [(2, {"record_id": "m1"})]


def test_mapping_renames_sheet_headers(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", {"Sheet1": [["Client ID", "Gender"], ["k1", "F"]]})
    mapping = Mapping(
        record_type="participants", columns={"Client ID": "participant_key", "gender": "sex"}
    )
    (source,) = open_sources(path, mapping=mapping)
    assert source.record_type == "participant"
    assert source.columns == ["participant_key", "sex"]
    assert source.original_columns == ["Client ID", "Gender"]
    assert _rows(source) == [(2, {"participant_key": "k1", "sex": "F"})]


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "outcomes.xlsx"
    path.write_bytes(content)
    (source,) = open_sources(path)
    assert [f.code for f in source.findings] == ["file-unreadable"]
    assert "not a valid .xlsx" in source.findings[0].message
    assert list(source.batches) == []


@pytest.mark.parametrize("case", ["xlsx-billion-laughs", "xlsx-external-entity"])
def test_entity_declarations_are_refused_without_showing_the_path(
    tmp_path: Path, case: str
) -> None:
    from tests.corpus.build import BUILDERS

    path = tmp_path / "participants.xlsx"
    BUILDERS[case](path)
    [source] = open_sources(path)
    [finding] = source.findings
    assert finding.code == "file-unreadable"
    assert str(tmp_path) not in finding.message and "participants.xlsx" in finding.message
