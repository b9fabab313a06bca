"""The proposer on real files: title, blank and total rows, CSV and XLSX alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from peerbench.intake.mapping import load_mapping
from peerbench.intake.propose import propose_mapping

WORDS = ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"]
HEADERS = ["Client ID ", "Name", "Date of birth", "Gender", "First session",
           *[f"Q{n} start" for n in range(1, 15)], "Start total"]  # fmt: skip


def _rows() -> list[list[object]]:
    return [
        ["C001", "Ann Smith", dt.date(1980, 4, 3), "Woman", dt.date(2025, 1, 14),
         *[WORDS[i % 5] for i in range(14)], 42],
        [],
        ["C002", "Bob Jones", dt.date(1975, 11, 13), "Man", dt.date(2025, 1, 15),
         *["Often"] * 14, 56],
        ["TOTAL", "", "", "", "", *[""] * 14, 98],
    ]  # fmt: skip


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clients"
    sheet.append(["Walk and Talk: client list"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in _rows():
        sheet.append(row)
    book.save(path)
    return path


def _csv(path: Path) -> Path:
    lines = ["Walk and Talk: client list", "", ",".join(HEADERS)]
    for row in _rows():
        cells = [c.strftime("%d/%m/%Y") if isinstance(c, dt.date) else str(c) for c in row]
        lines.append(",".join(cells))
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    return path


@pytest.mark.parametrize("make", [_xlsx, _csv], ids=["xlsx", "cp1252-csv"])
def test_title_blank_and_total_rows_are_set_aside_alike(make: object, tmp_path: Path) -> None:
    path = make(tmp_path / ("clients.xlsx" if make is _xlsx else "clients.csv"))  # type: ignore[operator]
    proposal = propose_mapping([path])
    (sheet,) = proposal.sheets
    assert sheet.header_row == 3
    assert sheet.notes == [
        "Row 1 above the header: a title, skipped",
        "Row 5: blank, skipped",
        "Row 7: totals or summaries, skipped",
    ]
    assert sheet.id_column is not None and sheet.id_column.value == "Client ID"
    outcomes = sheet.block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    # The total row's 98 is not an answer: WEMWBS is recognised by its answer words.
    assert (outcomes.instrument.value, outcomes.instrument.confidence) == ("WEMWBS", "likely")
    assert not outcomes.todos or not any("answers:" in t for t in outcomes.todos)
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(proposal.to_yaml(), encoding="utf-8")
    mapping = load_mapping(mapping_path)
    assert mapping.sheet_for(sheet.key) is not None
    text = proposal.to_yaml()
    for value in ("Ann Smith", "Bob Jones", "C001", "C002", "1980", "13/11/1975"):
        assert value not in text


def test_a_semicolon_cp1252_csv_is_read_and_its_encoding_reported(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    text = "Ref;Date completed;Stage;Q1;Q2;Q3;Q4;Q5;Q6;Q7;Notes\r\n"
    text += "R1;14/01/2025;Start;Not at all;Several days;2;3;0;1;2;café\r\n"
    text += "R2;15/01/2025;3 months;1;1;1;1;1;1;1;\r\n"
    path.write_bytes(text.encode("cp1252"))
    proposal = propose_mapping([path])
    assert any("Windows-1252" in f.message for f in proposal.findings)
    (sheet,) = proposal.sheets
    outcomes = sheet.block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert outcomes.instrument.value == "GAD7"  # its answer words, and a 0
    assert set(sheet.skip) == {"Notes"}


def test_sheets_matching_nothing_are_left_out(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "People"
    first.append(["ID", "Sex", "Age"])
    first.append(["1", "F", "34"])
    lookups = book.create_sheet("Lookups")
    lookups.append(["Colour", "Shade"])
    lookups.append(["red", "dark"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    proposal = propose_mapping([path])
    assert [s.key for s in proposal.sheets] == ["People"]
    assert len(proposal.left_out) == 1 and "'Lookups'" in proposal.left_out[0]


def test_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        propose_mapping([tmp_path / "nope.xlsx"])


def test_files_with_nothing_to_map_still_give_a_yaml_that_loads(tmp_path: Path) -> None:
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"not a zip")
    for path in (numbers, damaged):
        proposal = propose_mapping([path])
        out = tmp_path / "mapping.yaml"
        out.write_text(proposal.to_yaml(), encoding="utf-8")
        assert load_mapping(out).sheets == {}
        assert "no records" in proposal.preview()
    assert not propose_mapping([numbers]).unreadable()  # read, but nothing matched
    assert propose_mapping([numbers]).todo_count() == 1
    assert propose_mapping([damaged]).unreadable()
