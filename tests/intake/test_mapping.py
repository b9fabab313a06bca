"""The mapping language (version 2), its version 1 form, and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench.intake.mapping import (
    ANY_SHEET,
    FROM_NAME,
    MappingFile,
    RecordBlock,
    load_mapping,
    parse_mapping,
)
from peerbench.validators.mapping import Mapping

FULL = """\
# peerbench mapping
version: 2
date_format: dd/mm/yyyy
constants:
  service_id: walk-and-talk
sheets:
  Clients:
    header_row: 3
    id_column: Client ID
    identifiers: [Name, Phone, Address]
    date_of_birth:
      column: DOB
      at: Date completed
    skip: [Notes]
    constants: {service_id: walk-and-talk}
    participants:
      columns: {Gender: sex, Age group: age_band, Consent: consent_research}
      values: {sex: {F: female, M: male}}
      constants: {consent_research: "yes"}
    engagements:
      columns:
        First session: start_date
        Last session: end_date
        Sessions attended: sessions_attended
      constants: {end_reason: completed}
    outcomes:
      instrument: WEMWBS
      columns:
        Date completed: date_administered
        Stage: timepoint
        Q1: item_1
        Q2: item_2
        Total: total_score
      values: {timepoint: {Start: baseline, "3 months": month_3}}
      answers: {"Not really": 2}
      timepoints:
        baseline:
          items: "Q{n} start"
          total: Start total
          date: Start date
        month_3:
          items: ["Q1 3m", "Q2 3m", "Q3 3m"]
          date: 3 month date
