"""The mapping step as a form: built from a mapping, answered, and back to the same model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from peerbench.intake.mapping import MappingFile, load_mapping, parse_mapping
from peerbench.intake.mapping_answers import apply_form
from peerbench.intake.mapping_form import (
    DATE_OF_BIRTH,
    IDENTIFIER,
    LOCAL_ID,
    SKIP,
    WIDE,
    MappingForm,
    build_form,
    column_letter,
)
from peerbench.intake.prepare import prepare
from peerbench.intake.propose import read_sheets
from peerbench.intake.propose_model import SheetInput
from peerbench.intake.upload_check import propose
from peerbench.schema.instruments.registry import default_registry
from tests.fixtures.spreadsheets import build_corpus

CORPUS = build_corpus.HERE
MANIFEST: dict[str, Any] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
FILES = [str(case["file"]) for case in MANIFEST["files"]]
KEY = bytes.fromhex(MANIFEST["key_hex"])
TODAY = dt.date.fromisoformat(MANIFEST["today"])


def _answers(form: MappingForm, service: str = "svc-1") -> dict[str, str]:
    """What a coordinator sends who confirms every proposal (and names the service)."""
    answers = {"service_id": service, "date_format": form.date_format}
    for sheet in form.sheets:
        answers |= {row.name: row.value for row in sheet.columns}
        answers |= {row.name: row.value for row in sheet.values}
    return answers


def _without_skip(mapping: MappingFile) -> dict[str, Any]:
    data = mapping.model_dump(exclude={"source"})
    for sheet in data["sheets"].values():
        sheet.pop("skip")
    return data


def test_column_letters_are_excels() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


@pytest.mark.parametrize("name", FILES)
def test_the_coordinators_final_mapping_survives_the_form_unchanged(name: str) -> None:
    """Each corpus file's final mapping, shown as a form and confirmed as it is, is the
    same mapping (apart from headers the form now lists as deliberately skipped)."""
    path = CORPUS / name
    mapping = load_mapping(CORPUS / "mappings" / f"{name}.yaml")
    inputs, _ = read_sheets([path], list(default_registry()))
    form = build_form(mapping, inputs)
    confirmed, errors = apply_form(mapping, form, _answers(form, form.service_id or "svc-1"))
    assert errors == []
    assert confirmed is not None
    expected = _without_skip(mapping)
    if form.needs_service and not form.service_id:
        expected["constants"]["service_id"] = "svc-1"
    expected["version"] = 2
    assert _without_skip(confirmed) == expected


@pytest.mark.parametrize("name", ["riverside_walking_wemwbs.csv", "mindspace_dropin_wide.xlsx"])
def test_confirming_the_proposal_prepares_what_the_edited_yaml_prepares(
    name: str, tmp_path: Path
) -> None:
    """Files needing only the service id: the form's answer gives the same prepared data
    as the coordinator's one YAML edit."""
    path = CORPUS / name
    proposed = propose([path])
    form = build_form(proposed.mapping, proposed.inputs)
    assert form.needs_service and form.service_id == ""
    final = load_mapping(CORPUS / "mappings" / f"{name}.yaml")
    service = final.constants["service_id"]
    confirmed, errors = apply_form(proposed.mapping, form, _answers(form, service))
    assert errors == [] and confirmed is not None
    by_form = prepare([path], confirmed, KEY, tmp_path / "form", today=TODAY)
    by_yaml = prepare([path], final, KEY, tmp_path / "yaml", today=TODAY)
    assert by_form.valid and by_yaml.valid
    for mine, theirs in zip(by_form.files, by_yaml.files, strict=True):
        assert mine.path.read_bytes() == theirs.path.read_bytes()


def test_a_label_outside_the_code_list_must_be_chosen() -> None:
    path = CORPUS / "recovery_college_multi.xlsx"
    proposed = propose([path])
    form = build_form(proposed.mapping, proposed.inputs)
    rows = [row for sheet in form.sheets for row in sheet.values]
    assert [(r.field, r.label, r.value) for r in rows] == [("referral_source", "Probation", "")]
    answers = _answers(form)
    assert apply_form(proposed.mapping, form, answers)[1][0].field_id == rows[0].name
    answers[rows[0].name] = "not-a-code"
    assert "is not a code" in apply_form(proposed.mapping, form, answers)[1][0].text
    answers[rows[0].name] = "other"
    confirmed, errors = apply_form(proposed.mapping, form, answers)
    assert errors == [] and confirmed is not None
    block = confirmed.sheets["Participants"].blocks["participant"]
    assert block.values["referral_source"]["Probation"] == "other"


