"""Cell translations: dates, age bands, codes and answers."""

from __future__ import annotations

import datetime as dt

import pytest

from peerbench.intake.cells import age_band, age_in_years, answer_code, code_for, parse_date
from peerbench.schema.codelists import AgeBand, Sex, Timepoint
from peerbench.schema.instruments import default_registry


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", dt.date(2026, 3, 1)),
        ("2026-03-01 00:00:00", dt.date(2026, 3, 1)),
        ("01/03/2026", dt.date(2026, 3, 1)),
        ("1/3/2026", dt.date(2026, 3, 1)),
        ("01.03.2026", dt.date(2026, 3, 1)),
        ("01-03-2026", dt.date(2026, 3, 1)),
        ("31/02/2026", None),
        ("03/31/2026", None),  # never month first
        ("March 2026", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_iso_only() -> None:
    assert parse_date("01/03/2026", "iso") is None
    assert parse_date("2026-03-01", "iso") == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(2000, 6, 15), dt.date(2018, 6, 15), 18),
        (dt.date(2000, 6, 15), dt.date(2018, 6, 14), 17),
        (dt.date(2000, 2, 29), dt.date(2018, 2, 28), 17),
        (dt.date(2000, 2, 29), dt.date(2018, 3, 1), 18),
    ],
)
def test_age_in_years(born: dt.date, on: dt.date, age: int) -> None:
    assert age_in_years(born, on) == age


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under_18"),
        (17, "under_18"),
        (18, "18_24"),
        (24, "18_24"),
        (25, "25_34"),
        (64, "55_64"),
        (74, "65_74"),
        (75, "75_plus"),
        (110, "75_plus"),
        (-1, None),
    ],
)
def test_age_band_follows_the_code_list(age: int, band: str | None) -> None:
    assert age_band(age) == band
    if band is not None:
        assert band in AgeBand.codes()


def test_code_for_local_then_code_list() -> None:
    assert code_for(Sex, " WOMAN ", {}) == "female"
    assert code_for(Sex, "F", {"f": "male"}) == "male"  # the mapping wins
    assert code_for(Sex, "x", {"x": "Female"}) == "female"  # a local label may name a label
    assert code_for(Sex, "x", {}) is None
    assert code_for(Timepoint, "3 Months", {}) == "month_3"


def test_answer_code_numbers_words_and_unknown() -> None:
    registry = default_registry()
    assert answer_code("4", "WEMWBS", {}, registry) == "4"
    assert answer_code("4.0", "WEMWBS", {}, registry) == "4"
    assert answer_code("2.5", "WEMWBS", {}, registry) == "2.5"
    assert answer_code("often", "WEMWBS", {}, registry) == "4"
    assert answer_code("not really", "WEMWBS", {"not really": 2}, registry) == "2"
    assert answer_code("often", None, {}, registry) is None
    assert answer_code("often", "NOPE", {}, registry) is None
    assert answer_code("sometimes", "WEMWBS", {}, registry) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 - Often", "4"),
        ("1 – None of the time", "1"),
        ("Often (4)", "4"),
        ("3. Some of the time", "3"),
        ("5 = All of the time", "5"),
        ("2 - Often", None),  # the words name another answer: not guessed
        ("4 - very much so", "4"),  # words it does not know: the number is the answer
    ],
)
def test_number_and_words_together(text: str, expected: str | None) -> None:
    assert answer_code(text, "WEMWBS", {}, default_registry()) == expected


def test_date_with_a_time_of_day() -> None:
    assert parse_date("2026-03-01T10:30:00") == dt.date(2026, 3, 1)
    assert parse_date("2026-03-01 10:30") == dt.date(2026, 3, 1)
