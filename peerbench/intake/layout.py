"""Where the data is in a grid: the header row, and the rows that are not people.

Spreadsheets kept by hand carry a title above the header ("Wellbeing group, spring
2026"), blank rows between groups, and a total or average row at the bottom. None of
them is a participant, so each kind is skipped with one warning that names the rows.
The rules are the same for a CSV file and a workbook sheet (both arrive as a
:class:`~peerbench.intake.grid.Grid`), so the same content gives the same rows and the
same warnings whichever way it was saved.

Header row (unless the mapping gives ``header_row``): among the first
:data:`HEADER_SCAN_ROWS` non-blank rows, the row matching most of the expected headers
(the mapping's and the standard's, compared with
:func:`~peerbench.io.headers.normalise_header`); when none matches, the first row that
looks like a header: at least two filled cells, at least half as many as the fullest
row near the top, all of them text (no numbers or dates) and no two the same.
Otherwise the first non-blank row. Rows above it are title rows.

Summary rows: a row whose local id (when the id column is known) is a summary word
(``TOTAL``), or which has no local id and a cell that is a summary word: Total, Totals,
Grand total, Subtotal, Average, Mean, Median, Sum, Count, or ``n =`` (with or without a
number), optionally followed by a colon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from peerbench.intake.grid import Grid
from peerbench.io.headers import normalise_header
from peerbench.validators.readers.blank_rows import row_list
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

__all__ = ["HEADER_SCAN_ROWS", "Layout", "find_layout", "is_summary_text", "row_list"]

HEADER_SCAN_ROWS = 20
"""How many non-blank rows from the top may hold the header."""

_SUMMARY = re.compile(
    r"^(?:(?:grand|sub)[ -]?)?(?:totals?|average|averages|mean|median|sum|count)\s*:?$"
    r"|^n\s*=\s*\d*$"
)
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:[.,]\d+)?|\.\d+)%?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


@dataclass
class Layout:
    """The header and data rows of a grid, and the rows skipped.

    Attributes:
        grid: The grid.
        header_index: Index in ``grid.rows`` of the header row (None: no header, e.g. an
            empty grid or a ``header_row`` beyond the sheet).
        headers: The header cells as written.
        data: Indexes in ``grid.rows`` of the rows that hold records.
        title_rows: Spreadsheet rows above the header that hold something.
        blank_rows: Spreadsheet rows below the header with nothing in them.
        summary_rows: Spreadsheet rows below the header that are totals or summaries.
        findings: One warning per kind of skipped row, naming the rows.
    """

    grid: Grid
    header_index: int | None
    headers: list[str] = field(default_factory=list)
    data: list[int] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def header_row(self) -> int | None:
        """The spreadsheet row number of the header."""
        return None if self.header_index is None else self.grid.row_numbers[self.header_index]

    def column_index(self, header: str) -> int | None:
        """The index of the column headed ``header`` (matched normalised), or None."""
        wanted = normalise_header(header)
        for index, name in enumerate(self.headers):
            if normalise_header(name) == wanted:
                return index
        return None


def is_summary_text(text: str) -> bool:
    """Whether a cell reads as a total or summary label (``Total``, ``Average:``, ``n = 12``)."""
    return bool(_SUMMARY.match(normalise_header(text)))


def find_layout(
    grid: Grid,
    *,
    header_row: int | None = None,
    expected: Iterable[str] = (),
    id_column: str | None = None,
) -> Layout:
    """Find the header row and sort the rows below it into data, blank and summary rows.

    Args:
        grid: The sheet.
        header_row: The spreadsheet row of the header, as the mapping gives it; found
            automatically when None.
        expected: Headers the sheet should have (the mapping's local headers and the
            standard's field names), used to recognise the header row.
        id_column: The local participant id header, if known, for summary rows.
    """
    if header_row is not None:
        return _given(grid, header_row, id_column)
    index = _guess_header(grid, {normalise_header(name) for name in expected})
    return _sorted_rows(grid, index, id_column)


def _given(grid: Grid, header_row: int, id_column: str | None) -> Layout:
    if header_row in grid.row_numbers:
        return _sorted_rows(grid, grid.row_numbers.index(header_row), id_column)
    last = grid.row_numbers[-1] if grid.row_numbers else 0
    detail = f"the sheet's last row is {last}" if last else "the sheet is empty"
    problem = finding(
        "layout-header-row-missing", file=grid.display, value=header_row, detail=detail
    )
    return Layout(grid=grid, header_index=None, findings=[problem])


def _is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _guess_header(grid: Grid, expected: set[str]) -> int | None:
    candidates = [i for i, row in enumerate(grid.rows) if not _is_blank(row)][:HEADER_SCAN_ROWS]
    if not candidates:
        return None
    if expected:
        scores = {i: _matches(grid.rows[i], expected) for i in candidates}
        best = max(scores.values())
        if best > 0:
            return next(i for i in candidates if scores[i] == best)
    fullest = max(_filled(grid.rows[i]) for i in candidates)
    for index in candidates:
        cells = [cell.strip() for cell in grid.rows[index] if cell.strip()]
        if (
            len(cells) >= 2
            and 2 * len(cells) >= fullest
            and not any(_NUMBER.match(cell) or _DATE.match(cell) for cell in cells)
            and len({normalise_header(cell) for cell in cells}) == len(cells)
        ):
            return index
    return candidates[0]


def _matches(row: list[str], expected: set[str]) -> int:
    return sum(1 for cell in row if cell.strip() and normalise_header(cell) in expected)


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _sorted_rows(grid: Grid, header_index: int | None, id_column: str | None) -> Layout:
    layout = Layout(grid=grid, header_index=header_index)
    if header_index is None:
        return layout
    layout.headers = list(grid.rows[header_index])
    numbers = grid.row_numbers
    layout.title_rows = [numbers[i] for i in range(header_index) if not _is_blank(grid.rows[i])]
    id_index = None if id_column is None else layout.column_index(id_column)
    for index in range(header_index + 1, len(grid.rows)):
        row = grid.rows[index]
        if _is_blank(row):
            layout.blank_rows.append(numbers[index])
        elif _is_summary(row, id_index):
            layout.summary_rows.append(numbers[index])
        else:
            layout.data.append(index)
    kinds = (
        ("layout-title-rows", layout.title_rows),
        ("layout-blank-rows", layout.blank_rows),
        ("layout-summary-rows", layout.summary_rows),
    )
    for code, rows in kinds:
        if rows:
            layout.findings.append(finding(code, file=grid.display, detail=row_list(rows)))
    return layout


def _is_summary(row: list[str], id_index: int | None) -> bool:
    if id_index is not None:
        local_id = row[id_index].strip() if id_index < len(row) else ""
        if local_id:
            return is_summary_text(local_id)
    return any(is_summary_text(cell) for cell in row if cell.strip())
