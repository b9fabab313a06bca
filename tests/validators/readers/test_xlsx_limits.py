"""Workbooks are checked against the limits before openpyxl expands them."""

from __future__ import annotations

from pathlib import Path

from peerbench.validators.limits import Limits
from peerbench.validators.readers.xlsx_limits import xlsx_limit_problem
from tests.corpus.hostile import HEADER, shared_strings, sheet_rows, write_xlsx

ROW: list[str | int] = ["0123456789abcdef0123456789abcdef", "svc-1", "25-34", "female", "true"]


def _problem(path: Path, limits: Limits) -> str | None:
    found = xlsx_limit_problem(path, "participants.xlsx", limits)
    return None if found is None else found.message


def test_an_ordinary_workbook_passes(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER), ROW]))
    assert _problem(path, Limits()) is None


def test_a_file_that_is_no_zip_is_left_to_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"not a zip at all")
    assert _problem(path, Limits()) is None


def test_the_zip_directory_gives_the_expanded_size(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER), ROW]))
    message = _problem(path, Limits(max_decompressed_bytes=1000))
    assert message is not None and "max_decompressed_bytes is 1,000" in message


def test_rows_are_counted_while_streaming(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER)] + [ROW] * 30))
    assert _problem(path, Limits(max_rows=30)) is None
    message = _problem(path, Limits(max_rows=29))
    assert message is not None and "more than 29 data rows" in message


def test_shared_strings_are_counted_when_not_declared(tmp_path: Path) -> None:
    strings = "".join(shared_strings([f"s{i}" for i in range(20)], 20))
    undeclared = strings.replace(' count="20" uniqueCount="20"', "")
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER)]), [undeclared])
    assert _problem(path, Limits(max_shared_strings=20)) is None
    message = _problem(path, Limits(max_shared_strings=19))
    assert message is not None and "more than 19 strings" in message


def test_a_declared_count_over_the_limit_is_refused_at_once(tmp_path: Path) -> None:
    strings = shared_strings(["a"], 5_000_000)
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER)]), list(strings))
    message = _problem(path, Limits())
    assert message is not None and "declares 5,000,000 strings" in message


def test_a_cell_far_longer_than_allowed_is_found_in_the_sheet(tmp_path: Path) -> None:
    # The scan reads 1 MiB at a time: it finds cells that run on for more than a chunk
    # past what a cell could hold (a memory guard); shorter ones are measured exactly
    # once read (see the limits' row guard).
    rows: list[list[str | int]] = [list(HEADER), [*ROW[:1], "x" * 3_000_000, *ROW[2:]]]
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows(rows))
    assert _problem(path, Limits(max_cell_chars=1_000_000)) is None  # within the allowance
    message = _problem(path, Limits())
    assert message is not None and "max_cell_chars" in message


def test_a_shared_string_far_longer_than_allowed_is_found(tmp_path: Path) -> None:
    strings = list(shared_strings(["y" * 50_000], 1))
    path = write_xlsx(tmp_path / "p.xlsx", sheet_rows([list(HEADER)]), strings)
    message = _problem(path, Limits(max_cell_chars=100))
    assert message is not None and "max_cell_chars" in message
