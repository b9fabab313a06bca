"""Wilson, Byar and exact Poisson intervals against statsmodels and the published formulas."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from peerbench.stats import poisson_interval, wilson_interval


def test_wilson_matches_statsmodels_vectorised() -> None:
    events = np.array([0, 1, 5, 37, 99, 100])
    n = np.array([10, 10, 40, 120, 100, 100])
    ours = wilson_interval(events, n)
    low, high = proportion_confint(events, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(ours.lower, low, atol=1e-12)
    np.testing.assert_allclose(ours.upper, high, atol=1e-12)
    ninety = wilson_interval(events, n, confidence=0.9)
    low90, _ = proportion_confint(events, n, alpha=0.1, method="wilson")
    np.testing.assert_allclose(ninety.lower, low90, atol=1e-12)


def test_wilson_zero_denominator_is_nan_and_bad_counts_raise() -> None:
    result = wilson_interval([0, 3], [0, 5])
    assert np.isnan(result.lower[0]) and not np.isnan(result.lower[1])
    assert result.to_dict()["lower"][0] is None
    with pytest.raises(ValueError):
        wilson_interval([6], [5])


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_contains_estimate_and_narrows_with_n(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(min_value=0, max_value=n))
    ci = wilson_interval(x, n)
    assert 0 <= ci.lower <= ci.proportion <= ci.upper <= 1
    bigger = wilson_interval(4 * x, 4 * n)
    assert bigger.upper - bigger.lower < ci.upper - ci.lower


def test_exact_poisson_below_ten_matches_statsmodels() -> None:
    counts = np.arange(0, 10)
    ours = poisson_interval(counts, 250.0)
    low, high = confint_poisson(counts, 250.0, method="exact-c")
    np.testing.assert_allclose(ours.lower, low, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ours.upper, high, rtol=1e-9)
    assert set(ours.method) == {"exact"}


def test_byar_formula_and_agreement_with_exact() -> None:
    ours = poisson_interval([10, 57, 400])
    assert list(ours.method) == ["byar"] * 3
    # Byar by hand for O = 10 at 95% (Breslow & Day 1987).
    z = 1.959963984540054
    assert ours.lower[0] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * np.sqrt(10))) ** 3)
    assert ours.upper[0] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * np.sqrt(11))) ** 3)
    # Byar approximates the exact interval closely from 10 events up.
    low, high = confint_poisson(np.array([10, 57, 400]), 1.0, method="exact-c")
    np.testing.assert_allclose(ours.lower, low, rtol=5e-3)
    np.testing.assert_allclose(ours.upper, high, rtol=5e-3)


def test_rate_divides_by_exposure_and_validates() -> None:
    result = poisson_interval(20, 1000.0)
    assert result.rate == pytest.approx(0.02)
    assert result.lower * 1000 == pytest.approx(poisson_interval(20).lower)
    with pytest.raises(ValueError):
        poisson_interval(-1)
    with pytest.raises(ValueError):
        poisson_interval(3, 0.0)
