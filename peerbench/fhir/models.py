"""Checking resources against the FHIR models of ``fhir.resources``.

``fhir.resources`` 8 ships FHIR R5 at its top level and R4B (4.3.0) as a subpackage; it
has no separate R4 (4.0.1) package. For the three resources peerbench uses, R4B differs
from R4 only in the version of a few value-set bindings (the ``questionnaire.diff`` and
``questionnaireresponse.diff`` of R4B), so a resource that passes the R4B model is a
valid R4 resource, and that is the model used here.
"""

from __future__ import annotations

from typing import Any

RESOURCE_TYPES = ("Questionnaire", "QuestionnaireResponse", "Bundle")
"""The resource types peerbench reads or writes."""


def _model(resource_type: str) -> Any:
    """The ``fhir.resources`` R4B class of ``resource_type`` (imported on first use)."""
    if resource_type == "Questionnaire":
        from fhir.resources.R4B.questionnaire import Questionnaire

        return Questionnaire
    if resource_type == "QuestionnaireResponse":
        from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

        return QuestionnaireResponse
    if resource_type == "Bundle":
        from fhir.resources.R4B.bundle import Bundle

        return Bundle
    raise ValueError(f"peerbench reads no FHIR {resource_type!r} resources")


def validation_errors(resource: dict[str, Any]) -> list[str]:
    """What the FHIR model says is wrong with ``resource``; empty when it is valid.

    Each problem reads ``path: message`` (``item[0].linkId: Value for the field 'linkId'
    is required.``).
    """
    from pydantic import ValidationError

    resource_type = resource.get("resourceType")
    if resource_type not in RESOURCE_TYPES:
        return [f"resourceType: expected one of {', '.join(RESOURCE_TYPES)}, got {resource_type!r}"]
    try:
        _model(str(resource_type)).model_validate(resource)
    except ValidationError as exc:
        return [f"{_path(error['loc'])}: {error['msg']}" for error in exc.errors()]
    return []


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(resource)"
