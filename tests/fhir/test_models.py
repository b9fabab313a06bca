"""The FHIR model check says what is wrong, by element path."""

from __future__ import annotations

from typing import Any

from peerbench.fhir.models import validation_errors


def test_a_valid_response_has_no_errors() -> None:
    resource = {"resourceType": "QuestionnaireResponse", "status": "completed"}
    assert validation_errors(resource) == []


def test_missing_required_elements_and_wrong_types_are_named_by_path() -> None:
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "authored": "13/01/2025",
        "item": [{"answer": [{"valueInteger": 1}]}],
    }
    errors = validation_errors(resource)
    assert any(e.startswith("item[0].linkId:") for e in errors), errors
    extra: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "status": "done", "foo": 1}
    assert validation_errors(extra) == ["foo: Extra inputs are not permitted"]


def test_an_unexpected_resource_type_is_an_error() -> None:
    assert validation_errors({"resourceType": "Patient"})[0].startswith("resourceType:")
