"""Formula-like text: found in Arrow columns, quoted in CSV, text cells in XLSX."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from openpyxl import Workbook, load_workbook

from peerbench.io.formulas import (
    csv_rows,
    formula_mask,
    is_formula_like,
    neutralise,
    neutralise_table,
    write_csv,
    xlsx_row,
)

RISKY = [
    "=1+2",
    "+44 1",
    "-5 points",
    "-3+cmd|' /C calc'!A0",
    "-",
    "@SUM(A1)",
    "\tx",
    "\rx",
    '=HYPERLINK("http://e.vil")',
]
SAFE = ["fine", "1+2=3", " =x", "a-b", "", "'=already quoted", "５", "-3", "+1.5", "-1e5"]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_is_formula_like(text: str) -> None:
    assert is_formula_like(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [*SAFE, None, 5, -3, 1.5])
def test_other_values_are_left_alone(value: object) -> None:
    assert not is_formula_like(value)
    assert neutralise(value) == value


def test_mask_on_plain_dictionary_and_chunked_arrays() -> None:
    values = [*RISKY, *SAFE, None]
    expected = [True] * len(RISKY) + [False] * (len(SAFE) + 1)
    plain = pa.array(values, pa.string())
    assert formula_mask(plain).to_pylist() == expected
    assert formula_mask(plain.dictionary_encode()).to_pylist() == expected
    chunked = pa.chunked_array([plain.slice(0, 3), plain.slice(3)])
    assert formula_mask(chunked).to_pylist() == expected
    assert formula_mask(pa.array(values, pa.large_string())).to_pylist() == expected


def test_neutralised_csv_reads_back_as_quoted_text() -> None:
    table = pa.table(
        {
            "text": pa.array(["=1+2", "ok", None, "-3"]),
            "coded": pa.array(["@x", "b", "c", "d"]).dictionary_encode(),
            "number": pa.array([-1, 2, 3, 4]),
        }
    )
    buffer = io.BytesIO()
    write_csv(table, buffer)
    back = pacsv.read_csv(io.BytesIO(buffer.getvalue()))
    assert back.column("text").to_pylist() == ["'=1+2", "ok", "", "-3"]  # CSV: empty; a number
    assert back.column("coded").to_pylist() == ["'@x", "b", "c", "d"]
    assert back.column("number").to_pylist() == [-1, 2, 3, 4]  # numbers are not text
    assert neutralise_table(table).column("number").equals(table.column("number"))
    assert table.column("text").to_pylist()[0] == "=1+2"  # the input is not changed


def test_small_csv_text() -> None:
    assert csv_rows(["h", "-k"], [["=a", 1], ["b", None]]) == "h,'-k\n'=a,1\nb,\n"


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_cells_hold_the_text_never_a_formula(tmp_path: Path, write_only: bool) -> None:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("data") if write_only else workbook.active
    assert sheet is not None
    sheet.title = "data"
    sheet.append(xlsx_row(sheet, ['=HYPERLINK("http://e.vil")', "plain", 3, None]))
    workbook.save(tmp_path / "out.xlsx")
    cells = next(load_workbook(tmp_path / "out.xlsx")["data"].iter_rows())
    assert cells[0].value == '=HYPERLINK("http://e.vil")'
    assert cells[0].data_type == "s" and cells[0].quotePrefix
    assert [c.value for c in cells[1:3]] == ["plain", 3]
    assert not cells[1].quotePrefix


def test_every_csv_and_xlsx_writer_goes_through_this_module() -> None:
    """No module writes CSV or fills a workbook without the shared helpers."""
    package = Path(__file__).resolve().parents[2] / "peerbench"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "formulas.py" and path.parent.name == "io":
            continue
        source = path.read_text(encoding="utf-8")
        if "pacsv.write_csv(" in source or "csv.writer(" in source or "csv.DictWriter(" in source:
            offenders.append(f"{path.relative_to(package)}: writes CSV directly")
        if "Workbook(" in source and "xlsx_row" not in source:
            offenders.append(f"{path.relative_to(package)}: fills a workbook without xlsx_row")
    assert offenders == []
