"""Blank spreadsheet rows: left out the same way in CSV and XLSX, numbers kept exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pytest

from peerbench.validators.readers import open_sources
from peerbench.validators.readers.blank_rows import (
    KEPT_ROWS,
    BlankRows,
    row_list,
    without_blank_rows,
)
from peerbench.validators.readers.cells import rebatch_runs

ROWS: list[list[str | None]] = [
    ["feedback_id", "service_id"],
    ["a", "s1"],
    [None, None],
    ["b", "s1"],
    ["c", None],
    [None, None],
    [None, None],
    ["d", "s2"],
    [None, None],  # trailing: formatting, not a gap
]


def _csv(path: Path) -> Path:
    lines = [",".join("" if cell is None else cell for cell in row) for row in ROWS]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "feedback"
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("make", [_csv, _xlsx], ids=["csv", "xlsx"])
@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_blank_rows_are_left_out_with_one_warning(
    tmp_path: Path, make: object, batch_rows: int
) -> None:
    name = "feedback.csv" if make is _csv else "book.xlsx"
    path = make(tmp_path / name)  # type: ignore[operator]
    (source,) = open_sources(path, batch_rows=batch_rows)
    rows = [
        (batch.first_row + offset, value)
        for batch in source.batches
        for offset, value in enumerate(batch.table.column("feedback_id").to_pylist())
    ]
    assert rows == [(2, "a"), (4, "b"), (5, "c"), (8, "d")]
    [warning] = [f for f in source.findings if f.code == "layout-blank-rows"]
    assert (warning.severity, warning.message) == ("warning", "Blank rows 3 and 6-7 skipped.")


def test_csv_and_xlsx_report_blank_rows_alike(tmp_path: Path) -> None:
    (csv_source,) = open_sources(_csv(tmp_path / "feedback.csv"))
    (xlsx_source,) = open_sources(_xlsx(tmp_path / "book.xlsx"))
    for source in (csv_source, xlsx_source):
        list(source.batches)
    assert [f.message for f in csv_source.findings] == [f.message for f in xlsx_source.findings]


def test_a_file_of_only_blank_rows_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text("feedback_id,service_id\n,\n,\n", encoding="utf-8")
    (source,) = open_sources(path)
    assert list(source.batches) == []
    assert [f.code for f in source.findings] == ["record-type-empty"]


def test_runs_with_gaps_become_batches_of_consecutive_rows() -> None:
    def batch(*values: str) -> pa.RecordBatch:
        return pa.record_batch([pa.array(values)], names=["x"])

    runs = [(2, batch("a", "b")), (4, batch("c")), (7, batch("d", "e", "f"))]
    out = [(b.first_row, b.table.column("x").to_pylist()) for b in rebatch_runs(runs, ["x"], 2)]
    assert out == [(2, ["a", "b"]), (4, ["c"]), (7, ["d", "e"]), (9, ["f"])]


def test_blank_rows_kept_by_number_are_bounded() -> None:
    count = KEPT_ROWS * 3
    cells = [None] * count + ["x"]
    blanks = BlankRows()
    runs = list(
        without_blank_rows([pa.record_batch([pa.array(cells, pa.string())], ["x"])], blanks)
    )
    assert [(start, b.num_rows) for start, b in runs] == [(count + 2, 1)]
    assert len(blanks.rows) == KEPT_ROWS and blanks.more == count - KEPT_ROWS
    found = blanks.finding("big.csv")
    assert found is not None
    assert found.message.endswith(f"(and {count - KEPT_ROWS:,} more blank rows) skipped.")


def test_trailing_blank_rows_are_not_reported() -> None:
    blanks = BlankRows()
    blanks.data()
    blanks.blank(np.array([5, 6]))
    assert blanks.finding("f.csv") is None


@pytest.mark.parametrize(
    ("rows", "text"),
    [
        ([4], "row 4"),
        ([4, 7, 9], "rows 4, 7 and 9"),
        ([4, 5, 6, 7, 8, 12], "rows 4-8 and 12"),
        (
            list(range(2, 60, 2)),
            "rows " + ", ".join(str(n) for n in range(2, 25, 2)) + " and 17 more",
        ),
    ],
)
def test_row_list(rows: list[int], text: str) -> None:
    assert row_list(rows) == text
