"""The Excel template: one sheet per record type, drop-downs, a data dictionary, instructions.

Everything is generated from the record models and code lists, so the template can
never disagree with the validator. The file is byte-for-byte reproducible: workbook
properties and zip timestamps are fixed, so a regenerated template only changes when
the standard does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from peerbench.io.atomic import atomic_path
from peerbench.io.formulas import xlsx_row
from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.schema.record_base import Record
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.template.columns import TemplateColumn, template_columns
from peerbench.template.dictionary import DICTIONARY_HEADERS, dictionary_rows
from peerbench.template.instructions import instruction_lines

INSTRUCTIONS_SHEET = "Instructions"
DICTIONARY_SHEET = "Data dictionary"
CODELIST_SHEET = "Code lists"
LAST_ROW = 1_048_576
"""Excel's last row: validations cover whole columns so pasted rows keep their drop-downs."""

FIXED_TIME = dt.datetime(2024, 1, 1)
"""Stands in for 'now' in workbook properties so two runs give identical bytes."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _style_header(sheet: Worksheet, headers: list[str] | tuple[str, ...]) -> None:
    sheet.append(xlsx_row(sheet, headers))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"


def _width(column: TemplateColumn) -> float:
    # Wide enough for the header and a typical value (keys are 32 characters).
    typical = {"date": 12, "boolean": 8, "code": 20, "codes": 30}.get(column.spec.kind, 14)
    if column.spec.pattern and "0-9a-f" in column.spec.pattern:
        typical = 34
    return float(min(max(len(column.header) + 3, typical), 50))


def _code_list_ranges(sheet: Worksheet) -> dict[type[CodeList], str]:
    """Write every code list as a column of the hidden sheet; return each list's range."""
    ranges: dict[type[CodeList], str] = {}
    for index, codelist in enumerate(ALL_CODELISTS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=codelist.codelist_name()).font = _BOLD
        codes = codelist.codes()
        for row, code in enumerate(codes, start=2):
            sheet.cell(row=row, column=index, value=code)
        sheet.column_dimensions[letter].width = 24
        # A range reference, not an inline list: inline lists are capped at 255 characters.
        ranges[codelist] = (
            f"{quote_sheetname(CODELIST_SHEET)}!${letter}$2:${letter}${len(codes) + 1}"
        )
    sheet.sheet_state = "hidden"
    return ranges


def _validation(column: TemplateColumn, ranges: dict[type[CodeList], str]) -> DataValidation | None:
    spec = column.spec
    if spec.codelist is not None:
        validation = DataValidation(type="list", formula1=ranges[spec.codelist], allow_blank=True)
        validation.promptTitle = column.header[:32]
        if spec.kind == "codes":
            # Several codes go in one cell ("connection;hope"), which a list cannot accept,
            # so the drop-down helps pick one code but never blocks a typed list.
            validation.showErrorMessage = False
            validation.prompt = "Pick a code, or type several separated by ';'."
        else:
            validation.showErrorMessage = True
            validation.errorTitle = "Not an allowed value"
            validation.error = "Choose a code from the drop-down list."
            validation.prompt = "Choose a code from the list."
        validation.showInputMessage = True
        return validation
    if spec.kind == "boolean":
        validation = DataValidation(type="list", formula1='"true,false"', allow_blank=True)
        validation.showErrorMessage = True
        validation.errorTitle = "true or false"
        validation.error = "Enter true or false."
        return validation
    return None


def _record_sheet(
    workbook: Workbook,
    model: type[Record],
    ranges: dict[type[CodeList], str],
    item_count: int | None,
) -> None:
    sheet = workbook.create_sheet(model.file_stem)
    columns = template_columns(model, item_count)
    _style_header(sheet, [c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.comment = Comment(column.note, "peerbench", width=320, height=160)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(column)
        if column.spec.kind in ("string", "code", "codes"):
            # Text format stops Excel turning ids like 00123 or 1e5 into numbers.
            dimension.number_format = "@"
        validation = _validation(column, ranges)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(validation)


def _instructions_sheet(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None  # a new Workbook always has one sheet
    sheet.title = INSTRUCTIONS_SHEET
    sheet.column_dimensions["A"].width = 110
    for line in instruction_lines():
        sheet.append(xlsx_row(sheet, [line]))
    sheet["A1"].font = Font(bold=True, size=14)
    for row in sheet.iter_rows(min_row=2):
        row[0].alignment = _WRAP
        if row[0].value and str(row[0].value).isupper():
            row[0].font = _BOLD


def _dictionary_sheet(workbook: Workbook, item_count: int | None) -> None:
    sheet = workbook.create_sheet(DICTIONARY_SHEET)
    _style_header(sheet, DICTIONARY_HEADERS)
    for row in dictionary_rows(item_count):
        sheet.append(xlsx_row(sheet, row))
    widths = (14, 26, 12, 10, 22, 20, 50, 70)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = _WRAP
    sheet.auto_filter.ref = sheet.dimensions


def build_workbook(item_count: int | None = None) -> Workbook:
    """Build the template workbook in memory.

    Args:
        item_count: How many ``item_N`` columns the outcomes sheet offers; defaults to the
            largest instrument in the registry.
    """
    workbook = Workbook()
    _instructions_sheet(workbook)
    # The code-list sheet is filled first so validations can point at it, then moved last.
    codes_sheet = workbook.create_sheet(CODELIST_SHEET)
    ranges = _code_list_ranges(codes_sheet)
    for model in RECORD_TYPES.values():
        _record_sheet(workbook, model, ranges, item_count)
    _dictionary_sheet(workbook, item_count)
    workbook.move_sheet(codes_sheet, offset=len(workbook.sheetnames) - 2)
    properties = workbook.properties
    properties.creator = "peerbench"
    properties.lastModifiedBy = "peerbench"
    properties.title = f"Peer Support Outcomes Standard {STANDARD_VERSION} template"
    properties.created = FIXED_TIME
    properties.modified = FIXED_TIME
    return workbook


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _reproducible(data: bytes) -> bytes:
    """Re-pack an xlsx with fixed entry times and a fixed 'modified' property."""
    fixed = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time here whatever the properties say.
                content = _MODIFIED.sub(rb"\g<1>" + fixed + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(item_count: int | None = None) -> bytes:
    """The template as xlsx bytes, identical on every run for the same standard version."""
    buffer = io.BytesIO()
    build_workbook(item_count).save(buffer)
    return _reproducible(buffer.getvalue())


def write_workbook(path: Path, item_count: int | None = None) -> None:
    """Write the template workbook to ``path`` atomically."""
    data = workbook_bytes(item_count)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
