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
        ("943 476 5080", "an NHS number"),  # check digit 0 (11 - 0 mod 11 = 11 → 0)
        ("ref 9434765870", "an NHS number"),  # check digit 0 again
        ("943 476 5081", None),  # a check digit 0 number with its last digit changed
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


def modulus_11(number: str) -> bool:
    """The NHS number check, written out digit by digit (NHS Data Dictionary)."""
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[9])


def test_modulus_11_agrees_with_the_written_out_rule_for_every_check_digit() -> None:
    # Every last digit after a few prefixes, including ones whose check digit is 0 and
    # one whose check digit would be 10 (never valid).
    prefixes = ["943476508", "943476591", "401023213", "123456789", "000000000", "999999999"]
    numbers = [prefix + str(last) for prefix in prefixes for last in range(10)]
    digits = np.array([[int(c) for c in number] for number in numbers])
    assert valid_nhs_numbers(digits).tolist() == [modulus_11(n) for n in numbers]
    valid = [n for n in numbers if modulus_11(n)]  # 123456789… would need check digit 10
    assert valid == ["9434765080", "9434765919", "4010232137", "0000000000", "9999999999"]


def test_every_kind_is_reported_with_its_row_and_name() -> None:
    texts = [
        "mail jo@example.org please",  # kind 0: the first detector must be reported too
        "NHS 943 476 5080",
        "07700 900123 after 5",
        "lives near LS1 4AP",
        "all fine, thanks",
        None,
    ]
    rows = [valid_row("feedback", feedback_id=f"f{i}", free_text=t) for i, t in enumerate(texts)]
    report = run(text_table(rows), "feedback")
    assert report.flatten() == [(row, "free_text", "identifier-detected") for row in (2, 3, 4, 5)]
    assert [finding.message.split(" appears to contain ")[1] for finding in report.findings] == [
        f"{kind}; direct identifiers must never be submitted." for kind in KINDS
    ]


def test_an_email_alone_is_reported() -> None:
    rows = [valid_row("feedback", free_text="jo@example.org")]
    assert run(text_table(rows), "feedback").flatten() == [(2, "free_text", "identifier-detected")]


def test_dictionary_columns_and_nulls() -> None:
    # A null cell is no identifier, whatever the dictionary's last value is.
    values = pa.array(["jo@example.org", None, "LS1 4AP", "short", "jo@example.org", "M1 1AE"])
    encoded = values.dictionary_encode()
    assert detect(encoded).tolist() == [0, -1, 3, -1, 0, 3]
    assert detect(values).tolist() == [0, -1, 3, -1, 0, 3]
    assert detect(pa.array(["ok", "fine"])).tolist() == [-1, -1]


def test_many_nhs_candidates_in_one_column() -> None:
    # Each candidate is checked on its own row of the digit grid.
    values = pa.array(["943 476 5080", "a note", "9434765919", "943 476 5918", "NHS 0000000000"])
    assert detect(values).tolist() == [1, -1, 1, -1, 1]
    assert detect(values.slice(2)).tolist() == [1, -1, 1]


def test_earlier_detectors_win() -> None:
    # An email holding a phone-like run of digits is reported as an email.
    assert kind("07700900123@example.org") == "an email address"
    assert kind("943 476 5080 or 07700 900123") == "an NHS number"
    assert kind("07700 900123 in LS1 4AP") == "a phone number"


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
