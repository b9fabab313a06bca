"""Single-record checks of a batch: formula-like free text is a warning, kept as sent."""

from __future__ import annotations

import datetime as dt

import pytest

from peerbench.validators.catalogue import Severity, entry
from peerbench.validators.record_engine import validate_records
from tests.factories import example_record
from tests.validators.columnar.tables import TODAY, run, text_table, valid_row


@pytest.mark.parametrize(
    ("text", "starts"),
    [("=HYPERLINK(\"http://e.vil\",\"x\")", "'='"), ("+1 good", "'+'"),
     ("-felt better", "'-'"), ("@everyone thanks", "'@'"), ("\t=1+1", "'='")],
)  # fmt: skip
def test_formula_like_free_text_is_a_warning(text: str, starts: str) -> None:
    rows = [
        valid_row("feedback", free_text=text),
        valid_row("feedback", feedback_id="f2", free_text="Felt = others, 1+1"),
    ]
    report = run(text_table(rows), "feedback")
    assert report.valid  # a warning: the file is accepted
    assert report.flatten() == [(2, "free_text", "formula-like-text")]
    [finding] = report.findings
    assert finding.severity is Severity.WARNING
    assert finding.value == text.strip()
    assert finding.message.startswith(f"free_text starts with {starts}, so a spreadsheet")


def test_service_names_are_free_text_too() -> None:
    report = run(text_table([valid_row("service", name="=cmd|' /C calc'!A0")]), "service")
    assert report.flatten() == [(2, "name", "formula-like-text")]


def test_json_records_get_the_same_warning() -> None:
    record = example_record("feedback")
    record.update(free_text="=1+2", consent_to_quote=True)
    record = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in record.items()}
    found = validate_records("feedback", [record], file="feedback.json", today=TODAY)
    assert [(f.row, f.column, f.code) for f in found] == [(2, "free_text", "formula-like-text")]


def test_catalogue_entry() -> None:
    described = entry("formula-like-text")
    assert described.severity is Severity.WARNING and "formula" in described.title
