"""WELLBY valuation: arithmetic, range, deflator, attribution and assumptions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peerbench.economics import DeflatorSeries, WellbyParameters, wellbeing_value

FLAT = DeflatorSeries(version="flat", source="test", index={2019: 100.0, 2023: 100.0})


def test_one_point_gain_is_worth_one_wellby() -> None:
    result = wellbeing_value([5.0, 6.0], [6.0, 7.0], deflators=FLAT, target_price_year=2019)
    assert result.change.mean == pytest.approx(1.0)
    assert result.value.mean == pytest.approx(13_000)
    assert (result.value.low, result.value.high) == pytest.approx((10_000, 16_000))
    per_100 = result.to_dict()["value_per_100"]
    assert per_100["mean"] == pytest.approx(1_300_000)
    assert (per_100["low"], per_100["high"]) == pytest.approx((1_000_000, 1_600_000))


def test_deflator_and_attribution() -> None:
    series = DeflatorSeries.default()
    result = wellbeing_value(
        [4.0, 5.0, 6.0],
        [5.0, 5.5, 6.0],
        deflators=series,
        target_price_year=2023,
        attribution=0.6,
    )
    factor = series.index[2023] / series.index[2019]
    assert result.value.mean == pytest.approx(0.5 * 13_000 * factor * 0.6)
    assert result.assumptions.adjusted_value == pytest.approx(13_000 * factor)
    assert result.assumptions.attribution == 0.6


def test_decline_keeps_low_below_high() -> None:
    result = wellbeing_value([7.0], [6.0], deflators=FLAT, target_price_year=2019)
    assert (result.value.low, result.value.mean, result.value.high) == pytest.approx(
        (-16_000, -13_000, -10_000)
    )


def test_custom_wellby_parameters() -> None:
    params = WellbyParameters(
        value=15_000, low=12_000, high=18_000, price_year=2023, source="local appraisal"
    )
    result = wellbeing_value([5.0], [7.0], parameters=params, deflators=FLAT)
    assert result.value.mean == pytest.approx(30_000)
    assert result.assumptions.wellby.source == "local appraisal"
    with pytest.raises(ValueError, match="low"):
        WellbyParameters(value=9_000)


def test_missing_scores_are_dropped_and_ranges_checked() -> None:
    result = wellbeing_value(
        [5.0, None, 6.0], [6.0, 7.0, math.nan], deflators=FLAT, target_price_year=2019
    )
    assert result.assumptions.n == 1
    with pytest.raises(ValueError, match="between 0 and 10"):
        wellbeing_value([11.0], [5.0])
    with pytest.raises(ValueError, match="same length"):
        wellbeing_value([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="attribution"):
        wellbeing_value([1.0], [2.0], attribution=-0.1)


def test_ci_covers_the_mean_and_narrows_with_n() -> None:
    rng = np.random.default_rng(7)
    small_b = rng.integers(3, 8, 40).astype(float)
    large_b = rng.integers(3, 8, 400).astype(float)
    small = wellbeing_value(
        small_b,
        np.clip(small_b + rng.normal(0.5, 1.5, 40), 0, 10),
        deflators=FLAT,
        target_price_year=2019,
    )
    large = wellbeing_value(
        large_b,
        np.clip(large_b + rng.normal(0.5, 1.5, 400), 0, 10),
        deflators=FLAT,
        target_price_year=2019,
    )
    for result in (small, large):
        v = result.value
        assert v.ci_low is not None and v.ci_high is not None and v.mean is not None
        assert v.ci_low < v.mean < v.ci_high
    widths = [(r.value.ci_high or 0.0) - (r.value.ci_low or 0.0) for r in (small, large)]
    assert widths[1] < widths[0]


def test_assumptions_are_in_to_dict() -> None:
    data = wellbeing_value([5.0], [6.0]).to_dict()
    a = data["assumptions"]
    assert a["wellby"]["value"] == 13_000
    assert (a["wellby"]["low"], a["wellby"]["high"]) == (10_000, 16_000)
    assert a["wellby"]["price_year"] == 2019
    assert "Green Book" in a["wellby"]["source"]
    assert a["attribution"] == 1.0
    assert "attributed to peer support" in a["attribution_note"]
    assert a["target_price_year"] == DeflatorSeries.default().latest_year
    assert "check" in a["deflator_source"]
    assert a["n"] == 1
    assert "no discounting" in a["duration"]


def test_values_of_many_groups_equal_each_groups_own_value() -> None:
    from peerbench.economics.wellby import wellbeing_values

    rng = np.random.default_rng(4)
    groups = [
        (rng.integers(0, 11, n).astype(float), rng.integers(0, 11, n).astype(float))
        for n in (1, 2, 5, 5, 40, 40, 3)
    ]
    together = wellbeing_values(groups, deflators=FLAT, target_price_year=2019)
    alone = [wellbeing_value(b, f, deflators=FLAT, target_price_year=2019) for b, f in groups]
    assert [r.to_dict() for r in together] == [r.to_dict() for r in alone]
    assert together[2].change != together[3].change  # same size, other people: own interval
