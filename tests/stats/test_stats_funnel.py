"""Funnel-plot limits, over-dispersion (Spiegelhalter 2005) and unit flags."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from peerbench.stats import (
    binomial_limits,
    funnel_means,
    funnel_proportions,
    overdispersion,
    wilson_bounds,
    winsorise,
)

Z95, Z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)


def test_means_target_limits_and_flags_by_hand() -> None:
    y = np.array([0.0, 1.0, -1.0, 0.5, 4.0, -5.0])
    se = np.array([1.0, 1.0, 1.0, 2.0, 1.0, 2.0])
    result = funnel_means(y, se, adjust="never")
    w = 1 / se**2
    target = float((w * y).sum() / w.sum())
    assert result.target == pytest.approx(target)
    np.testing.assert_allclose(result.upper_95, target + Z95 * se)
    np.testing.assert_allclose(result.lower_998, target - Z998 * se)
    np.testing.assert_allclose(result.z, (y - target) / se)
    assert list(result.flag) == [
        "within", "within", "within", "within", "above_99.8", "below_95"
    ]  # fmt: skip
    json.dumps(result.to_dict(), allow_nan=False)


def test_overdispersion_formula_by_hand() -> None:
    z = np.array([-3.0, -1.5, -0.5, 0.0, 0.4, 1.0, 1.2, 2.0, 2.5, 4.0])
    se = np.array([1.0, 0.5, 2.0, 1.0, 1.0, 0.8, 1.5, 1.0, 0.7, 1.2])
    low, high = np.percentile(z, [10, 90])
    phi = np.mean(np.clip(z, low, high) ** 2)
    w = 1 / se**2
    tau2 = (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum())
    od = overdispersion(z, se, adjust="always")
    assert od.phi == pytest.approx(phi)
    assert od.tau2 == pytest.approx(tau2)
    assert od.p_value == pytest.approx(stats.chi2.sf(10 * phi, 9))
    assert winsorise(z).max() == pytest.approx(high)


def test_auto_rule_applies_tau2_only_when_test_rejects() -> None:
    rng = np.random.default_rng(7)
    se = rng.uniform(0.5, 2.0, 60)
    spread = rng.normal(0, 1.5, 60)
    overdispersed = funnel_means(10 + spread + rng.normal(0, se), se)
    assert overdispersed.overdispersion.adjusted
    assert 0.5 < overdispersed.overdispersion.tau2 < 5.0
    total = np.sqrt(se**2 + overdispersed.overdispersion.tau2)
    np.testing.assert_allclose(overdispersed.upper_95, overdispersed.target + Z95 * total)
    calm = funnel_means(10 + rng.normal(0, se), se)
    assert not calm.overdispersion.adjusted
    assert calm.overdispersion.tau2 == 0
    never = funnel_means(overdispersed.value, se, adjust="never").overdispersion
    assert never.tau2 == 0
    assert never.tau2_estimate == pytest.approx(overdispersed.overdispersion.tau2)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=0.1, max_value=10), min_size=3, max_size=30),
    st.floats(min_value=-50, max_value=50),
)
def test_identical_units_have_no_overdispersion(se: list[float], value: float) -> None:
    result = funnel_means([value] * len(se), se, adjust="always")
    assert result.overdispersion.tau2 == 0
    assert set(result.flag) == {"within"}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0.1, max_value=10), min_size=2, max_size=30, unique=True))
def test_limits_widen_as_precision_falls(se: list[float]) -> None:
    result = funnel_means(np.zeros(len(se)), se)
    curves = result.curves
    assert np.all(np.diff(curves.upper_95) <= 1e-12)
    assert np.all(np.diff(curves.lower_998) >= -1e-12)
    assert np.all(curves.upper_998 >= curves.upper_95)
    order = np.argsort(result.precision)
    assert np.all(np.diff(result.upper_95[order]) <= 1e-12)


def test_binomial_limits_interpolate_the_exact_quantile() -> None:
    n, p0 = np.array([20.0, 100.0, 1000.0]), 0.3
    upper = binomial_limits(p0, n, 0.975)
    r = stats.binom.ppf(0.975, n, p0)
    assert np.all(((r - 1) / n <= upper) & (upper <= r / n))
    big = binomial_limits(p0, np.array([1e6]), 0.975)
    assert big[0] == pytest.approx(p0 + Z95 * np.sqrt(p0 * (1 - p0) / 1e6), abs=1e-5)


def test_proportions_binomial_and_wilson_limits() -> None:
    events = np.array([30, 12, 45, 5, 80, 3])
    n = np.array([100, 40, 150, 30, 200, 20])
    result = funnel_proportions(events, n, adjust="never")
    p0 = events.sum() / n.sum()
    assert result.target == pytest.approx(p0)
    np.testing.assert_allclose(result.se, np.sqrt(p0 * (1 - p0) / n))
    np.testing.assert_allclose(result.upper_95, binomial_limits(p0, n, 0.975))
    assert list(result.flag) == ["within"] * 4 + ["above_95", "within"]
    wilson = funnel_proportions(events, n, adjust="never", limits="wilson")
    np.testing.assert_allclose(wilson.lower_998, wilson_bounds(p0, n, Z998)[0])
    # Exact binomial quantiles are discrete: interpolation smooths them, but the curve may
    # still wiggle by a few hundredths of a percentage point; the Wilson curve is monotone.
    assert np.all(np.diff(result.curves.upper_95) <= 5e-4)
    assert result.curves.upper_95[0] > result.curves.upper_95[-1]
    assert np.all(np.diff(wilson.curves.upper_95) <= 1e-12)
    assert np.all(result.curves.precision == np.round(result.curves.precision))


def test_overdispersed_proportions_use_normal_limits_with_tau2() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(50, 2000, 40)
    p = np.clip(rng.normal(0.4, 0.08, 40), 0.05, 0.95)
    result = funnel_proportions(rng.binomial(n, p), n)
    od = result.overdispersion
    assert od.adjusted and od.tau2 > 0
    half = Z998 * np.sqrt(result.se**2 + od.tau2)
    np.testing.assert_allclose(result.upper_998, np.clip(result.target + half, 0, 1))


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError):
        funnel_means([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError):
        funnel_proportions([0, 0], [10, 10])
    with pytest.raises(ValueError):
        funnel_proportions([11], [10])
