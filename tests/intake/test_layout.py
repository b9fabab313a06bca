"""Header row, title rows, blank rows and total rows: found the same in CSV and XLSX."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from peerbench.intake.grid import Grid, read_grids
from peerbench.intake.layout import find_layout, is_summary_text, row_list

SHEET = [
    ["Walk and talk group: spring 2026", "", "", ""],
    ["Prepared by the coordinator", "", "", ""],
    ["", "", "", ""],
    ["Client ID ", "Gender", "Date completed", "Total"],
    ["C01", "F", "01/03/2026", "45"],
    ["C02", "M", "08/03/2026", "51"],
    ["", "", "", ""],
    ["C03", "F", "15/03/2026", "38"],
    ["", "", "", ""],
    ["TOTAL", "", "", "134"],
    ["Average", "", "", "44.7"],
]


def _grid(rows: list[list[str]]) -> Grid:
    return Grid(
        file="clients.csv",
        sheet=None,
        rows=[list(r) for r in rows],
        row_numbers=list(range(1, len(rows) + 1)),
    )


def _write_both(tmp_path: Path) -> tuple[Path, Path]:
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text("".join(",".join(row) + "\r\n" for row in SHEET), encoding="utf-8")
    xlsx_path = tmp_path / "clients.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in SHEET:
        sheet.append([cell or None for cell in row])
    workbook.save(xlsx_path)
    return csv_path, xlsx_path


def test_csv_and_xlsx_give_the_same_layout(tmp_path: Path) -> None:
    csv_path, xlsx_path = _write_both(tmp_path)
    layouts = []
    for path in (csv_path, xlsx_path):
        [grid] = read_grids(path)
        layouts.append(find_layout(grid, id_column="Client ID"))
    for layout in layouts:
        assert layout.header_row == 4
        assert layout.title_rows == [1, 2]
        assert layout.blank_rows == [7, 9]
        assert layout.summary_rows == [10, 11]
        assert [layout.grid.row_numbers[i] for i in layout.data] == [5, 6, 8]
        assert [f.code for f in layout.findings] == [
            "layout-title-rows",
            "layout-blank-rows",
            "layout-summary-rows",
        ]
    csv_layout, xlsx_layout = layouts
    assert [f.message for f in csv_layout.findings] == [f.message for f in xlsx_layout.findings]
    assert [f.severity for f in csv_layout.findings] == ["warning"] * 3
    assert csv_layout.findings[0].message == "Title rows 1-2 above the header skipped."
    assert csv_layout.findings[1].message == "Blank rows 7 and 9 skipped."
    assert csv_layout.findings[2].message == (
        "Total or summary rows 10-11 skipped (totals, not people)."
    )


def test_header_found_by_expected_names() -> None:
    rows = [["Survey", "Q1", "Q2"], ["Client ID", "Q1", "Q2"], ["C1", "3", "4"]]
    layout = find_layout(_grid(rows), expected=["client id", "q1", "q2"])
    assert layout.header_row == 2
    assert layout.title_rows == [1]


def test_header_by_shape_without_expectations() -> None:
    rows = [["Group report"], ["2026", "", ""], ["Name", "Score", "Date"], ["A", "3", "2026-01-01"]]
    layout = find_layout(_grid([r + [""] * (3 - len(r)) for r in rows]))
    assert layout.header_row == 3
    assert layout.title_rows == [1, 2]


def test_header_row_given_by_the_mapping() -> None:
    layout = find_layout(_grid(SHEET), header_row=2, id_column="Client ID")
    assert layout.header_row == 2
    assert layout.headers[0] == "Prepared by the coordinator"
    missing = find_layout(_grid(SHEET), header_row=40)
    assert missing.header_index is None
    assert [f.code for f in missing.findings] == ["layout-header-row-missing"]
    assert "last row is 11" in missing.findings[0].message


def test_id_like_total_is_a_summary_but_a_person_is_not() -> None:
    rows = [["ID", "Note"], ["TOTAL", ""], ["C1", "Total"], ["", "Mean"]]
    layout = find_layout(_grid(rows), id_column="ID")
    assert layout.summary_rows == [2, 4]
    assert [layout.grid.row_numbers[i] for i in layout.data] == [3]


@pytest.mark.parametrize(
    "text", ["Total", "TOTALS", " Grand total ", "Sub-total", "Average:", "mean", "n = 12", "N="]
)
def test_summary_words(text: str) -> None:
    assert is_summary_text(text)


@pytest.mark.parametrize("text", ["Totally fine", "C1", "Often", "3 months", "n/a"])
def test_not_summary_words(text: str) -> None:
    assert not is_summary_text(text)


def test_row_list() -> None:
    assert row_list([4]) == "row 4"
    assert row_list([4, 7, 9]) == "rows 4, 7 and 9"
    assert row_list([4, 5, 6, 12]) == "rows 4-6 and 12"
    assert row_list(list(range(2, 60, 2))) == (
        "rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24 and 17 more"
    )


def test_empty_grid() -> None:
    layout = find_layout(_grid([]))
    assert layout.header_index is None
    assert layout.findings == []
