"""The record engine: JSON Schema + model errors mapped to the columnar engine's codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import validate_records
from tests.factories import example_record

TODAY = dt.date(2026, 1, 1)


def flat(record_type: str, records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    found = validate_records(record_type, records, today=TODAY)
    return [(f.row, f.column, f.code) for f in found]


def outcome(**changes: Any) -> dict[str, Any]:
    record = {**example_record("outcome"), "total_score": 19.98}
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_examples_are_valid(record_type: str) -> None:
    record = example_record(record_type)
    if record_type == "outcome":
        record["total_score"] = 19.98
    assert flat(record_type, [record]) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"timepoint": "baseline-ish"}, ("timepoint", "code-invalid")),
        ({"service_id": None}, ("service_id", "required-missing")),
        ({"service_id": "  "}, ("service_id", "required-missing")),
        ({"participant_key": "ABC"}, ("participant_key", "pattern-invalid")),
        ({"days_since_start": 4000}, ("days_since_start", "out-of-range")),
        ({"days_since_start": "12"}, ("days_since_start", "type-invalid")),
        ({"date_administered": "2025-02-30"}, ("date_administered", "date-invalid")),
        ({"date_administered": "13/01/2025"}, ("date_administered", "date-invalid")),
        ({"date_administered": "2026-02-01"}, ("date_administered", "date-in-future")),
        ({"mode": "Self-complete online"}, ("mode", "code-invalid")),  # JSON takes codes only
        ({"items": [3, 4, 3, 2, 4, 3, 1001]}, ("item_7", "item-out-of-range")),
        ({"items": [3, 4, 3, 2, 4, 3, "x"]}, ("item_7", "type-invalid")),
        ({"items": [3, 4, 3, 2, 4, 3]}, ("items", "wrong-item-count")),
        ({"total_score": 22}, ("total_score", "total-mismatch")),
        ({"instrument": "NOPE"}, ("instrument", "instrument-unknown")),
        ({"timepoint": "other", "days_since_start": None}, ("days_since_start", "required-when")),
        ({"instrument_version": "v" * 21}, ("instrument_version", "out-of-range")),
    ],
)
def test_one_problem_one_finding(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert flat("outcome", [outcome(**changes)]) == [(2, *expected)]


def test_rules_from_the_model_use_their_own_code_and_column() -> None:
    engagement = {**example_record("engagement"), "end_date": "2025-01-01"}
    assert flat("engagement", [engagement]) == [(2, "end_date", "date-order")]
    found = validate_records("engagement", [engagement], today=TODAY)
    assert found[0].message == "end_date is before start_date."


def test_rule_not_judged_on_a_bad_cell() -> None:
    engagement = {**example_record("engagement"), "end_reason": "nope", "end_date": None}
    assert flat("engagement", [engagement]) == [(2, "end_reason", "code-invalid")]


def test_unknown_property_and_identifier() -> None:
    record = {**example_record("participant"), "email": "jo@example.org"}
    assert flat("participant", [record]) == [
        (None, "email", "column-unknown"),
        (None, "email", "identifier-column-contact"),
        (2, "email", "identifier-detected"),
    ]


def test_licensed_instrument_and_rows() -> None:
    pam = outcome(
        instrument="PAM13", items=None, total_score=None, licensed_score=50.0, licensed_level=3
    )
    missing = outcome(instrument="PAM13", items=None, total_score=None, record_id="m-2")
    assert flat("outcome", [pam, missing]) == [
        (2, "licensed_level", "pam-level-mismatch"),
        (3, "licensed_score", "licensed-score-missing"),
    ]
    found = validate_records("outcome", [pam], first_row=10, file="api")
    assert [(f.file, f.row) for f in found] == [("api", 10)]


def test_duplicates_within_a_payload() -> None:
    assert flat("outcome", [outcome(), outcome()]) == [(3, "record_id", "duplicate-key")]


def test_unknown_record_type() -> None:
    with pytest.raises(KeyError):
        validate_records("nope", [])


def test_pattern_findings_describe_the_form_as_the_columnar_engine_does() -> None:
    record = {**example_record("outcome"), "instrument": "wemwbs"}
    (finding,) = validate_records("outcome", [record], today=TODAY)
    assert finding.code == "pattern-invalid"
    assert finding.message.startswith(
        "instrument 'wemwbs' is not in the required form: a registry code in capitals"
    )
