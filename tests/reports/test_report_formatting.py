"""Plain-English numbers and suppression wording."""

from __future__ import annotations

import math

import pytest

from peerbench.disclosure import DisclosurePolicy, Suppressed, SuppressionReason
from peerbench.reports import formatting as fmt
from peerbench.reports.suppression import (
    SuppressedValue,
    SuppressionWording,
    as_suppressed,
    find_suppressed,
)

SMALL = {"value": None, "suppressed": "small-count"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1 person"), (0, "0 people"), (1234, "1,234 people"), (1_000_000, "1,000,000 people")],
)
def test_people(value: int, expected: str) -> None:
    assert fmt.people(value) == expected


def test_percent_ci() -> None:
    assert fmt.percent_ci(0.523, 0.47, 0.571) == "52% (95% CI 47% to 57%)"
    assert fmt.percent_ci(0.523, None, 0.57) == "52%"
    assert fmt.percent_ci(0.5234, 0.4711, 0.5757, digits=1, level=90) == (
        "52.3% (90% CI 47.1% to 57.6%)"
    )


def test_money() -> None:
    assert fmt.money_per_person(2310, 1800, 2900) == "£2,310 per person (range £1,800 to £2,900)"
    assert fmt.money_per_person(2310) == "£2,310 per person"
    assert fmt.money(-150) == "−£150"


def test_rounding_is_half_up_and_never_minus_zero() -> None:
    assert fmt.number(2.5) == "3"
    assert fmt.number(0.125, 2) == "0.13"
    assert fmt.number(-0.04, 1) == "0.0"
    assert fmt.number(-1234.5, 1) == "−1,234.5"
    assert fmt.percent(0.005) == "1%"


def test_signed_and_ci() -> None:
    assert fmt.signed(3.24) == "+3.2"
    assert fmt.signed(-1) == "−1.0"
    assert fmt.signed(0.01) == "0.0"
    assert fmt.number_ci(4.2, 3.1, 5.3) == "4.2 (95% CI 3.1 to 5.3)"


def test_missing_values_say_so() -> None:
    assert fmt.percent(None) == fmt.NOT_AVAILABLE
    assert fmt.number(math.nan) == fmt.NOT_AVAILABLE


@pytest.mark.parametrize(
    "marker",
    [
        SMALL,
        SuppressedValue("small-count"),
        Suppressed(reason=SuppressionReason.SMALL_COUNT, message="hidden"),
    ],
)
def test_every_marker_shape_is_worded(marker: object) -> None:
    assert as_suppressed(marker) == SuppressedValue("small-count")
    for text in (
        fmt.people(marker),
        fmt.percent(marker),
        fmt.percent_ci(marker, 0.1, 0.2),
        fmt.money_per_person(marker, 1, 2),
        fmt.suppressed_text(marker),
    ):
        assert text == "suppressed (fewer than 8 people)"


def test_wording_follows_policy() -> None:
    wording = SuppressionWording.from_policy(DisclosurePolicy.mental_health_dashboard())
    assert wording.short("small-count") == "suppressed (fewer than 5 people)"
    assert wording.short("below-min-n") == "suppressed (fewer than 10 people)"
    assert "hidden number" in wording.short("secondary")
    assert fmt.people(SMALL, wording=wording) == "suppressed (fewer than 5 people)"
    assert wording.explain("small-count").startswith("Counts of 0 to 4 people")
    for reason in ("small-count", "below-min-n", "secondary", "other"):
        assert wording.explain(reason).endswith(".")


def test_ordinary_values_are_not_markers() -> None:
    values = [0, None, "x", {"value": 3}, SMALL, {"suppressed": True}]
    assert find_suppressed(values) == [SuppressedValue("small-count"), SuppressedValue("other")]
    assert fmt.suppressed_text(5) == ""
