"""Reading QuestionnaireResponses: each problem is a catalogued finding, located."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from peerbench.fhir.findings import FhirFinding
from peerbench.fhir.importer import ImportOptions, ImportResult, import_file, import_resources
from peerbench.fhir.reading import parse_text
from peerbench.fhir.responses import response
from peerbench.schema.instruments import default_registry
from peerbench.validators.catalogue import CATALOGUE

KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
TODAY = dt.date(2026, 9, 30)
RECORD: dict[str, Any] = {
    "record_id": "m-1",
    "participant_key": KEY,
    "service_id": "svc-1",
    "instrument": "GAD7",
    "timepoint": "baseline",
    "date_administered": "2025-01-13",
    "items": [1, 2, 3, 0, 1, 1, 1],
}


def _qr(**changes: Any) -> dict[str, Any]:
    resource = copy.deepcopy(response(RECORD, default_registry()))
    resource["id"] = "qr-1"
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


def _import(*resources: dict[str, Any], **options: Any) -> ImportResult:
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    return import_resources(
        parse_text(json.dumps(document)),
        default_registry(),
        ImportOptions(today=TODAY, **options),
    )


def _only(result: ImportResult) -> FhirFinding:
    assert len(result.findings) == 1, result.findings
    assert result.findings[0].code in CATALOGUE
    return result.findings[0]


def test_unknown_questionnaire() -> None:
    found = _only(_import(_qr(questionnaire="http://example.org/Questionnaire/phq")))
    assert found.code == "fhir-questionnaire-unknown"
    assert (found.index, found.resource_id) == (1, "qr-1")
    assert "http://example.org/Questionnaire/phq" in found.message
    assert "PHQ9" in found.message  # the known codes are listed


def test_unknown_link_id() -> None:
    resource = _qr()
    resource["item"].append({"linkId": "item_8", "answer": [{"valueInteger": 1}]})
    found = _only(_import(_qr(), resource))
    assert found.code == "fhir-linkid-unknown"
    assert (found.index, found.link_id) == (2, "item_8")
    assert found.location() == "entry 2 (id qr-1), linkId item_8"


def test_answer_outside_the_options() -> None:
    resource = _qr()
    resource["item"][2]["answer"][0]["valueCoding"]["code"] = "7"
    found = _only(_import(resource))
    assert found.code == "fhir-answer-invalid"
    assert (found.link_id, found.value) == ("item_3", "7")
    assert "0 Not at all" in found.message


def test_integer_answer_out_of_range_and_wrong_answer_type() -> None:
    ons4 = response({**RECORD, "instrument": "ONS4", "items": [7, 8, 6, 3]}, default_registry())
    ons4["item"][1]["answer"] = [{"valueInteger": 11}]
    ons4["item"][2]["answer"] = [{"valueString": "six"}]
    result = _import(ons4)
    assert [(f.code, f.link_id) for f in result.findings] == [
        ("fhir-answer-invalid", "item_2"),
        ("fhir-answer-invalid", "item_3"),
    ]
    assert "from 0 to 10" in result.findings[0].message


def test_missing_subject_and_date() -> None:
    result = _import(_qr(subject=None, authored=None))
    assert [f.code for f in result.findings] == ["fhir-subject-missing", "fhir-date-missing"]
    assert not result.valid
    assert result.records == []


def test_a_partial_date_is_not_a_completion_date() -> None:
    found = _only(_import(_qr(authored="2025-01")))
    assert found.code == "fhir-date-missing"
    assert "'2025-01' is not a full date" in found.message


def test_a_subject_that_is_not_a_pseudonymous_key_is_refused() -> None:
    subject = {"identifier": {"system": "urn:peerbench:participant-key", "value": "9434765919"}}
    found = _only(_import(_qr(subject=subject)))
    assert (found.code, found.value) == ("fhir-subject-invalid", "9434765919")


def test_the_key_is_read_from_a_bundled_patient_by_declared_system_never_a_name() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Smith", "given": ["Jo"]}],
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
            {"system": "urn:example:pseudonym", "value": KEY},
        ],
    }
    resource = _qr(subject={"reference": "Patient/p1"})
    result = _import(patient, resource, subject_system="urn:example:pseudonym")
    assert result.valid, result.findings
    assert result.records[0]["participant_key"] == KEY
    assert "Smith" not in json.dumps(result.records)
    # Under the default system the NHS number or name is never taken instead.
    assert _only(_import(patient, resource)).code == "fhir-subject-missing"


def test_fields_without_an_extension_come_from_defaults_or_are_reported() -> None:
    bare = _qr(extension=None, identifier=None)
    result = _import(bare)
    assert [(f.code, f.message) for f in result.findings] == [
        ("fhir-field-missing", f.message) for f in result.findings
    ]
    assert [f.message.split(" (")[0] for f in result.findings] == [
        "The response gives no service",
        "The response gives no timepoint",
    ]
    result = _import(bare, service_id="svc-9", timepoint="end")
    assert result.valid, result.findings
    assert result.records[0]["record_id"] == "qr-1"  # the resource id when no identifier
    assert (result.records[0]["service_id"], result.records[0]["timepoint"]) == ("svc-9", "end")


def test_responses_that_are_not_completed_are_skipped_with_a_warning() -> None:
    result = _import(_qr(status="in-progress"), _qr())
    found = result.findings[0]
    assert (found.code, found.severity.value, found.index) == (
        "fhir-response-skipped",
        "warning",
        1,
    )
    assert result.valid
    assert len(result.records) == 1


def test_a_resource_the_fhir_model_rejects() -> None:
    found = _only(_import(_qr(authored="13/01/2025")))
    assert found.code == "fhir-resource-invalid"
    assert "authored" in found.message


def test_the_standards_own_record_checks_run_on_the_records() -> None:
    found = _only(_import(_qr(authored="2027-01-01")))
    assert found.code == "date-in-future"
    assert (found.index, found.resource_id, found.link_id) == (1, "qr-1", "date_administered")


def test_ndjson_lines_are_located_by_line(tmp_path: Path) -> None:
    path = tmp_path / "responses.ndjson"
    bad = _qr(questionnaire="urn:peerbench:questionnaire:NOPE")
    path.write_text("\n".join([json.dumps(_qr()), "{not json", json.dumps(bad)]) + "\n")
    result = import_file(path, default_registry(), ImportOptions(today=TODAY))
    assert [(f.code, f.index) for f in result.findings] == [
        ("fhir-resource-invalid", 2),
        ("fhir-questionnaire-unknown", 3),
    ]
    assert result.findings[0].location(result.unit) == "line 2"


def test_a_file_that_is_not_fhir(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("hello, world\n")
    result = import_file(path, default_registry())
    assert [f.code for f in result.findings] == ["fhir-input-invalid"]
    path.write_text('{"a": 1}')
    assert import_file(path, default_registry()).findings[0].code == "fhir-input-invalid"


def test_a_file_without_responses_is_refused() -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    found = _only(_import(patient))
    assert found.code == "fhir-input-invalid"
    assert "no QuestionnaireResponse" in found.message


def test_a_response_without_an_id_is_named_by_its_record_id() -> None:
    found = _only(_import(_qr(id=None, subject=None)))
    assert found.location() == "entry 1 (id m-1)"
