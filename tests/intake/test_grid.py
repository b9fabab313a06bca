"""Spreadsheets read into grids: cell text as the readers render it, original row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from peerbench.intake.grid import Grid, read_grids
from peerbench.validators.limits import Limits

ROWS: list[list[object]] = [
    ["Wellbeing group 2026", None, None],
    [None, None, None],
    ["Client ID ", "Date", "Score"],
    ["C1", dt.date(2026, 3, 1), 45],
    [None, None, None],
    ["C2", dt.date(2026, 3, 8), 51.5],
    ["TOTAL", None, 96.5],
]
TEXT = [
    ["Wellbeing group 2026", "", ""],
    ["", "", ""],
    ["Client ID ", "Date", "Score"],
    ["C1", "2026-03-01", "45"],
    ["", "", ""],
    ["C2", "2026-03-08", "51.5"],
    ["TOTAL", "", "96.5"],
]


def _xlsx(path: Path, rows: list[list[object]], *, extra_sheets: bool = True) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Clients"
    for row in rows:
        sheet.append(row)
    if extra_sheets:
        workbook.create_sheet("Instructions")["A1"] = "Fill in the sheets"
        workbook.create_sheet("Sheet2")
    workbook.save(path)
    return path


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


CSV_TEXT = (
    "Wellbeing group 2026,,\r\n"
    ",,\r\n"
    "Client ID ,Date,Score\r\n"
    "C1,2026-03-01,45\r\n"
    "\r\n"
    "C2,2026-03-08,51.5\r\n"
    "TOTAL,,96.5\r\n"
    "\r\n"
)


def test_xlsx_cells_and_rows(tmp_path: Path) -> None:
    [grid] = read_grids(_xlsx(tmp_path / "clients.xlsx", ROWS))
    assert grid.sheet == "Clients"
    assert grid.name == "Clients"
    assert grid.display.endswith("clients.xlsx#Clients")
    assert grid.rows == TEXT
    assert grid.row_numbers == [1, 2, 3, 4, 5, 6, 7]
    assert grid.encoding is None
    assert grid.findings == []


def test_csv_gives_the_same_grid(tmp_path: Path) -> None:
    [grid] = read_grids(_csv(tmp_path / "clients.csv", CSV_TEXT))
    [book] = read_grids(_xlsx(tmp_path / "clients.xlsx", ROWS))
    assert grid.rows == book.rows
    assert grid.row_numbers == book.row_numbers
    assert grid.sheet is None
    assert grid.name == "clients.csv"
    assert grid.encoding == "UTF-8"


def test_cp1252_semicolon_csv_warns(tmp_path: Path) -> None:
    text = "Name;Café visits\r\nZoë;3\r\n"
    [grid] = read_grids(_csv(tmp_path / "export.csv", text, "cp1252"))
    assert grid.rows == [["Name", "Café visits"], ["Zoë", "3"]]
    assert grid.delimiter == ";"
    assert grid.encoding == "Windows-1252"
    assert [f.code for f in grid.findings] == ["encoding-guessed"]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    [grid] = read_grids(_csv(tmp_path / "a.csv", "Client ID,Score\n1,2\n", "utf-8-sig"))
    assert grid.rows[0] == ["Client ID", "Score"]


def test_multiline_cell_is_one_row(tmp_path: Path) -> None:
    [grid] = read_grids(_csv(tmp_path / "a.csv", 'id,note\n1,"two\nlines"\n2,x\n'))
    assert grid.row_numbers == [1, 2, 3]
    assert grid.rows[1] == ["1", "two\nlines"]


def test_ragged_rows_are_padded(tmp_path: Path) -> None:
    [grid] = read_grids(_csv(tmp_path / "a.csv", "a,b,c\n1\n1,2,3,4\n"))
    assert grid.rows == [["a", "b", "c", ""], ["1", "", "", ""], ["1", "2", "3", "4"]]


def test_formula_cells_are_remembered(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    _xlsx(path, [["a", "b", "c"], [1, 2]], extra_sheets=False)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Clients"]
    sheet["C2"] = "=A2+B2"
    workbook.save(path)
    [grid] = read_grids(path)
    assert grid.formulas == {(1, 2): "=A2+B2"}
    assert grid.rows[1] == ["1", "2", ""]  # never calculated: no cached value


def test_empty_and_unknown_files(tmp_path: Path) -> None:
    [empty] = read_grids(_csv(tmp_path / "e.csv", ""))
    assert [f.code for f in empty.findings] == ["file-empty"]
    [binary] = read_grids(_csv(tmp_path / "b.csv", "PK\x03\x04junk"))
    assert [f.code for f in binary.findings] == ["file-unreadable"]
    [other] = read_grids(_csv(tmp_path / "notes.txt", "hello"))
    assert [f.code for f in other.findings] == ["file-unreadable"]
    with pytest.raises(FileNotFoundError):
        read_grids(tmp_path / "missing.csv")


def test_damaged_workbook_is_a_finding(tmp_path: Path) -> None:
    [grid] = read_grids(_csv(tmp_path / "d.xlsx", "PK\x03\x04 not a zip really"))
    assert [f.code for f in grid.findings] == ["file-unreadable"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_limits_bound_the_read(tmp_path: Path, suffix: str) -> None:
    rows: list[list[object]] = [["id", "x"]]
    rows.extend([str(i), "y"] for i in range(10))
    if suffix == "csv":
        path = _csv(tmp_path / "a.csv", "".join(f"{r[0]},{r[1]}\n" for r in rows))
    else:
        path = _xlsx(tmp_path / "a.xlsx", rows, extra_sheets=False)
    [grid] = read_grids(path, Limits(max_rows=5))
    assert any(f.code == "limit-exceeded" for f in grid.findings)
    assert len(grid.rows) <= 6
    [narrow] = read_grids(path, Limits(max_columns=1))
    assert any("max_columns" in f.message for f in narrow.findings)


def test_long_cell_is_over_the_limit(tmp_path: Path) -> None:
    [grid] = read_grids(
        _csv(tmp_path / "a.csv", "a\n" + "x" * 50 + "\n"), Limits(max_cell_chars=10)
    )
    assert any("max_cell_chars" in f.message for f in grid.findings)
    assert grid.rows == [["a"]]


def test_grid_width() -> None:
    assert Grid(file="a.csv", sheet=None).width == 0
    assert Grid(file="a.csv", sheet=None, rows=[["a", "b"]], row_numbers=[1]).width == 2
