"""Every instrument, built-in or local, as a FHIR R4 Questionnaire the FHIR model accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peerbench.fhir import naming
from peerbench.fhir.models import validation_errors
from peerbench.fhir.questionnaire import questionnaire, write_questionnaires
from peerbench.schema.instruments import default_registry, parse_definition

LOCAL = (Path(__file__).parents[1] / "fixtures" / "instruments" / "myscale.yaml").read_text(
    encoding="utf-8"
)
"""A local questionnaire, registered from a file as a charity would."""


def _items(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in resource["item"]}


@pytest.mark.parametrize("code", default_registry().codes())
def test_every_builtin_instrument_is_a_valid_questionnaire(code: str) -> None:
    definition = default_registry().get(code)
    resource = questionnaire(definition)
    assert validation_errors(resource) == []
    assert resource["url"] == f"urn:peerbench:questionnaire:{code}"
    assert resource["version"] == definition.version
    items = _items(resource)
    for number in range(1, definition.item_count + 1):
        assert f"item_{number}" in items
    licensed = definition.scoring.method.value == "licensed"
    assert ("licensed_score" in items) is licensed
    assert len(items) == definition.item_count + 1 + (2 if licensed else 0)


def test_loinc_codes_only_where_known() -> None:
    codes = {d.code: questionnaire(d).get("code") for d in default_registry()}
    assert codes.pop("PHQ9") == [
        {"system": "http://loinc.org", "code": "44249-1", "display": naming.LOINC_PANELS["PHQ9"][1]}
    ]
    assert codes.pop("GAD7")[0]["code"] == "69737-5"  # type: ignore[index]
    assert all(code is None for code in codes.values())


def test_answer_options_are_the_response_labels() -> None:
    phq9 = questionnaire(default_registry().get("PHQ9"))
    options = _items(phq9)["item_9"]["answerOption"]
    assert [(o["valueCoding"]["code"], o["valueCoding"]["display"]) for o in options] == [
        ("0", "Not at all"),
        ("1", "Several days"),
        ("2", "More than half the days"),
        ("3", "Nearly every day"),
    ]
    assert {o["valueCoding"]["system"] for o in options} == {"urn:peerbench:answers:PHQ9"}


def test_numeric_items_are_bounded_integers() -> None:
    eq5d = _items(questionnaire(default_registry().get("EQ5D5L")))
    vas = eq5d["item_6"]
    assert vas["type"] == "integer"
    assert vas["text"] == "health today (VAS)"
    assert [e["valueInteger"] for e in vas["extension"]] == [0, 100]
    assert [e["url"] for e in vas["extension"]] == [
        naming.MIN_VALUE_EXTENSION,
        naming.MAX_VALUE_EXTENSION,
    ]


def test_licensed_instrument_asks_for_the_licensed_score_and_level() -> None:
    pam = _items(questionnaire(default_registry().get("PAM13")))
    assert pam["licensed_score"]["type"] == "decimal"
    assert [e["valueDecimal"] for e in pam["licensed_score"]["extension"]] == [0.0, 100.0]
    assert [e["valueInteger"] for e in pam["licensed_level"]["extension"]] == [1, 4]


def test_a_local_instrument_exports_with_its_own_answer_words_and_no_code() -> None:
    definition = parse_definition(LOCAL, "myscale.yaml")
    resource = questionnaire(definition)
    assert validation_errors(resource) == []
    assert "code" not in resource
    first = _items(resource)["item_1"]
    assert first["type"] == "choice"
    assert [o["valueCoding"]["display"] for o in first["answerOption"]][-1] == "Completely"


def test_an_underscore_in_a_code_is_not_put_in_the_fhir_id() -> None:
    definition = parse_definition(LOCAL.replace("MYSCALE", "MY_SCALE"), "my_scale.yaml")
    resource = questionnaire(definition)
    assert resource["id"] == "MY-SCALE"
    assert resource["name"] == "MY_SCALE"


def test_write_questionnaires_writes_one_file_per_instrument(tmp_path: Path) -> None:
    registry = default_registry()
    paths = write_questionnaires([registry.get("GAD7"), registry.get("ONS4")], tmp_path / "q")
    assert [p.name for p in paths] == ["GAD7.questionnaire.json", "ONS4.questionnaire.json"]
    assert json.loads(paths[0].read_text(encoding="utf-8"))["title"] == registry.get("GAD7").name