def test_roles_can_be_changed_and_are_checked() -> None:
    path = CORPUS / "recovery_college_multi.xlsx"
    proposed = propose([path])
    form = build_form(proposed.mapping, proposed.inputs)
    sheet = form.sheets[0]
    by_header = {row.header: row for row in sheet.columns}
    assert by_header["Participant ID"].value == LOCAL_ID
    assert by_header["Forename"].value == IDENTIFIER
    assert by_header["Sex"].value == "participants:sex"
    assert form.needs_key
    answers = _answers(form)
    answers[sheet.values[0].name] = "other"
    answers[by_header["Ethnicity"].name] = SKIP  # not collected after all
    answers[by_header["Forename"].name] = "participants:sex"  # a slip: sex twice
    confirmed, errors = apply_form(proposed.mapping, form, answers)
    assert confirmed is None
    assert [e.field_id for e in errors] == [by_header["Sex"].name]
    answers[by_header["Forename"].name] = IDENTIFIER
    answers[by_header["Surname"].name] = LOCAL_ID  # two ids
    assert apply_form(proposed.mapping, form, answers)[1][0].field_id == by_header["Surname"].name
    answers[by_header["Surname"].name] = IDENTIFIER
    confirmed, errors = apply_form(proposed.mapping, form, answers)
    assert errors == [] and confirmed is not None
    mapped = confirmed.sheets["Participants"]
    assert "Ethnicity" in mapped.skip
    assert "Ethnicity" not in mapped.blocks["participant"].columns
    answers[by_header["Forename"].name] = "nonsense"
    assert "Choose what 'Forename' holds" in apply_form(proposed.mapping, form, answers)[1][0].text


@pytest.mark.parametrize(
    ("service", "problem"),
    [("", "Enter your service"), ("my service!", "letters, digits")],
)
def test_the_service_id_is_required_and_checked(service: str, problem: str) -> None:
    proposed = propose([CORPUS / "riverside_walking_wemwbs.csv"])
    form = build_form(proposed.mapping, proposed.inputs)
    mapping, errors = apply_form(proposed.mapping, form, _answers(form, service))
    assert mapping is None
    assert [(e.field_id, problem in e.text) for e in errors] == [("service_id", True)]


def test_wide_layout_columns_are_shown_not_changed() -> None:
    proposed = propose([CORPUS / "mindspace_dropin_wide.xlsx"])
    form = build_form(proposed.mapping, proposed.inputs)
    rows = {row.header: row for sheet in form.sheets for row in sheet.columns}
    assert rows["Q1 start"].value == WIDE and rows["Q1 start"].fixed
    assert rows["DOB"].value == DATE_OF_BIRTH
    answers = _answers(form)
    answers[rows["Q1 start"].name] = SKIP  # ignored: fixed rows are not read back
    confirmed, errors = apply_form(proposed.mapping, form, answers)
    assert errors == [] and confirmed is not None
    assert confirmed.sheets == {
        key: sheet.model_copy(update={"skip": confirmed.sheets[key].skip})
        for key, sheet in proposed.mapping.model_copy(
            update={"constants": {"service_id": "svc-1"}}
        ).sheets.items()
    }


def test_labels_that_look_like_identifiers_are_never_offered() -> None:
    """A contact detail typed into a code-list column is not shown on the form (the
    check flags its row instead); plain labels are."""
    mapping = parse_mapping(
        {
            "version": 2,
            "sheets": {
                "people.csv": {
                    "id_column": "ID",
                    "participants": {"columns": {"Gender": "sex"}},
                }
            },
        },
        "test",
    )
    rows = [["1", "Woman"], ["2", "jo.bloggs@example.org"], ["3", "Blokey"], ["4", "07700 900123"]]
    sheet = SheetInput("people.csv", "people.csv", None, ["ID", "Gender"], rows)
    form = build_form(mapping, [sheet])
    assert [row.label for row in form.sheets[0].values] == ["Blokey"]
