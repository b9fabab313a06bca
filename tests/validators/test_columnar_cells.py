"""Cell checks of the columnar engine: one minimal table per check."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from peerbench.validators.mapping import Mapping
from tests.validators.columnar.tables import (
    KEY,
    flat,
    run,
    text_table,
    unique_keys,
    valid_row,
)


def test_valid_rows_have_no_findings() -> None:
    assert (
        flat(
            [valid_row("participant"), valid_row("participant", participant_key=KEY[::-1])],
            "participant",
        )
        == []
    )


def test_required_missing_blank_and_whitespace() -> None:
    rows = [valid_row("participant", sex=""), valid_row("participant", age_band="   ")]
    assert flat(unique_keys(rows, "participant_key"), "participant") == [
        (2, "sex", "required-missing"),
        (3, "age_band", "required-missing"),
    ]


def test_optional_blank_is_fine() -> None:
    assert (
        flat([valid_row("participant", ethnicity="", deprivation_decile=None)], "participant") == []
    )


@pytest.mark.parametrize("value", ["x", "3.5", "1,000", "nan"])
def test_type_invalid_integer(value: str) -> None:
    report = run(text_table([valid_row("participant", deprivation_decile=value)]), "participant")
    assert report.flatten() == [(2, "deprivation_decile", "type-invalid")]
    assert report.findings[0].message == (
        f"deprivation_decile should be a whole number, but is '{value}'."
    )


def test_integers_written_by_spreadsheets_are_accepted() -> None:
    assert flat([valid_row("participant", deprivation_decile="4.0")], "participant") == []


@pytest.mark.parametrize("value", ["Yes", "no", "TRUE", "0", "y", "N"])
def test_booleans_in_many_spellings(value: str) -> None:
    assert flat([valid_row("participant", consent_research=value)], "participant") == []


def test_type_invalid_boolean() -> None:
    assert flat([valid_row("participant", consent_research="maybe")], "participant") == [
        (2, "consent_research", "type-invalid")
    ]


@pytest.mark.parametrize("value", ["2025-01-13", "13/01/2025", "3/1/2025", "29/02/2024"])
def test_iso_and_uk_dates(value: str) -> None:
    assert (
        flat([valid_row("engagement", start_date=value, end_date="2025-06-01")], "engagement") == []
    )


@pytest.mark.parametrize(
    "value",
    ["2025-02-30", "31/04/2025", "2025-1-5", "01-13-2025", "13/13/2025", "29/02/2025", "yesterday"],
)
def test_date_invalid(value: str) -> None:
    assert flat([valid_row("engagement", start_date=value)], "engagement") == [
        (2, "start_date", "date-invalid")
    ]


def test_uk_date_is_read_day_first() -> None:
    report = run(
        text_table([valid_row("engagement", start_date="02/03/2025", end_date="2025-03-01")]),
        "engagement",
    )
    # 2 March is after 1 March: end_date is before start_date.
    assert report.flatten() == [(2, "end_date", "date-order")]


def test_date_in_future_against_today() -> None:
    rows = [valid_row("engagement", start_date="2025-12-31", end_date="2026-01-02")]
    assert flat(rows, "engagement") == [(2, "end_date", "date-in-future")]
    assert flat(rows, "engagement", today=dt.date(2026, 1, 2)) == []


def test_code_invalid_suggests_closest_code() -> None:
    report = run(text_table([valid_row("participant", sex="femal")]), "participant")
    assert report.flatten() == [(2, "sex", "code-invalid")]
    assert "did you mean 'female'" in report.findings[0].message


def test_codes_accept_labels_and_synonyms_in_any_case() -> None:
    rows = [valid_row("participant", sex="Female", age_band="35-44", ethnicity="WHITE BRITISH")]
    assert flat(rows, "participant") == []


def test_mapping_values_are_accepted() -> None:
    mapping = Mapping(values={"sex": {"W": "female"}, "age_band": {"middle": "35 to 44"}})
    rows = [valid_row("participant", sex="w", age_band="Middle")]
    assert flat(rows, "participant", mapping=mapping) == []
    assert flat(rows, "participant") == [
        (2, "age_band", "code-invalid"),
        (2, "sex", "code-invalid"),
    ]


def test_code_list_field_with_one_bad_code() -> None:
    rows = [valid_row("feedback"), valid_row("feedback", feedback_id="fb-2", themes="hope;hopp")]
    report = run(text_table(rows), "feedback")
    assert report.flatten() == [(3, "themes", "code-invalid")]
    assert "did you mean 'hope'" in report.findings[0].message


def test_code_list_field_too_long_and_empty() -> None:
    many = ";".join(
        [
            "hope",
            "connection",
            "access",
            "delivery",
            "concern",
            "other",
            "information",
            "wellbeing",
            "confidence",
            "shared_experience",
            "hope",
        ]
    )
    rows = [valid_row("feedback", themes=many), valid_row("feedback", feedback_id="b", themes=";")]
    assert flat(rows, "feedback") == [
        (2, "themes", "out-of-range"),
        (3, "themes", "required-missing"),
    ]


def test_pattern_invalid() -> None:
    rows = [valid_row("participant", participant_key="943 476 5919")]
    assert flat(rows, "participant") == [(2, "participant_key", "pattern-invalid")]


def test_out_of_range_numbers() -> None:
    rows = [
        valid_row("participant", deprivation_decile="0"),
        valid_row("participant", deprivation_decile="11"),
        valid_row("participant", deprivation_decile="10"),
    ]
    report = run(text_table(unique_keys(rows, "participant_key")), "participant")
    assert report.flatten() == [
        (2, "deprivation_decile", "out-of-range"),
        (3, "deprivation_decile", "out-of-range"),
    ]
    assert report.findings[0].message.endswith("outside the allowed range 1 to 10.")


def test_max_length() -> None:
    rows = [valid_row("service", name="x" * 201), valid_row("service", name="x" * 200)]
    assert flat(unique_keys(rows, "service_id"), "service") == [(2, "name", "out-of-range")]


def test_column_missing_names_the_likely_column() -> None:
    row = valid_row("participant")
    row["Age band"] = row.pop("age_band")
    report = run(text_table([row]), "participant")
    assert report.flatten() == [
        (None, "Age band", "column-unknown"),
        (None, "age_band", "column-missing"),
    ]
    missing = next(f for f in report.findings if f.code == "column-missing")
    assert "'Age band'" in missing.message


def test_unknown_column_is_a_warning_and_item_columns_are_known() -> None:
    row = valid_row("outcome")
    row["notes"] = "fine"
    report = run(text_table([row]), "outcome")
    assert report.flatten() == [(None, "notes", "column-unknown")]
    assert report.valid


def test_row_numbers_follow_first_row() -> None:
    rows = [valid_row("participant"), valid_row("participant", sex="x")]
    table = text_table(unique_keys(rows, "participant_key"))
    assert run(table, "participant", first_row=101).flatten() == [(102, "sex", "code-invalid")]


def test_typed_parquet_columns() -> None:
    table = pa.table(
        {
            "participant_key": [KEY, KEY[::-1]],
            "service_id": ["svc", "svc"],
            "age_band": ["35_44", "35_44"],
            "sex": ["female", "other"],
            "consent_research": [True, None],
            "deprivation_decile": pa.array([3, 12], pa.int64()),
        }
    )
    assert run(table, "participant").flatten() == [
        (3, "consent_research", "required-missing"),
        (3, "deprivation_decile", "out-of-range"),
        (3, "sex", "code-invalid"),
    ]


def test_findings_are_capped_but_counted() -> None:
    rows = [valid_row("participant", sex="x") for _ in range(50)]
    report = run(text_table(unique_keys(rows, "participant_key")), "participant", max_findings=10)
    assert len(report.findings) == 10
    assert report.errors == 50
    assert report.truncated


def test_a_lower_case_instrument_code_is_explained_for_the_instrument_column() -> None:
    report = run(text_table([valid_row("outcome", instrument="wemwbs")]), "outcome")
    assert report.flatten() == [(2, "instrument", "pattern-invalid")]
    (finding,) = report.findings
    assert finding.message == (
        "instrument 'wemwbs' is not in the required form: a registry code in capitals, such "
        "as WEMWBS or PHQ9 (`peerbench instruments` lists them)."
    )
    # The hint is the pattern finding's for any column: nothing about participant keys.
    assert "articipant" not in finding.hint
