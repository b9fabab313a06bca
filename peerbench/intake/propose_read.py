"""Spreadsheets to what the proposer reads: each sheet's header, data rows and skipped rows.

The header row is the first of the top rows whose cells the proposer recognises most
(``Client ID``, ``Q3 start``…), so a title above it is skipped; blank and total rows
are set aside by :func:`peerbench.intake.layout.find_layout`, exactly as ``prepare``
does, once the local id column is known (a ``TOTAL`` in the id column is a total row).
"""

from __future__ import annotations

from collections.abc import Sequence

from peerbench.intake.grid import Grid
from peerbench.intake.layout import Layout, find_layout, row_list
from peerbench.intake.propose_match import match_header
from peerbench.intake.propose_model import SheetInput
from peerbench.intake.propose_sheet import propose_sheet
from peerbench.schema.instruments.definition import InstrumentDefinition

HEADER_SCAN = 10
"""Rows at the top of a sheet searched for the header."""


def header_row(grid: Grid, codes: Sequence[str]) -> int | None:
    """The spreadsheet row of the row with most recognised headers (None: nothing known)."""
    best, best_score = None, 0
    for index, row in enumerate(grid.rows[:HEADER_SCAN]):
        score = sum(
            1 for cell in row if cell.strip() and match_header(cell, codes).role != "unknown"
        )
        if score > best_score:
            best, best_score = grid.row_numbers[index], score
    return best


def sheet_input(grid: Grid, definitions: Sequence[InstrumentDefinition]) -> SheetInput:
    """One grid as the proposer reads it, its title, blank and total rows set aside."""
    codes = [d.code for d in definitions]
    row = header_row(grid, codes)
    layout = find_layout(grid, header_row=row)
    if layout.header_index is not None:
        first = _as_input(grid, layout, None)
        found = propose_sheet(first.key, first.headers, first.rows, definitions)
        if found.id_column is not None:
            layout = find_layout(grid, header_row=row, id_column=found.id_column.value)
    first_filled = next(
        (n for n, r in zip(grid.row_numbers, grid.rows, strict=True) if any(r)), None
    )
    written = row if row is not None and row != first_filled else None
    return _as_input(grid, layout, written)


def _as_input(grid: Grid, layout: Layout, header_row: int | None) -> SheetInput:
    notes = []
    if layout.title_rows:
        notes.append(f"{_rows(layout.title_rows)} above the header: a title, skipped")
    if layout.blank_rows:
        notes.append(f"{_rows(layout.blank_rows)}: blank, skipped")
    if layout.summary_rows:
        notes.append(f"{_rows(layout.summary_rows)}: totals or summaries, skipped")
    return SheetInput(
        key=grid.name,
        file=grid.file,
        sheet=grid.sheet,
        headers=layout.headers,
        rows=[grid.rows[i] for i in layout.data],
        header_row=header_row,
        notes=notes,
        row_numbers=[grid.row_numbers[i] for i in layout.data],
    )


def _rows(numbers: list[int]) -> str:
    """``Rows 4-6`` (capitalised: it starts a comment line)."""
    text = row_list(numbers)
    return text[:1].upper() + text[1:]
