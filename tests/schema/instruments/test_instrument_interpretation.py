"""Bands, caseness, PAM levels and reliable change."""

import math

import numpy as np
import pyarrow as pa
import pytest

from peerbench.schema.instruments import (
    InstrumentDefinition,
    band,
    change_category,
    default_registry,
    is_case,
    jacobson_truax_threshold,
    level_from_score,
)


def get(code: str) -> InstrumentDefinition:
    return default_registry().get(code)


def test_phq9_band_edges() -> None:
    edges = [0, 4, 5, 9, 10, 14, 15, 19, 20, 27]
    assert band(get("PHQ9"), edges).to_pylist() == [
        "minimal",
        "minimal",
        "mild",
        "mild",
        "moderate",
        "moderate",
        "moderately severe",
        "moderately severe",
        "severe",
        "severe",
    ]


def test_a_score_between_bands_belongs_to_the_lower_band_and_outside_is_null() -> None:
    assert band(get("PHQ9"), [9.5, None, 28, -1]).to_pylist() == ["mild", None, None, None]


def test_phq9_and_gad7_caseness_thresholds() -> None:
    assert is_case(get("PHQ9"), [9, 10, None]).to_pylist() == [False, True, None]
    assert is_case(get("GAD7"), [7, 8]).to_pylist() == [False, True]


def test_reqol10_caseness_is_below_24_and_wemwbs_has_none() -> None:
    assert is_case(get("REQOL10"), [23, 24]).to_pylist() == [True, False]
    assert is_case(get("WEMWBS"), [40]).to_pylist() == [None]


def test_gad7_and_ucla3_bands() -> None:
    assert band(get("GAD7"), [4, 5, 10, 15, 21]).to_pylist() == [
        "minimal",
        "mild",
        "moderate",
        "severe",
        "severe",
    ]
    assert band(get("UCLA3"), [3, 4, 5, 7, 8, 9]).to_pylist() == [
        "least lonely",
        "least lonely",
        "moderately lonely",
        "moderately lonely",
        "most lonely",
        "most lonely",
    ]


def test_ons4_subscale_bands_differ_for_anxiety() -> None:
    ons4 = get("ONS4")
    assert band(ons4, [1, 4, 6], subscale="happiness").to_pylist() == ["low", "low", "medium"]
    assert band(ons4, [1, 4, 6], subscale="anxiety").to_pylist() == ["very low", "medium", "high"]


def test_onslonely_band_gives_category_labels() -> None:
    assert band(get("ONSLONELY"), [1, 3, 5, None]).to_pylist() == [
        "often/always",
        "occasionally",
        "never",
        None,
    ]


def test_pam_level_cut_point_edges() -> None:
    got = level_from_score(get("PAM13"), [47.0, 47.1, 55.1, 55.2, 67.0, 67.1, 0, 100, None])
    assert got.to_pylist() == [1, 2, 2, 3, 3, 4, 1, 4, None]


def test_pam_cut_points_are_configurable() -> None:
    got = level_from_score(get("PAM13"), [67.1, 72.4, 72.5], cut_points=[47.0, 55.1, 72.4])
    assert got.to_pylist() == [3, 3, 4]
    with pytest.raises(ValueError, match="ascending"):
        level_from_score(get("PAM13"), [50], cut_points=[55.1, 47.0])
    with pytest.raises(ValueError, match="no levels"):
        level_from_score(get("PHQ9"), [5])


def test_change_category_uses_threshold_and_direction() -> None:
    phq9 = get("PHQ9")  # higher is worse, threshold 6
    got = change_category(phq9, [20, 20, 20, 10, None], [14, 15, 26, 15, 3])
    assert got.to_pylist() == [
        "reliably_improved",
        "no_reliable_change",
        "reliably_deteriorated",
        "no_reliable_change",
        None,
    ]
    swemwbs = get("SWEMWBS")  # higher is better, threshold 2.87
    got = change_category(swemwbs, [20.73, 20.73, 20.73], [23.60, 23.59, 17.86])
    assert got.to_pylist() == ["reliably_improved", "no_reliable_change", "reliably_deteriorated"]


def test_change_category_is_null_without_a_threshold_unless_one_is_given() -> None:
    ucla3 = get("UCLA3")
    assert change_category(ucla3, [9], [3]).to_pylist() == [None]
    assert change_category(ucla3, [9], [3], threshold=2.5).to_pylist() == ["reliably_improved"]
    ons4 = get("ONS4")
    got = change_category(ons4, [8], [3], threshold=2, subscale="anxiety")
    assert got.to_pylist() == ["reliably_improved"]
    with pytest.raises(ValueError, match="rows"):
        change_category(ucla3, [1, 2], [1])


def test_jacobson_truax_threshold() -> None:
    assert jacobson_truax_threshold(5.0, 0.84) == pytest.approx(1.96 * 5 * math.sqrt(2) * 0.4)
    with pytest.raises(ValueError):
        jacobson_truax_threshold(0.0, 0.8)
    with pytest.raises(ValueError):
        jacobson_truax_threshold(5.0, 1.0)


def test_inputs_may_be_arrow_chunked_or_numpy() -> None:
    phq9 = get("PHQ9")
    expected = ["mild", "moderate"]
    assert band(phq9, pa.array([5, 10])).to_pylist() == expected
    assert band(phq9, pa.chunked_array([[5], [10]])).to_pylist() == expected
    assert band(phq9, np.array([5.0, 10.0])).to_pylist() == expected
