"""A spreadsheet as it was typed: every sheet (or CSV file) as a grid of cell text.

Nothing here knows about the standard. A :class:`Grid` keeps every row of a sheet,
including title rows above the header, blank rows and total rows, each with the row
number the coordinator sees in Excel, so that layout finding
(:mod:`peerbench.intake.layout`) and the transform can skip them with a warning that
names them and every finding can point back at the original row.

Cells are text as the validators' readers render them
(:func:`peerbench.validators.readers.cells.cell_text`): dates as ``YYYY-MM-DD``, whole
numbers without ``.0``; an empty cell is ``""``. CSV and XLSX give identical grids for
identical content: blank rows are kept in both (a CSV's blank line is a blank row), and
trailing blank rows and columns are dropped in both.

Resource limits (:mod:`peerbench.validators.limits`) apply as to validation: a workbook
is checked by :func:`~peerbench.validators.readers.xlsx_limits.xlsx_limit_problem`
before openpyxl expands any of it, and rows, columns and cell lengths are counted while
reading, so a hostile file stays bounded. Going over a limit is a finding, not a crash.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from openpyxl.workbook.workbook import Workbook

from peerbench.validators.limits import DEFAULT_LIMITS, EXCEL_MAX_ROWS, Limits, limit_finding
from peerbench.validators.readers.cells import cell_text
from peerbench.validators.readers.detect import (
    SNIFF_BYTES,
    binary_reason,
    detect_encoding,
    is_template_sheet,
    sniff_table_delimiter,
)
from peerbench.validators.readers.sources import finding
from peerbench.validators.readers.transcode import TranscodingReader, decode_cp1252
from peerbench.validators.readers.xlsx import load_workbook, quiet_openpyxl
from peerbench.validators.readers.xlsx_limits import xlsx_limit_problem
from peerbench.validators.report import Finding

__all__ = ["GRID_SUFFIXES", "Grid", "read_grids"]

GRID_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
"""Spreadsheet suffixes read into grids, and the format each is read as."""

_DELIMITERS = {",", ";"}


@dataclass
class Grid:
    """One sheet of a workbook, or one CSV file, as rows of cell text.

    Attributes:
        file: The file as the user named it (the path given, as text).
        sheet: The workbook sheet's name, or None for a CSV file.
        rows: Cell text, row by row; ``""`` for an empty cell. All rows have the same
            width (trailing empty columns dropped); trailing blank rows dropped.
        row_numbers: The original spreadsheet row (1-based, as Excel shows it) of each
            entry of ``rows``.
        encoding: How a CSV file was decoded (``UTF-8``, ``Windows-1252``...); None for
            a workbook.
        findings: Problems met while reading (encoding guessed, a limit, damage).
        formulas: ``(index in rows, column index)`` → the formula of a workbook cell
            whose last saved value is in ``rows``; reported only for cells the mapping
            uses, so a formula in a skipped total row says nothing.
        delimiter: The CSV delimiter (``,`` or ``;``); None for a workbook.
    """

    file: str
    sheet: str | None
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    encoding: str | None = None
    findings: list[Finding] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    delimiter: str | None = None

    @property
    def name(self) -> str:
        """The name a mapping's ``sheets`` key matches: the sheet name, else the file name."""
        return self.sheet if self.sheet is not None else Path(self.file).name

    @property
    def display(self) -> str:
        """Where the grid came from as findings show it: ``file`` or ``file#sheet``."""
        return self.file if self.sheet is None else f"{self.file}#{self.sheet}"

    @property
    def width(self) -> int:
        """Number of columns."""
        return len(self.rows[0]) if self.rows else 0


