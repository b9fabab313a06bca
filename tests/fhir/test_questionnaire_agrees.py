"""A response filled in from a Questionnaire peerbench wrote is one peerbench reads back.

The Questionnaire (what a form-filler sees) and the importer (what peerbench accepts)
are written separately; this checks them against each other for every instrument, at
the lowest and the highest answer each item allows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from peerbench.fhir import naming
from peerbench.fhir.importer import ImportOptions, import_resources
from peerbench.fhir.questionnaire import questionnaire
from peerbench.fhir.reading import Resources
from peerbench.schema.instruments import default_registry

KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"


def _answer(item: dict[str, Any], end: int) -> dict[str, Any]:
    if item["type"] == "choice":
        return {"valueCoding": item["answerOption"][end]["valueCoding"]}
    bound = {e["url"]: e for e in item["extension"]}
    url = naming.MIN_VALUE_EXTENSION if end == 0 else naming.MAX_VALUE_EXTENSION
    kind = "valueInteger" if item["type"] == "integer" else "valueDecimal"
    return {kind: bound[url][kind]}


def _filled(form: dict[str, Any], end: int) -> dict[str, Any]:
    items = []
    for item in form["item"]:
        if item["linkId"] == naming.TOTAL_SCORE:
            continue
        items.append({"linkId": item["linkId"], "answer": [_answer(item, end)]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"r{end}",
        "extension": [
            {"url": naming.SERVICE_EXTENSION, "valueString": "svc-1"},
            {"url": naming.TIMEPOINT_EXTENSION, "valueCode": "baseline"},
        ],
        "questionnaire": f"{form['url']}|{form['version']}",
        "status": "completed",
        "subject": {"identifier": {"system": naming.PARTICIPANT_KEY_SYSTEM, "value": KEY}},
        "authored": "2025-03-01",
        "item": items,
    }


@pytest.mark.parametrize("code", default_registry().codes())
def test_lowest_and_highest_answers_of_the_questionnaire_are_read(code: str) -> None:
    registry = default_registry()
    definition = registry.get(code)
    form = questionnaire(definition)
    resources = Resources(
        "entry", items=[(1, None, _filled(form, 0)), (2, None, _filled(form, -1))]
    )
    result = import_resources(resources, registry, ImportOptions(today=dt.date(2026, 1, 1)))
    assert result.valid, result.findings
    low, high = result.records
    assert low["items"] == [item.min for item in definition.items()]
    assert high["items"] == [item.max for item in definition.items()]
    assert low["instrument_version"] == definition.version
