"""Sheet names and headers matched to the standard by the proposer's words."""

from __future__ import annotations

import pytest

from peerbench.intake.propose_match import match_header, match_sheet, vocabulary
from peerbench.schema.header_words import words
from peerbench.schema.instruments.registry import default_registry

CODES = default_registry().codes()


def test_words_reads_punctuation_and_odd_spaces_as_one_space() -> None:
    assert words("  D.O.B. ") == "d o b"
    assert words("Client\u00a0ID ") == "client id"
    assert words("Client_ID") == "client id"


@pytest.mark.parametrize(
    ("name", "stem", "confidence"),
    [
        ("Clients", "participants", "certain"),
        ("People", "participants", "certain"),
        ("Attendees", "participants", "certain"),
        ("participants.csv", "participants", "certain"),
        ("Service use", "service_use", "certain"),
        ("Scores", "outcomes", "certain"),
        ("Questionnaires", "outcomes", "certain"),
        ("Sessions", "engagements", "certain"),
        ("Attendance", "engagements", "certain"),
        ("2025 attendance log", "engagements", "likely"),
    ],
)
def test_sheet_names_give_record_types(name: str, stem: str, confidence: str) -> None:
    assert match_sheet(name) == (stem, confidence)


def test_a_sheet_name_that_says_nothing_gives_no_record_type() -> None:
    assert match_sheet("Sheet1") == (None, "unsure")


@pytest.mark.parametrize(
    ("header", "field", "stem"),
    [
        ("Gender", "sex", "participants"),
        ("Sex", "sex", "participants"),
        ("Age group", "age_band", "participants"),
        ("age_band", "age_band", "participants"),
        ("Ethnicity", "ethnicity", "participants"),
        ("First session", "start_date", "engagements"),
        ("Last session ", "end_date", "engagements"),
        ("Date completed", "date_administered", "outcomes"),
        ("Stage", "timepoint", "outcomes"),
        ("Total", "total_score", "outcomes"),
    ],
)
def test_headers_match_fields(header: str, field: str, stem: str) -> None:
    role = match_header(header, CODES)
    assert (role.role, role.field, role.confidence) == ("field", field, "certain")
    assert stem in role.stems


@pytest.mark.parametrize("header", ["Client ID", "client id ", "ID", "Ref", "Client ref"])
def test_local_id_headers(header: str) -> None:
    assert match_header(header).role == "id"


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Name", "a name"),
        ("First name", "a name"),
        ("Surname", "a name"),
        ("Phone", "contact details"),
        ("Mobile", "contact details"),
        ("E-mail", "contact details"),
        ("Address", "an address"),
        ("Postcode", "a postcode"),
        ("NHS number", "an NHS number"),
    ],
)
def test_identifier_headers(header: str, kind: str) -> None:
    role = match_header(header)
    assert (role.role, role.detail) == ("identifier", kind)


@pytest.mark.parametrize("header", ["DOB", "D.O.B.", "Date of birth"])
def test_date_of_birth_headers(header: str) -> None:
    assert match_header(header).role == "date_of_birth"


def test_the_validators_identifying_headers_are_all_recognised() -> None:
    from peerbench.validators.identifiers import IDENTIFYING_HEADERS

    for header in IDENTIFYING_HEADERS:
        assert match_header(header).role in ("identifier", "date_of_birth"), header


def test_name_on_a_services_sheet_is_the_services_name() -> None:
    role = match_header("Name", CODES, "services")
    assert (role.role, role.field) == ("field", "name")


