"""FHIR findings are validation findings placed in a resource; their JSON is unchanged."""

from __future__ import annotations

import json

from peerbench.fhir.findings import FhirFinding, finding
from peerbench.validators.catalogue import Severity, entry
from peerbench.validators.report import Finding, Report


def test_a_fhir_finding_is_a_finding_with_the_catalogue_hint() -> None:
    found = finding("fhir-linkid-unknown", index=2, resource_id="qr-1", link_id="item_8",
                    value="item_8", detail="GAD7")  # fmt: skip
    assert isinstance(found, Finding)
    assert found.hint == entry("fhir-linkid-unknown").hint
    assert (found.file, found.row, found.column) == (None, None, None)
    assert found.location() == "entry 2 (id qr-1), linkId item_8"
    assert found.location("line") == "line 2 (id qr-1), linkId item_8"
    assert finding("fhir-input-invalid", detail="x").location() == "file"


def test_the_json_form_keeps_its_keys_and_order() -> None:
    found = finding("fhir-resource-invalid", index=3, detail="entry has no resource")
    assert list(found.to_dict()) == [
        "code", "severity", "message", "hint", "index", "resource_id", "link_id", "value",
    ]  # fmt: skip
    assert found.to_dict() == {
        "code": "fhir-resource-invalid",
        "severity": entry("fhir-resource-invalid").severity.value,
        "message": found.message,
        "hint": entry("fhir-resource-invalid").hint,
        "index": 3,
        "resource_id": None,
        "link_id": None,
        "value": None,
    }
    json.dumps(found.to_dict())


def test_a_record_check_finding_is_placed_in_its_resource() -> None:
    report = Report()
    report.add("date-in-future", rows=[2], column="date_administered", values=["2027-01-01"])
    (checked,) = report.findings
    placed = FhirFinding.at(checked, index=5, resource_id="qr-9", link_id=checked.column)
    assert (placed.code, placed.severity, placed.message, placed.value) == (
        checked.code, checked.severity, checked.message, "2027-01-01",
    )  # fmt: skip
    assert placed.severity is Severity.ERROR
    assert placed.to_dict()["link_id"] == "date_administered" and placed.row is None
    assert placed.hint == checked.hint
