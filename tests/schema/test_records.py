from __future__ import annotations

import pytest
from pydantic import ValidationError

from peerbench.schema.records import (
    RECORD_TYPES,
    Engagement,
    Feedback,
    OutcomeMeasurement,
    Participant,
)
from tests.factories import example_record


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_declared_examples_form_a_valid_record(record_type: str) -> None:
    model = RECORD_TYPES[record_type]
    model.model_validate(example_record(record_type))
    minimal = example_record(record_type, required_only=True)
    if record_type == "engagement":
        # Without end_date an episode is ongoing (the end-date-vs-reason rule).
        minimal["end_reason"] = "ongoing"
    if record_type == "referral":
        # Without first_contact_date support cannot have started (the required-when rule).
        minimal["uptake"] = "waiting"
    model.model_validate(minimal)


def _error_types(exc: ValidationError) -> list[str]:
    return [str(e["type"]) for e in exc.errors()]


def test_engagement_rules_report_their_codes() -> None:
    base = example_record("engagement")
    with pytest.raises(ValidationError) as exc:
        Engagement.model_validate({**base, "end_date": "2024-12-31"})
    assert _error_types(exc.value) == ["date-order"]
    with pytest.raises(ValidationError) as exc:
        Engagement.model_validate({**base, "end_date": None})
    assert _error_types(exc.value) == ["end-date-vs-reason"]
    with pytest.raises(ValidationError) as exc:
        Engagement.model_validate({**base, "sessions_attended": 13})
    assert _error_types(exc.value) == ["sessions-exceed-offered"]
    ongoing = {**base, "end_date": None, "end_reason": "ongoing"}
    assert Engagement.model_validate(ongoing).end_date is None


def test_other_timepoint_needs_days_since_start() -> None:
    base = {**example_record("outcome"), "timepoint": "other"}
    base.pop("days_since_start")
    with pytest.raises(ValidationError) as exc:
        OutcomeMeasurement.model_validate(base)
    assert _error_types(exc.value) == ["required-when"]
    OutcomeMeasurement.model_validate({**base, "days_since_start": 45})


def test_quotes_need_consent() -> None:
    base = example_record("feedback")
    with pytest.raises(ValidationError) as exc:
        Feedback.model_validate({**base, "consent_to_quote": False})
    assert _error_types(exc.value) == ["quote-without-consent"]


def test_participant_key_must_be_a_pseudonym_not_a_raw_id() -> None:
    base = example_record("participant")
    with pytest.raises(ValidationError):
        Participant.model_validate({**base, "participant_key": "943 476 5919"})


def test_unknown_fields_and_codes_are_rejected() -> None:
    base = example_record("participant")
    with pytest.raises(ValidationError):
        Participant.model_validate({**base, "name": "Jane"})
    with pytest.raises(ValidationError):
        Participant.model_validate({**base, "sex": "F"})


def test_every_record_type_has_a_distinct_file_stem_and_key_fields_exist() -> None:
    stems = [m.file_stem for m in RECORD_TYPES.values()]
    assert len(set(stems)) == len(stems)
    for model in RECORD_TYPES.values():
        assert set(model.primary_key) <= set(model.model_fields)
        for rule in model.rules:
            assert {rule.field, rule.other} <= set(model.model_fields)