@pytest.mark.parametrize(
    ("header", "role", "number", "timepoint", "instrument"),
    [
        ("Q1", "item", 1, None, None),
        ("Q14", "item", 14, None, None),
        ("Question 3", "item", 3, None, None),
        ("Item 3", "item", 3, None, None),
        ("WEMWBS 1", "item", 1, None, "WEMWBS"),
        ("WEMWBS total", "total", None, None, "WEMWBS"),
        ("Q3 start", "item", 3, "baseline", None),
        ("Q3 (3 months)", "item", 3, "month_3", None),
        ("Q12 3m", "item", 12, "month_3", None),
        ("Baseline Q2", "item", 2, "baseline", None),
        ("Start total", "total", None, "baseline", None),
        ("3m total", "total", None, "month_3", None),
        ("Total end", "total", None, "end", None),
        ("3 month date", "date", None, "month_3", None),
    ],
)
def test_item_total_and_date_headers(
    header: str, role: str, number: int | None, timepoint: str | None, instrument: str | None
) -> None:
    found = match_header(header, CODES)
    assert (found.role, found.number, found.timepoint, found.instrument) == (
        role,
        number,
        timepoint,
        instrument,
    )


def test_a_bare_number_or_unknown_words_are_not_matched() -> None:
    assert match_header("3").role == "unknown"
    assert match_header("Favourite colour").role == "unknown"
    assert match_header("").role == "unknown"


def test_notes_are_skipped() -> None:
    assert match_header("Notes").role == "skip"


def test_every_synonym_names_a_real_field() -> None:
    from peerbench.schema.introspect import field_specs
    from peerbench.schema.records import RECORD_TYPES_BY_STEM

    for stem, table in vocabulary().fields.items():
        names = {spec.name for spec in field_specs(RECORD_TYPES_BY_STEM[stem])}
        assert set(table.values()) <= names, stem
    assert set(vocabulary().sheets.values()) <= set(RECORD_TYPES_BY_STEM)


@pytest.mark.parametrize(
    ("header", "role", "field", "number", "timepoint"),
    [
        ("Gender (M/F)", "field", "sex", None, None),
        ("Consent given (Y/N)", "field", "consent_research", None, None),
        ("DOB (dd/mm/yyyy)", "date_of_birth", None, None, None),
        ("Total score at 6 months", "total", None, None, "month_6"),
        ("Q1 - I've been feeling optimistic about the future", "item", None, 1, None),
        ("Home postcode", "identifier", None, None, None),
        ("Mother's name", "identifier", None, None, None),
    ],
)
def test_looser_readings_are_likely_at_best(
    header: str, role: str, field: str | None, number: int | None, timepoint: str | None
) -> None:
    found = match_header(header, CODES)
    assert (found.role, found.field, found.number, found.timepoint) == (
        role,
        field,
        number,
        timepoint,
    )
    assert found.confidence == "likely"


def test_a_bracketed_timepoint_is_read_before_the_bracket_is_dropped() -> None:
    found = match_header("Total (3 months)", CODES)
    assert (found.role, found.timepoint, found.confidence) == ("total", "month_3", "certain")


@pytest.mark.parametrize(
    ("header", "number", "instrument"),
    [("PHQ1", 1, "PHQ9"), ("PHQ9", 9, "PHQ9"), ("GAD 7", 7, "GAD7"), ("PHQ-9 3", 3, "PHQ9")],
)
def test_an_instruments_own_letters_number_its_items(
    header: str, number: int, instrument: str
) -> None:
    found = match_header(header, CODES)
    assert (found.role, found.number, found.instrument) == ("item", number, instrument)


def test_a_bare_timepoint_header_is_not_an_item() -> None:
    assert match_header("Start", CODES).field == "start_date"  # a date until values say not


def test_an_instruments_letters_and_a_total_word_are_its_total() -> None:
    found = match_header("UCLA TOTAL", CODES)
    assert (found.role, found.instrument) == ("total", "UCLA3")


def test_someone_elses_date_of_birth_is_an_identifier() -> None:
    found = match_header("Baby DOB", CODES)
    assert (found.role, found.detail) == ("identifier", "a date of birth")


@pytest.mark.parametrize("header", ["Keyworker", "Befriender", "Buddy", "Volunteer"])
def test_staff_name_columns_are_identifiers_to_drop(header: str) -> None:
    found = match_header(header, CODES)
    assert (found.role, found.detail) == ("identifier", "a staff member's name")
