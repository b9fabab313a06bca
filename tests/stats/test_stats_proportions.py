"""Wilson, Byar and exact Poisson intervals against statsmodels and the published formulas."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from peerbench.stats import poisson_interval, wilson_bounds, wilson_interval


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


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 1.5, float("nan")])
def test_confidence_must_lie_strictly_between_zero_and_one(confidence: float) -> None:
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        wilson_interval(3, 10, confidence=confidence)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        poisson_interval(3, confidence=confidence)


@pytest.mark.parametrize(
    ("events", "n"),
    [(-1, 10), ([2, -1], [10, 10]), (11, 10), (1, 0), (float("nan"), 10), (1, float("nan"))],
)
def test_events_must_lie_between_zero_and_n(
    events: float | list[int], n: float | list[int]
) -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(events, n)


def test_wilson_edges_are_exact_and_arrays_broadcast() -> None:
    # All events, or none, pin the bound to exactly 1 (0) rather than rounding noise.
    n = np.arange(1, 51)  # the formula alone leaves ±3e-17 at n = 7, 9, 12, ...
    assert np.all(wilson_interval(np.zeros(50), n).lower == 0.0)
    assert np.all(wilson_interval(n, n).upper == 1.0)
    assert np.all(wilson_interval(n, n, confidence=0.998).upper == 1.0)
    result = wilson_interval([0, 10, 0], [10, 10, 1])
    assert result.lower[0] == 0.0 and result.upper[1] == 1.0 and result.lower[2] == 0.0
    assert 0 < result.upper[0] < 1 and 0 < result.lower[1] < 1
    low, _ = proportion_confint(10, 10, alpha=0.05, method="wilson")
    assert result.lower[1] == pytest.approx(low, abs=1e-12)
    broadcast = wilson_interval([1, 2, 3], 10, confidence=0.8)
    assert broadcast.n.tolist() == [10.0, 10.0, 10.0] and broadcast.confidence == 0.8
    assert broadcast.proportion.tolist() == pytest.approx([0.1, 0.2, 0.3])
    low80, high80 = proportion_confint(np.array([1, 2, 3]), 10, alpha=0.2, method="wilson")
    np.testing.assert_allclose(broadcast.lower, low80, atol=1e-12)
    np.testing.assert_allclose(broadcast.upper, high80, atol=1e-12)


def test_wilson_bounds_by_hand_and_nan_without_n() -> None:
    p, n, z = 0.3, 50.0, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower, upper = wilson_bounds(p, np.array([n, 0.0]), z)
    assert lower[0] == pytest.approx(centre - half) and upper[0] == pytest.approx(centre + half)
    assert np.isnan(lower[1]) and np.isnan(upper[1])
    # Without units there is no bound, even for a target of exactly 0 or 1.
    edge_low, edge_high = wilson_bounds(np.array([0.0, 1.0]), np.array([0.0, 0.0]), z)
    assert np.isnan(edge_low).all() and np.isnan(edge_high).all()


def test_byar_starts_at_byar_min_and_other_confidences_match_statsmodels() -> None:
    at, below = poisson_interval([10, 9], byar_min=10), poisson_interval(9, byar_min=9)
    assert list(at.method) == ["byar", "exact"] and str(below.method) == "byar"
    o = 9.0
    for confidence in (0.95, 0.9):
        z = stats.norm.ppf(0.5 + confidence / 2)
        byar = poisson_interval(9, byar_min=9, confidence=confidence)
        assert float(byar.lower) == pytest.approx(o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3)
        assert float(byar.upper) == pytest.approx(
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
        )
    assert float(below.lower) == float(poisson_interval(9, byar_min=9).lower)
    counts = np.arange(0, 10)
    ours = poisson_interval(counts, 4.0, confidence=0.9)
    low, high = confint_poisson(counts, 4.0, method="exact-c", alpha=0.1)
    np.testing.assert_allclose(ours.lower, low, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ours.upper, high, rtol=1e-9)
    assert ours.lower[0] == 0.0 and ours.count.tolist() == counts.tolist()
    assert ours.exposure.tolist() == [4.0] * 10 and ours.rate.tolist() == (counts / 4).tolist()
    with pytest.raises(ValueError, match="exposure must be positive"):
        poisson_interval(3, -1.0)
    with pytest.raises(ValueError, match="counts must be non-negative"):
        poisson_interval([3, -1])
    with pytest.raises(ValueError, match="counts must be non-negative"):
        poisson_interval(float("nan"))
    with pytest.raises(ValueError, match="exposure must be positive"):
        poisson_interval(3, float("nan"))


def test_zero_and_fractional_counts() -> None:
    # Byar's formula at O = 0 (byar_min=0) gives exactly 0, not 0 x infinity.
    assert float(poisson_interval(0, byar_min=0).lower) == 0.0
    # The exact interval's chi-square formula holds for a fractional count too.
    half = poisson_interval(0.5)
    assert float(half.lower) == pytest.approx(stats.chi2.ppf(0.025, 1.0) / 2)
    assert float(half.upper) == pytest.approx(stats.chi2.ppf(0.975, 3.0) / 2)