"""


def _load(tmp_path: Path, text: str) -> MappingFile:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ValueError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "mapping.yaml") + ": ")
    return message


def test_the_design_example_loads(tmp_path: Path) -> None:
    mapping = _load(tmp_path, FULL)
    assert mapping.version == 2
    assert mapping.date_format == "dd/mm/yyyy"
    sheet = mapping.sheet_for("clients ")
    assert sheet is not None
    assert sheet.header_row == 3
    assert sheet.id_column == "Client ID"
    assert sheet.identifiers == ["Name", "Phone", "Address"]
    assert sheet.date_of_birth is not None
    assert sheet.date_of_birth.column == "DOB"
    assert sheet.date_of_birth.fixed_date() is None
    assert sorted(sheet.blocks) == ["engagement", "outcome", "participant"]
    outcomes = sheet.blocks["outcome"]
    assert isinstance(outcomes, Mapping)  # one model, layered: a block is a validators' Mapping
    assert outcomes.record_type == "outcome"
    assert outcomes.instrument == "WEMWBS"
    assert outcomes.answers == {"Not really": 2}
    assert outcomes.rename("q1 ") == "item_1"
    assert outcomes.value_code("timepoint", " START") == "baseline"
    wide = outcomes.timepoints["baseline"]
    assert wide.item_headers(3) == ["Q1 start", "Q2 start", "Q3 start"]
    assert outcomes.timepoints["month_3"].item_headers(14) == ["Q1 3m", "Q2 3m", "Q3 3m"]
    participants = sheet.blocks["participant"]
    assert mapping.constants_for(sheet, participants) == {
        "service_id": "walk-and-talk",
        "consent_research": "yes",
    }
    assert mapping.constants_for(sheet, outcomes)["instrument"] == "WEMWBS"
    assert mapping.date_format_for(outcomes) == "dd/mm/yyyy"


def test_sheet_lookup_normalised_and_wildcard(tmp_path: Path) -> None:
    mapping = _load(
        tmp_path,
        "version: 2\nsheets:\n  clients.csv: {id_column: ID}\n  '*': {id_column: Ref}\n",
    )
    named, other = mapping.sheet_for("Clients.CSV"), mapping.sheet_for("Sheet1")
    assert named is not None and named.id_column == "ID"
    assert other is not None and other.id_column == "Ref"
    by_stem = _load(tmp_path, "version: 2\nsheets:\n  Clients: {id_column: ID}\n")
    assert by_stem.sheet_for("clients.csv") is by_stem.sheets["Clients"]  # a CSV by its stem
    assert by_stem.sheet_for("other.csv") is None


def test_fixed_assessment_date(tmp_path: Path) -> None:
    text = "version: 2\nsheets:\n  A:\n    date_of_birth: {column: DOB, at: 2026-09-30}\n"
    sheet = _load(tmp_path, text).sheet_for("A")
    assert sheet is not None and sheet.date_of_birth is not None
    assert str(sheet.date_of_birth.fixed_date()) == "2026-09-30"


def test_version_1_file_still_loads(tmp_path: Path) -> None:
    text = (
        "record_type: participants\ncolumns: {Client ID: participant_key, Gender: sex}\n"
        "values: {sex: {F: female}}\ndate_format: dd/mm/yyyy\n"
    )
    mapping = _load(tmp_path, text)
    assert mapping.version == 1
    assert mapping.date_format == "dd/mm/yyyy"
    sheet = mapping.sheet_for("anything")
    assert sheet is not None and list(mapping.sheets) == [ANY_SHEET]
    block = sheet.blocks["participant"]
    assert block.rename("client id") == "participant_key"
    assert block.value_code("sex", "f") == "female"


def test_version_1_without_record_type(tmp_path: Path) -> None:
    sheet = _load(tmp_path, "columns: {Gender: sex}\n").sheet_for("x")
    assert sheet is not None and list(sheet.blocks) == [FROM_NAME]
    assert sheet.blocks[FROM_NAME].record_type is None


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    mapping = _load(tmp_path, "# nothing yet\n")
    assert mapping.sheet_for("x") is not None  # version 1 form: one empty block


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 2\nsheets:\n  Clients:\n    outcomes:\n      colums: {a: b}\n",
            "sheets.Clients.outcomes.colums: unknown key; allowed here: columns, values",
        ),
        (
            "version: 2\nsheets:\n  Clients:\n    foo: 1\n",
            "sheets.Clients: unknown key 'foo'; a sheet may have: header_row, id_column",
        ),
        (
            "version: 2\nsheets:\n  Clients:\n    outcomes:\n      columns: {a: sex}\n",
            "sheets.Clients.outcomes: columns: 'a' maps to 'sex', which is not a field of outcome",
        ),
        (
            "version: 2\nsheets:\n  A:\n    outcomes:\n      timepoints: {baseline: {items: Q}}\n",
            "sheets.A.outcomes.timepoints.baseline.items: 'Q' has no {n}",
        ),
        (
            "version: 2\nsheets:\n  A:\n    outcomes:\n      timepoints: {start: {total: T}}\n",
            "timepoints: 'start' is not a timepoint; use one of baseline",
        ),
        ("version: 3\n", "version: version '3' is not known"),
        ("version: 2\ncolumns: {a: b}\n", "unknown key 'columns' at the top"),
        ("colums: {a: b}\n", "unknown key 'colums'; a version 1 mapping file may have"),
        (
            "version: 2\nsheets:\n  A:\n    date_of_birth: {col: x}\n",
            "sheets.A.date_of_birth.col: unknown key; allowed here: column, at",
        ),
        (
            "version: 2\nsheets:\n  A:\n    participants:\n      instrument: PHQ9\n",
            "sheets.A.participants: instrument: only outcomes have instrument",
        ),
        ("version: 2\nsheets:\n  A:\n    header_row: x\n", "sheets.A.header_row: "),
        ("version: 2\nsheets:\n  A:\n    header_row: 0\n", "sheets.A.header_row: "),
        (
            "version: 2\nsheets:\n  A:\n    participants:\n      record_type: outcomes\n",
            "record_type is given by the block's name",
        ),
        ("version: 2\nsheets:\n  A: [1]\n", "sheets.A: should be a set of 'key: value' entries"),
        ("version: 2\nsheets:\n  A: {}\n  ' a': {}\n", "are the same sheet"),
        ("version: 2\nconstants: {colour: red}\n", "constants: 'colour' is not a field"),
        (
            "version: 2\nsheets:\n  A:\n    participants:\n      constants: {instrument: X}\n",
            "constants: 'instrument' is not a field of participant",
        ),
        (
            "version: 2\nsheets:\n  A:\n    outcomes:\n      answers: {Often: 4, often: 3}\n",
            "answers: a word is listed twice",
        ),
        ("version: 2\nsheets:\n  A:\n    outcomes: {answers: {Often: lots}}\n", "answers.Often"),
        ("- a\n- b\n", "a mapping file must be a set of 'key: value' entries"),
        ("version: 2\nsheets: {A: {x: [}\n", "not valid YAML (line 2"),
    ],
)
def test_errors_name_the_file_and_place(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _error(tmp_path, text)


def test_block_can_be_built_in_code() -> None:
    block = RecordBlock(record_type="outcomes", columns={"Q1": "item_1"}, instrument="PHQ9")
    assert block.record_type == "outcome"
    mapping = parse_mapping({"version": 2, "sheets": {"S": {"outcomes": {"answers": {}}}}}, "x")
    assert mapping.source == "x"


def test_the_spec_example_loads(tmp_path: Path) -> None:
    spec = (Path(__file__).parents[2] / "SPEC.md").read_text(encoding="utf-8")
    section = spec.split("### 7.2 Mapping files", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    mapping = _load(tmp_path, example)
    sheet = mapping.sheet_for("Clients")
    assert sheet is not None
    assert sorted(sheet.blocks) == ["engagement", "outcome", "participant"]
    assert list(sheet.blocks["outcome"].timepoints) == ["baseline", "month_3"]
