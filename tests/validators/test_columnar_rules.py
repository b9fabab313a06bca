"""Cross-field rules evaluated over columns: one table per Rule class."""

from __future__ import annotations

import pytest

from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.columnar.rules import EVALUATORS
from tests.validators.columnar.tables import flat, valid_row


def test_every_declared_rule_has_an_evaluator() -> None:
    for model in RECORD_TYPES.values():
        for rule in model.rules:
            assert type(rule) in EVALUATORS


def test_not_before() -> None:
    rows = [valid_row("engagement", start_date="2025-02-01", end_date="2025-01-31")]
    assert flat(rows, "engagement") == [(2, "end_date", "date-order")]


@pytest.mark.parametrize(("end_date", "end_reason"), [("", "completed"), ("2025-03-01", "ongoing")])
def test_empty_exactly_when(end_date: str, end_reason: str) -> None:
    rows = [valid_row("engagement", end_date=end_date, end_reason=end_reason)]
    assert flat(rows, "engagement") == [(2, "end_date", "end-date-vs-reason")]


def test_empty_exactly_when_ongoing_without_end_date_is_fine() -> None:
    assert flat([valid_row("engagement", end_date="", end_reason="Ongoing")], "engagement") == []


def test_not_greater() -> None:
    rows = [valid_row("engagement", sessions_attended="13", sessions_offered="12")]
    assert flat(rows, "engagement") == [(2, "sessions_attended", "sessions-exceed-offered")]


def test_required_when() -> None:
    rows = [valid_row("outcome", timepoint="other", days_since_start="")]
    assert flat(rows, "outcome") == [(2, "days_since_start", "required-when")]


def test_only_with_true() -> None:
    rows = [valid_row("feedback", consent_to_quote="no")]
    assert flat(rows, "feedback") == [(2, "free_text", "quote-without-consent")]


def test_rule_is_not_judged_on_a_bad_cell() -> None:
    rows = [
        valid_row("engagement", start_date="2025-02-01", end_date="2025-01-32"),
        valid_row("engagement", start_date="2025-03-01", end_reason="finishd", end_date=""),
    ]
    assert flat(rows, "engagement") == [
        (2, "end_date", "date-invalid"),
        (3, "end_reason", "code-invalid"),
    ]
