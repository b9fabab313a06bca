"""Mapping files: loading, checking, renaming headers and looking up labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from peerbench.validators.mapping import Mapping

EXAMPLE = """\
# map local headers and labels to the standard's
record_type: participants        # optional
columns:                          # local header -> standard field
  Client ID: participant_key
  Gender: sex
  Consent: consent_research
values:                           # per standard field: local label -> code
  sex: {F: female, M: male}
  consent_research: {Yes: true, No: false}
date_format: dd/mm/yyyy           # optional hint: iso | dd/mm/yyyy
"""


def _load(tmp_path: Path, text: str) -> Mapping:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return Mapping.from_file(path)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    mapping = _load(tmp_path, EXAMPLE)
    assert mapping.record_type == "participant"
    assert mapping.date_format == "dd/mm/yyyy"
    assert mapping.rename("  client id ") == "participant_key"
    assert mapping.rename("GENDER") == "sex"
    assert mapping.rename(" age_band ") == "age_band"


def test_value_lookup_has_case_folded_keys(tmp_path: Path) -> None:
    mapping = _load(tmp_path, EXAMPLE)
    assert mapping.value_lookup("sex") == {"f": "female", "m": "male"}
    assert mapping.value_lookup("ethnicity") == {}


def test_yes_and_no_stay_labels_not_booleans(tmp_path: Path) -> None:
    mapping = _load(tmp_path, EXAMPLE)
    assert mapping.value_lookup("consent_research") == {"yes": "true", "no": "false"}


def test_item_columns_are_valid_targets_for_outcomes(tmp_path: Path) -> None:
    mapping = _load(tmp_path, "record_type: outcomes\ncolumns: {Q1: item_1, Q12: item_12}\n")
    assert mapping.rename("q12") == "item_12"


def test_an_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    mapping = _load(tmp_path, "# nothing yet\n")
    assert mapping.columns == {}
    assert mapping.applies_to("outcome")


def test_applies_to() -> None:
    assert Mapping(record_type="outcomes").applies_to("outcome")
    assert not Mapping(record_type="outcomes").applies_to("participant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("columns:\n  Gender: gendre\n", "maps to 'gendre'"),
        ("record_type: participants\ncolumns: {Gender: gendre}\n", "valid fields: participant_key"),
        ("record_type: participants\ncolumns: {Q1: item_1}\n", "not a field of participant"),
        ("record_type: outcomes\ncolumns: {Q1: item_0}\n", "item_1 … item_N"),
        ("record_type: clients\n", "unknown record type 'clients'; use one of: organisations"),
        ("columns: {Gender: sex, GENDER: sex}\n", "are the same header"),
        ("columns: {Gender: sex, Sex: sex}\n", "more than one header maps to 'sex'"),
        ("values: {gender: {F: female}}\n", "values: 'gender'"),
        ("values: {sex: {F: female, f: male}}\n", "lists a label twice"),
        ("date_format: mm/dd/yyyy\n", "date_format"),
        ("colums: {}\n", "colums: unknown key"),
        ("columns: [a, b]\n", "columns"),
        ("- a\n- b\n", "must be a set of 'key: value' entries"),
        ("columns:\n  Gender: sex\n bad: indent\n", "not valid YAML (line 3"),
    ],
)
def test_malformed_mappings_say_what_is_wrong(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=r"mapping\.yaml") as caught:
        _load(tmp_path, text)
    assert not isinstance(caught.value, ValidationError)
    assert expected in str(caught.value)


def test_a_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Mapping.from_file(tmp_path / "none.yaml")


def test_version_2_file_is_pointed_to_prepare(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("version: 2\nsheets: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="version 2 mapping file"):
        Mapping.from_file(path)
