"""Direct identifiers in free text and unexpected columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from peerbench.schema.labels import field_form
from peerbench.validators.catalogue import entry
from peerbench.validators.identifiers import (
    IDENTIFYING_HEADERS,
    KINDS,
    detect,
    header_kind,
    valid_nhs_numbers,
)
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
        (None, "First Name", "identifier-column-name"),
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


@pytest.mark.parametrize(
    "text",
    ["ls62ab", "m11ae", "m111ae", "LS62AB", "ls6 2ab", " Sw1a 1aa ", "ec1a1bb", "w1a 0ax", "M11AE"],
)
def test_a_cell_holding_only_a_postcode_is_found_in_any_case(text: str) -> None:
    assert kind(text) == "a postcode"


@pytest.mark.parametrize(
    "text",
    [
        # Ids, codes and words that must not read as postcodes.
        "hv-group", "rec-001", "p001", "CL-0023", "abc123", "hv1 2cm", "qa1 2ab", "ai1 2ab",
        "m1 1ac", "m1 1ai", "m1 1ak", "m1 1am", "m1 1ao", "m1 1av", "m1 1ca",
        "phq9", "gad7", "core10", "eq5d5l", "ucla3", "reqol10", "semcd6", "swemwbs",
        "month_3", "week_6", "baseline", "2025-01-13", "at1 2pm", "m11ae x", "x m11ae",
        "lives in ls6 2ab", "m11a", "m1111ae", "1m1 1ae", "m1 1a e",
    ],
)  # fmt: skip
def test_lower_case_postcode_shapes_that_are_not_postcodes(text: str) -> None:
    assert kind(text) is None


@pytest.mark.parametrize(
    ("header", "code", "message"),
    [
        ("Date of birth", "identifier-column-date-of-birth",
         "Date of birth looks like a column of dates of birth; they must never be submitted."),
        ("D.O.B.", "identifier-column-date-of-birth",
         "D.O.B. looks like a column of dates of birth; they must never be submitted."),
        ("First Name", "identifier-column-name",
         "First Name looks like a column of people's names; names must never be submitted."),
        ("E-mail", "identifier-column-contact",
         "E-mail looks like a column of email addresses; contact details must never be "
         "submitted."),
        ("Mobile number", "identifier-column-contact",
         "Mobile number looks like a column of phone numbers; contact details must never be "
         "submitted."),
        ("Home address", "identifier-column-address",
         "Home address looks like a column of addresses; addresses and postcodes must never "
         "be submitted."),
        ("Post code ", "identifier-column-address",
         "Post code  looks like a column of postcodes; addresses and postcodes must never be "
         "submitted."),
        ("NHS No", "identifier-column-nhs-number",
         "NHS No looks like a column of NHS numbers; they must never be submitted."),
    ],
)  # fmt: skip
def test_identifier_columns_are_named_by_kind(header: str, code: str, message: str) -> None:
    row = valid_row("participant")
    row[header] = "x"
    report = run(text_table([row]), "participant")
    assert report.flatten() == [(None, header, "column-unknown"), (None, header, code)]
    assert report.findings[1].message == message


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("identifier-column-date-of-birth", "age_band at source with a mapping's date_of_birth"),
        ("identifier-column-name", "Leave names out"),
        ("identifier-column-contact", "Leave contact details out"),
        ("identifier-column-address", "deprivation_decile"),
        ("identifier-column-nhs-number", "pseudonymised into participant_key"),
    ],
)
def test_each_kind_has_its_own_hint(code: str, words: str) -> None:
    assert words in entry(code).hint


@pytest.mark.parametrize(
    ("headers", "kind_code"),
    [
        (["name", "first_name", "firstname", "forename", "forenames", "given_name", "surname",
          "last_name", "lastname", "family_name", "full_name", "fullname", "client_name",
          "participant_name"], "identifier-column-name"),
        (["dob", "d_o_b", "date_of_birth", "birth_date", "birthdate", "birthday"],
         "identifier-column-date-of-birth"),
        (["email", "email_address", "e_mail", "phone", "phone_number", "telephone", "tel",
          "mobile", "mobile_number"], "identifier-column-contact"),
        (["address", "address_line_1", "home_address", "postcode", "post_code", "zip"],
         "identifier-column-address"),
        (["nhs_number", "nhs_no", "nhsnumber"], "identifier-column-nhs-number"),
    ],
)  # fmt: skip
def test_every_identifying_header_has_its_kind(headers: list[str], kind_code: str) -> None:
    kinds = [header_kind(h) for h in headers]
    assert [k[0] if k else None for k in kinds] == [kind_code] * len(headers)
    assert set(headers) <= IDENTIFYING_HEADERS


def test_header_kinds_name_what_the_column_holds() -> None:
    assert header_kind("Email") == ("identifier-column-contact", "email addresses")
    assert header_kind(" TEL ") == ("identifier-column-contact", "phone numbers")
    assert header_kind("Address") == ("identifier-column-address", "addresses")
    assert header_kind("ZIP") == ("identifier-column-address", "postcodes")
    assert header_kind("Date of birth") == ("identifier-column-date-of-birth", "")
    assert header_kind("Service name") is None
    assert header_kind("notes") is None
    assert len(IDENTIFYING_HEADERS) == 38


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("First Name", "first_name"),
        ("D.O.B.", "d_o_b"),
        ("  e-mail ", "e_mail"),
        ("_name_", "name"),
        ("Post\tcode", "post_code"),
        ("Date\u00a0of  Birth", "date_of_birth"),
    ],
)
def test_field_form(header: str, normalised: str) -> None:
    assert field_form(header) == normalised
    assert header_kind(header) == header_kind(normalised)


def test_a_five_character_cell_is_scanned_and_a_four_character_one_is_not() -> None:
    assert detect(pa.array(["m11ae", "m1ae", "M11AE"])).tolist() == [3, -1, 3]
