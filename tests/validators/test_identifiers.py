"""Direct identifiers in free text and unexpected columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from peerbench.validators.identifiers import KINDS, detect, valid_nhs_numbers
from tests.validators.columnar.tables import flat, run, text_table, valid_row


def kind(text: str) -> str | None:
    found = int(detect(pa.array([text]))[0])
    return None if found < 0 else KINDS[found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("943 476 5919", "an NHS number"),
        ("NHS no 9434765919.", "an NHS number"),
        ("943-476-5919", "an NHS number"),
        ("943 476 5918", None),  # wrong check digit
        ("1234567890", None),  # check digit would be 10: never valid
        ("reach me at jo.bloggs+peer@example.co.uk", "an email address"),
        ("07700 900123", "a phone number"),
        ("call 07700900123 after 5", "a phone number"),
        ("+44 7700 900123", "a phone number"),
        ("+44 (0)113 496 0000", "a phone number"),
        ("0113 496 0000", "a phone number"),
        ("020 7946 0000", "a phone number"),
        ("lives near LS1 4AP", "a postcode"),
        ("SW1A 1AA", "a postcode"),
        ("M1 1AE", "a postcode"),
        ("group in LS1 on Tuesdays", None),  # outward code alone
        ("met at 10am, felt 5/10", None),
        ("2025-01-13", None),
        ("", None),
    ],
)
def test_detectors(text: str, expected: str | None) -> None:
    assert kind(text) == expected


def test_modulus_11_vectorised() -> None:
    digits = np.array([[9, 4, 3, 4, 7, 6, 5, 9, 1, 9], [9, 4, 3, 4, 7, 6, 5, 9, 1, 8]])
    assert valid_nhs_numbers(digits).tolist() == [True, False]


def test_free_text_is_scanned() -> None:
    rows = [
        valid_row("feedback", free_text="Ring me on 07700 900123"),
        valid_row("feedback", feedback_id="f2"),
    ]
    report = run(text_table(rows), "feedback")
    assert report.flatten() == [(2, "free_text", "identifier-detected")]
    assert report.findings[0].message == (
        "free_text appears to contain a phone number; direct identifiers must never be submitted."
    )
    assert report.findings[0].value is None  # the identifier is not copied into the report


def test_unexpected_columns_are_scanned_and_named_headers_flagged() -> None:
    row = valid_row("participant")
    row["First Name"] = "Jo"
    row["ref"] = "943 476 5919"
    assert flat([row], "participant") == [
        (None, "First Name", "column-unknown"),
        (None, "First Name", "identifier-detected"),
        (None, "ref", "column-unknown"),
        (2, "ref", "identifier-detected"),
    ]


def test_organisation_and_service_names_are_not_personal() -> None:
    assert flat([valid_row("organisation", name="Jo Bloggs Trust")], "organisation") == []
    rows = [valid_row("service", name="Call 07700 900123")]
    assert flat(rows, "service") == [(2, "name", "identifier-detected")]


def test_typed_unknown_columns_are_scanned() -> None:
    table = text_table([valid_row("participant")]).append_column(
        "nhs", pa.array([9434765919], pa.int64())
    )
    assert run(table, "participant").flatten() == [
        (None, "nhs", "column-unknown"),
        (2, "nhs", "identifier-detected"),
    ]
