"""The Excel template is generated from the models, has drop-downs and is reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.template import (
    DICTIONARY_HEADERS,
    max_item_count,
    template_columns,
    write_workbook,
)
from peerbench.template.instructions import instruction_lines
from peerbench.template.workbook import CODELIST_SHEET, DICTIONARY_SHEET, INSTRUCTIONS_SHEET
from peerbench.validators import validate
from tests.validators.columnar.tables import TODAY, valid_row


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_workbook(path)
    return path


def _expected_headers(record_type: str) -> list[str]:
    headers = []
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.name == "items":
            headers += [f"item_{n}" for n in range(1, max_item_count() + 1)]
        else:
            headers.append(spec.name)
    return headers


def _sheet(path: Path, name: str) -> Worksheet:
    return load_workbook(path)[name]


def test_sheets_in_order(workbook_path: Path) -> None:
    workbook = load_workbook(workbook_path)
    stems = [model.file_stem for model in RECORD_TYPES.values()]
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET, *stems, DICTIONARY_SHEET, CODELIST_SHEET]
    assert workbook[CODELIST_SHEET].sheet_state == "hidden"


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_headers_match_field_specs(workbook_path: Path, record_type: str) -> None:
    sheet = _sheet(workbook_path, RECORD_TYPES[record_type].file_stem)
    headers = [cell.value for cell in sheet[1]]
    assert headers == _expected_headers(record_type)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert all(cell.comment is not None and cell.comment.text for cell in sheet[1])


def test_outcome_items_flattened_to_registry_maximum(workbook_path: Path) -> None:
    headers = [cell.value for cell in _sheet(workbook_path, "outcomes")[1]]
    assert "items" not in headers
    assert max_item_count() == 14  # WEMWBS is the longest built-in instrument
    assert headers.count("item_14") == 1 and "item_15" not in headers


def test_themes_is_one_column(workbook_path: Path) -> None:
    headers = [cell.value for cell in _sheet(workbook_path, "feedback")[1]]
    assert headers.count("themes") == 1


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_code_list_and_boolean_columns_have_drop_downs(
    workbook_path: Path, record_type: str
) -> None:
    model = RECORD_TYPES[record_type]
    workbook = load_workbook(workbook_path)
    sheet = workbook[model.file_stem]
    codes_sheet = workbook[CODELIST_SHEET]
    validations = sheet.data_validations.dataValidation
    for index, column in enumerate(template_columns(model), start=1):
        cell = sheet.cell(row=2, column=index).coordinate
        last = sheet.cell(row=5000, column=index).coordinate
        covering = [v for v in validations if cell in v.sqref and last in v.sqref]
        spec = column.spec
        if spec.codelist is not None:
            assert len(covering) == 1, column.header
            (validation,) = covering
            assert validation.type == "list"
            # The range on the hidden sheet holds exactly the list's codes.
            target = validation.formula1.split("!")[1].replace("$", "")
            listed = [c.value for row in codes_sheet[target] for c in row]
            assert listed == spec.codelist.codes()
        elif spec.kind == "boolean":
            assert [v.formula1 for v in covering] == ['"true,false"'], column.header
        else:
            assert covering == [], column.header


def test_data_dictionary_has_one_row_per_field(workbook_path: Path) -> None:
    sheet = _sheet(workbook_path, DICTIONARY_SHEET)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == DICTIONARY_HEADERS
    assert len(rows) - 1 == sum(len(field_specs(m)) for m in RECORD_TYPES.values())
    fields = {(r[0], r[1]) for r in rows[1:]}
    assert ("participant", "participant_key") in fields
    assert ("outcome", "item_1 … item_14") in fields
    by_field = {(r[0], r[1]): r for r in rows[1:]}
    age = by_field[("participant", "age_band")]
    assert age[2] == "required" and age[3] == "core" and age[5] == "age_band"


def test_instructions_warn_about_identifiers(workbook_path: Path) -> None:
    text = " ".join(
        str(v)
        for row in _sheet(workbook_path, INSTRUCTIONS_SHEET).iter_rows(values_only=True)
        for v in row
        if v
    )
    assert "peerbench validate" in text
    assert "peerbench pseudonymise" in text
    assert "NHS numbers" in text and "email" in text


def test_output_is_byte_identical(tmp_path: Path, workbook_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    write_workbook(again)
    assert again.read_bytes() == workbook_path.read_bytes()


def test_a_template_with_only_the_sheets_collected_is_valid(
    tmp_path: Path, workbook_path: Path
) -> None:
    # "Fill only the ones you collect": four of the seven sheets filled, the other three
    # left with their header row, is valid, with a note per record type left empty.
    filled = ("organisation", "service", "participant", "outcome")
    book = load_workbook(workbook_path)
    for record_type in filled:
        sheet = book[RECORD_TYPES[record_type].file_stem]
        headers = [cell.value for cell in sheet[1]]
        row = valid_row(record_type)
        sheet.append([row.get(str(header)) for header in headers])
    path = tmp_path / "four-of-seven.xlsx"
    book.save(path)
    report = validate([path], today=TODAY)
    assert report.valid, report.flatten()
    empty = sorted(set(RECORD_TYPES) - set(filled))
    assert report.flatten() == [(None, None, "record-type-empty")] * len(empty)
    assert (report.errors, report.warnings, report.notes) == (0, 0, len(empty))
    assert sorted(s.record_type or "" for s in report.files if s.notes) == empty
    assert "Fill only the ones you collect" in " ".join(instruction_lines())
