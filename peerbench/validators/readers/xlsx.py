"""Excel workbooks: one source per sheet named after a record type.

Cells are read as the text a person would type (see
:mod:`peerbench.validators.readers.cells`). Formulas are read from their last saved
value and reported, because a recalculation elsewhere could give a different answer.
Blank rows are left out with one warning (:mod:`.blank_rows`), without renumbering: row
numbers are always the sheet's own.
Cells to the right of the last header are ignored.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import zip_longest
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook

from peerbench.validators.readers.blank_rows import BlankRows
from peerbench.validators.readers.cells import RowBatcher, cell_text
from peerbench.validators.readers.detect import (
    is_template_sheet,
    record_type_from_name,
    unknown_name_detail,
)
from peerbench.validators.readers.sources import (
    OpenOptions,
    add_finding,
    failed_source,
    finding,
    new_source,
    no_records,
    resolve_record_type,
)
from peerbench.validators.readers.version import version_finding
from peerbench.validators.readers.xlsx_limits import xlsx_limit_problem
from peerbench.validators.report import Finding
from peerbench.validators.source import Source, SourceBatch

FORMAT = "xlsx"
_CHUNK_ROWS = 4096
"""Rows pulled from openpyxl per step; openpyxl's warnings are silenced only meanwhile."""


@contextmanager
def quiet_openpyxl() -> Iterator[None]:
    """Silence openpyxl's warnings about workbook features it drops, meanwhile."""
    # openpyxl warns about workbook features it drops (data validation extensions,
    # default styles); they say nothing about the data, and tests turn warnings into errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def load_workbook(path: Path, *, data_only: bool) -> Workbook:
    """Open a workbook read-only (cached values with ``data_only``, else formulas)."""
    with quiet_openpyxl():
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def open_xlsx(path: Path, file: str, options: OpenOptions) -> list[Source]:
    """Open every record sheet of a workbook, reading only headers and first rows.

    Args:
        path: The workbook.
        file: Name to show the user; sheets are shown as ``file#sheet``.
        options: The caller's options.
    """
    over = xlsx_limit_problem(path, file, options.limits)
    if over is not None:
        return [failed_source(file, options.record_type, FORMAT, over)]
    try:
        workbook = load_workbook(path, data_only=True)
    # openpyxl raises whatever its zip and XML layers raise on a damaged file; the
    # contract is a finding, never a traceback.
    except Exception as exc:
        # openpyxl names the file by its path (on a server, the spool's): show the user's name.
        reason = str(exc).replace(str(path), path.name)
        detail = f"it is not a valid .xlsx workbook ({type(exc).__name__}: {reason})"
        return [failed_source(file, options.record_type, FORMAT, _unreadable(file, detail))]
    try:
        sources = []
        for sheet in workbook.sheetnames:
            if is_template_sheet(sheet):
                continue
            source = _open_sheet(workbook, path, file, sheet, options)
            if source is not None:
                sources.append(source)
    except Exception as exc:
        reason = str(exc).replace(str(path), path.name)
        detail = f"the workbook is damaged ({type(exc).__name__}: {reason})"
        return [failed_source(file, options.record_type, FORMAT, _unreadable(file, detail))]
    finally:
        workbook.close()
    return sources


def _unreadable(file: str, detail: str) -> Finding:
    return finding("file-unreadable", file=file, detail=detail)


def _open_sheet(
    workbook: Workbook, path: Path, file: str, sheet: str, options: OpenOptions
) -> Source | None:
    """The source for one sheet, or None for an empty sheet with an unrecognised name."""
    display = f"{file}#{sheet}"
    named_type = record_type_from_name(sheet)
    record_type = resolve_record_type(named_type, options)
    with quiet_openpyxl():
        rows = workbook[sheet].iter_rows(values_only=True)
        header = next(rows, ())
        has_data = any(_texts(row, len(row)) for row in rows)
    names = [cell_text(value) or "" for value in header]
    while names and not names[-1]:
        names.pop()
    if not names and not has_data and named_type is None:
        return None  # Excel's spare "Sheet2": nothing to validate, nothing to say.

    source = new_source(
        display, record_type, FORMAT, names, options, standard_version=options.standard_version
    )
    if record_type is None:
        detail = unknown_name_detail(sheet, "sheet")
        source.findings.append(finding("record-type-unknown", file=display, detail=detail))
        return source
    unsupported = version_finding(options.standard_version, display)
    if unsupported is not None:
        source.findings.append(unsupported)
        return source
    if not has_data:
        source.findings.append(
            no_records(display, record_type, "only a header row")
            if names
            else finding("file-empty", file=display, detail=" (the sheet is empty)")
        )
        return source
    source.batches = _sheet_batches(source, path, sheet, options.batch_rows)
    return source


def _texts(row: tuple[Any, ...], width: int) -> list[str | None] | None:
    """The row's cells as text, or None when every cell is empty."""
    texts = [cell_text(value) for value in row[:width]]
    return texts if any(text is not None for text in texts) else None


def _sheet_batches(
    source: Source, path: Path, sheet: str, batch_rows: int
) -> Iterator[SourceBatch]:
    """Stream a sheet's data rows, noting formula cells on ``source`` as they are met."""
    width = len(source.original_columns)
    batcher = RowBatcher(source.columns, batch_rows)
    blanks = BlankRows()
    try:
        values_book = load_workbook(path, data_only=True)
        formula_book = load_workbook(path, data_only=False)
    except Exception as exc:  # the file changed or broke since it was opened
        add_finding(source, _unreadable(source.file, f"{type(exc).__name__}: {exc}"))
        return
    try:
        # Same sheet, same rows: cached values from one pass, formulas from the other.
        pairs = zip_longest(
            values_book[sheet].iter_rows(min_row=2, values_only=True),
            formula_book[sheet].iter_rows(min_row=2),
            fillvalue=(),
        )
        row_number = 1
        while True:
            try:
                with quiet_openpyxl():
                    chunk = [pair for _, pair in zip(range(_CHUNK_ROWS), pairs, strict=False)]
            except Exception as exc:
                add_finding(source, _unreadable(source.file, f"{type(exc).__name__}: {exc}"))
                break
            if not chunk:
                break
            for values, cells in chunk:
                row_number += 1
                texts = _texts(values, width)
                if texts is None:
                    blanks.blank((row_number,))
                    continue
                blanks.data()
                _note_formulas(source, cells, row_number)
                yield from batcher.add(row_number, texts)
        yield from batcher.flush()
        found = blanks.finding(source.file)
        if found is not None:
            add_finding(source, found)
    finally:
        values_book.close()
        formula_book.close()


def _note_formulas(source: Source, cells: tuple[Any, ...], row: int) -> None:
    for index, cell in enumerate(cells[: len(source.original_columns)]):
        if getattr(cell, "data_type", None) == "f":
            formula = getattr(cell.value, "text", cell.value)  # array formulas wrap the text
            add_finding(
                source,
                finding(
                    "formula-in-cell",
                    file=source.file,
                    row=row,
                    column=source.original_columns[index],
                    value=formula,
                ),
            )
