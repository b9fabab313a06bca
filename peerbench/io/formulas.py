"""Spreadsheet formula injection: text a spreadsheet would run, found and neutralised.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return), other
than a plain number such as ``-3``, is taken as a formula when a CSV file is opened in
Excel, LibreOffice or Google Sheets, so free text such as feedback could run commands or
leak data on a researcher's machine (OWASP "CSV Injection"). peerbench keeps such text
exactly as submitted in Parquet and JSON, warns the submitter when it arrives
(``formula-like-text``), and every CSV or XLSX file peerbench writes goes through this
module:

* CSV: the cell is prefixed with a single quote (``'=1+2``), as OWASP advises, so it
  opens as text;
* XLSX: the cell is written as a text cell with Excel's "quote prefix" flag (what typing
  a leading ``'`` does), so it shows as typed and is never a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""
QUOTE = "'"
"""What a CSV cell that would be a formula is prefixed with."""
_PATTERN = "^[=+\\-@\t\r]"
_NUMBER = "^[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"
"""A plain signed number (``-3``, ``+1.5``): a spreadsheet reads it as a number, never a
formula, so it is left alone (quoting it would turn a number into text)."""
_NUMBER_RE = re.compile(_NUMBER)


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text that a spreadsheet would read as a formula.

    Text starting with one of :data:`FORMULA_PREFIXES`, except a plain signed number.
    """
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and _NUMBER_RE.match(value) is None
    )


def formula_mask(values: Any) -> Any:
    """Per cell of a string array, True where it is formula-like (False for nulls).

    Args:
        values: An Arrow string array or chunked array (dictionary-encoded allowed).

    Returns:
        A boolean Arrow array of the same length, without nulls.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        per_value = formula_mask(values.dictionary)
        return pc.fill_null(pc.take(per_value, values.indices), False)
    risky = pc.and_(
        pc.match_substring_regex(values, _PATTERN),
        pc.invert(pc.match_substring_regex(values, _NUMBER)),
    )
    return pc.fill_null(risky, False)


def neutralise(value: object) -> object:
    """``value`` with a single quote in front if it is formula-like text; else unchanged."""
    return QUOTE + value if isinstance(value, str) and is_formula_like(value) else value


def _neutralise_column(column: Any) -> Any:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return column
    mask = formula_mask(column)
    if not pc.any(mask).as_py():
        return column
    quoted = pc.binary_join_element_wise(pa.scalar(QUOTE, kind), column, pa.scalar("", kind))
    return pc.if_else(mask, quoted, column)


def neutralise_table(table: pa.Table) -> pa.Table:
    """``table`` with every formula-like text cell quoted (other columns unchanged).

    For tables about to be written as CSV; Parquet and JSON keep the raw values.
    """
    columns = [_neutralise_column(table.column(i)) for i in range(table.num_columns)]
    return pa.table(columns, names=table.column_names)


def write_csv(table: pa.Table, where: str | Path | io.IOBase) -> None:
    """Write ``table`` as CSV (Arrow's writer) with formula-like text neutralised."""
    pacsv.write_csv(neutralise_table(table), where)


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A small CSV text (``\\n`` line ends) of ``header`` and ``rows``, neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[Any]:
    """Cells for ``sheet.append``: formula-like text as quote-prefixed text cells.

    openpyxl stores any string starting with ``=`` as a formula; these cells hold the
    text exactly and Excel shows it as text.

    Args:
        sheet: The openpyxl worksheet the row is for (write-only or not).
        values: The row's values.
    """
    from openpyxl.cell import WriteOnlyCell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and is_formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row