def read_grids(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[Grid]:
    """Read a spreadsheet (``.csv``, ``.xlsx``, ``.xlsm``) into grids of cell text.

    One grid per CSV file; one per sheet of a workbook, except the template's guidance
    sheets (Instructions, Data dictionary, Code lists) and sheets with no cells at all.
    A file that cannot be read gives one grid with no rows and a finding saying why.

    Args:
        path: The spreadsheet.
        limits: Resource limits; a file over one is read no further (finding
            ``limit-exceeded``).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    file = str(path)
    kind = GRID_SUFFIXES.get(path.suffix.lower())
    try:
        if kind == "csv":
            return [_read_csv(path, file, limits)]
        if kind == "xlsx":
            return _read_xlsx(path, file, limits)
    except OSError as exc:
        return [_failed(file, None, "file-unreadable", f"{exc.strerror or exc}")]
    accepted = ", ".join(sorted(GRID_SUFFIXES))
    detail = f"files ending '{path.suffix}' are not spreadsheets this reads; use {accepted}"
    return [_failed(file, None, "file-unreadable", detail)]


def _failed(file: str, sheet: str | None, code: str, detail: str) -> Grid:
    shown = file if sheet is None else f"{file}#{sheet}"
    return Grid(file=file, sheet=sheet, findings=[finding(code, file=shown, detail=detail)])


class _Collector:
    """Rows as they are read: checks the limits, trims, numbers."""

    def __init__(self, grid: Grid, limits: Limits) -> None:
        self.grid = grid
        self.limits = limits
        self.over = False
        self._max_rows = min(limits.max_rows, EXCEL_MAX_ROWS) if grid.sheet else limits.max_rows

    def add(self, number: int, cells: list[str]) -> bool:
        """Add one row; False (and a finding) when a limit stops the reading."""
        grid, limits = self.grid, self.limits
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.max_columns:
            found = f"row {number} has {len(cells):,} cells"
            return self._stop(limit_finding(grid.display, "max_columns", limits.max_columns, found))
        longest = max((len(cell) for cell in cells), default=0)
        if longest > limits.max_cell_chars:
            found = f"a cell of row {number} holds {longest:,} characters"
            name, most = "max_cell_chars", limits.max_cell_chars
            return self._stop(limit_finding(grid.display, name, most, found, row=number))
        # The header counts too, so allow one row beyond max_rows data rows.
        if len(grid.rows) >= self._max_rows + 1:
            found = f"more than {self._max_rows:,} rows"
            return self._stop(limit_finding(grid.display, "max_rows", self._max_rows, found))
        grid.rows.append(cells)
        grid.row_numbers.append(number)
        return True

    def _stop(self, problem: Finding) -> bool:
        self.grid.findings.append(problem)
        self.over = True
        return False

    def finish(self) -> Grid:
        """Drop trailing blank rows and pad every row to the widest."""
        grid = self.grid
        while grid.rows and not any(grid.rows[-1]):
            grid.rows.pop()
            grid.row_numbers.pop()
        width = max((len(row) for row in grid.rows), default=0)
        for row in grid.rows:
            row.extend([""] * (width - len(row)))
        rows = len(grid.rows)
        grid.formulas = {k: v for k, v in grid.formulas.items() if k[0] < rows and k[1] < width}
        return grid


# ---------------------------------------------------------------------------- CSV


def _read_csv(path: Path, file: str, limits: Limits) -> Grid:
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        return _failed(file, None, "file-empty", " (the file is empty)")
    reason = binary_reason(head)
    if reason is not None:
        return _failed(file, None, "file-unreadable", reason)
    encoding = detect_encoding(path)
    sample = (
        decode_cp1252(head)
        if encoding.name == "cp1252"
        else head.decode(encoding.name, errors="replace")
    )
    delimiter = sniff_table_delimiter(sample.lstrip("\ufeff"))
    if delimiter not in _DELIMITERS:
        delimiter = ","  # a tab-separated file is read as one column and reported by the caller
    grid = Grid(file=file, sheet=None, encoding=encoding.label, delimiter=delimiter)
    if not encoding.is_utf8:
        grid.findings.append(finding("encoding-guessed", file=file, detail=encoding.label))
    collector = _Collector(grid, limits)
    with _csv_text(path, encoding.name, encoding.is_utf8) as text:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            # A quoted cell with line breaks is one spreadsheet row, so rows are numbered
            # by records (as Excel shows them), not by lines; a blank line is a blank row.
            for number, cells in enumerate(reader, start=1):
                if not collector.add(number, cells):
                    break
        except csv.Error as exc:
            detail = f"row {len(grid.rows) + 1} cannot be read ({exc})"
            grid.findings.append(finding("file-unreadable", file=file, detail=detail))
    return collector.finish()


@contextmanager
def _csv_text(path: Path, codec: str, is_utf8: bool) -> Iterator[io.TextIOBase]:
    if is_utf8:
        with open(path, encoding="utf-8-sig", newline="") as text:
            yield text
        return
    raw = TranscodingReader(open(path, "rb"), codec)  # noqa: SIM115 (closed by the wrapper)
    with io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", newline="") as text:
        yield text


# ---------------------------------------------------------------------------- XLSX


def _read_xlsx(path: Path, file: str, limits: Limits) -> list[Grid]:
    over = xlsx_limit_problem(path, file, limits)
    if over is not None:
        return [Grid(file=file, sheet=None, findings=[over])]
    try:
        values = load_workbook(path, data_only=True)
        formulas = load_workbook(path, data_only=False)
    # openpyxl raises whatever its zip and XML layers raise on a damaged file.
    except Exception as exc:
        reason = str(exc).replace(str(path), path.name)
        detail = f"it is not a valid .xlsx workbook ({type(exc).__name__}: {reason})"
        return [_failed(file, None, "file-unreadable", detail)]
    grids: list[Grid] = []
    try:
        for sheet in values.sheetnames:
            if is_template_sheet(sheet):
                continue
            grid = _read_sheet(values, formulas, file, sheet, limits)
            if grid.rows or grid.findings:
                grids.append(grid)
    except Exception as exc:
        reason = str(exc).replace(str(path), path.name)
        detail = f"the workbook is damaged ({type(exc).__name__}: {reason})"
        return [_failed(file, None, "file-unreadable", detail)]
    finally:
        values.close()
        formulas.close()
    return grids


def _read_sheet(
    values: Workbook, formulas: Workbook, file: str, sheet: str, limits: Limits
) -> Grid:
    grid = Grid(file=file, sheet=sheet)
    collector = _Collector(grid, limits)
    with quiet_openpyxl():
        value_sheet, formula_sheet = values[sheet], formulas[sheet]
        # Ignore the sheet's declared size: a forged "A1:XFD1048576" would otherwise pad
        # every row to 16,384 cells. Rows are then only as long as their cells.
        for worksheet in (value_sheet, formula_sheet):
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()
        pairs: Iterator[tuple[Any, Any]] = zip_longest(
            value_sheet.iter_rows(values_only=True),
            formula_sheet.iter_rows(),
            fillvalue=(),
        )
        # Read-only sheets yield every row from 1, blank ones as empty cells.
        for number, (row, cells) in enumerate(pairs, start=1):
            texts = [cell_text(value) or "" for value in row]
            if not collector.add(number, texts):
                break
            index = len(grid.rows) - 1
            for column, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    formula = getattr(cell.value, "text", cell.value)
                    grid.formulas[(index, column)] = str(formula)
    return collector.finish()
