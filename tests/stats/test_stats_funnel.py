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


def independent_funnel(x: np.ndarray, n: np.ndarray) -> dict[str, float | np.ndarray]:
    """Spiegelhalter (2005) proportion funnel with additive τ², written out with numpy
    alone (no peerbench code): target, null SEs, z-scores, winsorised φ, τ²."""
    p = x / n
    p0 = x.sum() / n.sum()
    s = np.sqrt(p0 * (1 - p0) / n)
    z = (p - p0) / s
    ordered = np.sort(z)
    units = len(z)

    def percentile(q: float) -> float:  # linear interpolation between order statistics
        h = (units - 1) * q
        lo = int(np.floor(h))
        return float(ordered[lo] + (h - lo) * (ordered[min(lo + 1, units - 1)] - ordered[lo]))

    zw = np.minimum(np.maximum(z, percentile(0.1)), percentile(0.9))
    phi = float(np.sum(zw**2) / units)
    w = 1 / s**2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    return {"p": p, "p0": p0, "s": s, "z": z, "phi": phi, "tau2": tau2}


# Twelve units' events out of n: over-dispersed (τ² ≈ 0.005, χ² test p ≈ 3e-5); CALM
# has the same n and no significant over-dispersion (p ≈ 0.21).
EVENTS = np.array([12, 48, 11, 62, 40, 52, 9, 130, 36, 50, 22, 70])
CALM = np.array([18, 40, 11, 75, 30, 52, 9, 120, 33, 61, 14, 88])
UNITS_N = np.array([60, 100, 50, 200, 90, 130, 40, 300, 70, 160, 45, 210])


def test_proportion_z_scores_and_tau2_against_an_independent_calculation() -> None:
    ref = independent_funnel(EVENTS.astype(float), UNITS_N.astype(float))
    result = funnel_proportions(EVENTS, UNITS_N, adjust="always")
    od = result.overdispersion
    assert result.target == pytest.approx(ref["p0"], rel=1e-12)
    np.testing.assert_allclose(result.value, ref["p"], rtol=1e-12)
    np.testing.assert_allclose(result.se, ref["s"], rtol=1e-12)
    np.testing.assert_allclose(result.z, ref["z"], rtol=1e-12)
    assert od.phi == pytest.approx(ref["phi"], rel=1e-12)
    assert od.tau2_estimate == pytest.approx(ref["tau2"], rel=1e-10)
    assert 0.001 < od.tau2 < 0.01  # a z-score sign error would move it to about 0.6
    assert od.tau2 == od.tau2_estimate and od.adjusted
    np.testing.assert_allclose(result.z_adjusted, (ref["p"] - ref["p0"]) / np.sqrt(
        ref["s"] ** 2 + ref["tau2"]
    ), rtol=1e-12)  # fmt: skip
    # One value by hand: unit 1 (12/60) against p0 = 542/1455.
    p0 = 542 / 1455
    assert result.target == pytest.approx(p0)
    assert result.z[0] == pytest.approx((12 / 60 - p0) / np.sqrt(p0 * (1 - p0) / 60))


def test_overdispersed_proportion_limits_both_sides_and_curves() -> None:
    ref = independent_funnel(EVENTS.astype(float), UNITS_N.astype(float))
    result = funnel_proportions(EVENTS, UNITS_N, adjust="always")
    p0, tau2 = float(ref["p0"]), float(ref["tau2"])
    for z, lower, upper in (
        (Z95, result.lower_95, result.upper_95),
        (Z998, result.lower_998, result.upper_998),
    ):
        half = z * np.sqrt(p0 * (1 - p0) / UNITS_N + tau2)
        np.testing.assert_allclose(lower, p0 - half, rtol=1e-12)
        np.testing.assert_allclose(upper, p0 + half, rtol=1e-12)
    grid = result.curves.precision
    assert grid[0] == UNITS_N.min() and grid[-1] == UNITS_N.max()
    g_half = Z95 * np.sqrt(p0 * (1 - p0) / grid + tau2)
    np.testing.assert_allclose(result.curves.lower_95, p0 - g_half, rtol=1e-12)
    np.testing.assert_allclose(result.curves.upper_95, p0 + g_half, rtol=1e-12)
    g_half = Z998 * np.sqrt(p0 * (1 - p0) / grid + tau2)
    np.testing.assert_allclose(result.curves.lower_998, p0 - g_half, rtol=1e-12)
    np.testing.assert_allclose(result.curves.upper_998, p0 + g_half, rtol=1e-12)


def test_overdispersed_limits_are_clipped_to_zero_and_one() -> None:
    events = np.array([1, 0, 2, 9, 10, 0, 1, 10])
    n = np.array([10, 10, 10, 10, 10, 10, 10, 10])
    result = funnel_proportions(events, n, adjust="always")
    assert result.overdispersion.tau2 > 0
    assert np.all(result.lower_998 == 0) and np.all(result.upper_998 == 1)
    assert np.all(result.curves.lower_998 == 0) and np.all(result.curves.upper_998 == 1)
    # 0/10 and 10/10 sit exactly on the clipped limits: on a limit is within, not beyond.
    assert np.all(result.lower_95 == 0) and np.all(result.upper_95 == 1)
    assert set(result.flag) == {"within"}


def test_proportion_flags_with_tau2_use_both_limits() -> None:
    events = np.array([18, 40, 11, 75, 30, 52, 9, 120, 33, 61, 14, 88, 2, 140])
    n = np.array([60, 100, 50, 200, 90, 130, 40, 300, 70, 160, 45, 210, 150, 200])
    result = funnel_proportions(events, n, adjust="always")
    expected = np.select(
        [
            result.value > result.upper_998,
            result.value < result.lower_998,
            result.value > result.upper_95,
            result.value < result.lower_95,
        ],
        ["above_99.8", "below_99.8", "above_95", "below_95"],
        default="within",
    )
    assert list(result.flag) == list(expected)
    assert result.flag[-2] == "below_99.8" and result.flag[-1] == "above_99.8"


@pytest.mark.parametrize(("events", "rejects"), [(EVENTS, True), (CALM, False)])
def test_auto_rule_follows_the_chi_square_test_for_proportions(
    events: np.ndarray, rejects: bool
) -> None:
    ref = independent_funnel(events.astype(float), UNITS_N.astype(float))
    units = len(events)
    assert bool(units * float(ref["phi"]) > stats.chi2.ppf(0.95, units - 1)) is rejects
    auto = funnel_proportions(events, UNITS_N).overdispersion
    assert auto.adjusted is rejects
    assert auto.tau2 == (pytest.approx(ref["tau2"]) if rejects else 0.0)
    assert auto.p_value == pytest.approx(stats.chi2.sf(units * float(ref["phi"]), units - 1))
    never = funnel_proportions(events, UNITS_N, adjust="never")
    assert never.overdispersion.tau2 == 0
    np.testing.assert_allclose(never.z_adjusted, never.z)


def test_means_limits_with_tau2_both_sides_and_curves() -> None:
    y = np.array([-3.0, -1.5, -0.5, 0.0, 0.4, 1.0, 1.2, 2.0, 2.5, 4.0])
    se = np.array([1.0, 0.5, 2.0, 1.0, 1.0, 0.8, 1.5, 1.0, 0.7, 1.2])
    result = funnel_means(y, se, target=0.0, adjust="always")
    tau2 = result.overdispersion.tau2
    assert tau2 > 0
    np.testing.assert_allclose(result.z, y / se)
    total = np.sqrt(se**2 + tau2)
    np.testing.assert_allclose(result.z_adjusted, y / total)
    np.testing.assert_allclose(result.lower_95, -Z95 * total)
    np.testing.assert_allclose(result.upper_95, Z95 * total)
    np.testing.assert_allclose(result.lower_998, -Z998 * total)
    np.testing.assert_allclose(result.upper_998, Z998 * total)
    grid = np.linspace((1 / se**2).min(), (1 / se**2).max(), 100)
    np.testing.assert_allclose(result.curves.precision, grid)
    g_total = np.sqrt(1 / grid + tau2)
    np.testing.assert_allclose(result.curves.lower_95, -Z95 * g_total)
    np.testing.assert_allclose(result.curves.upper_95, Z95 * g_total)
    np.testing.assert_allclose(result.curves.lower_998, -Z998 * g_total)
    np.testing.assert_allclose(result.curves.upper_998, Z998 * g_total)
    outside = np.abs(y) > Z95 * total
    assert list(result.flag) == ["within"] * 10 and not outside.any()


def test_binomial_limits_by_the_appendix_formula() -> None:
    # Spiegelhalter (2005) A.1.1 written out with scipy's binomial: r, F(r), F(r - 1), a.
    n, p0 = np.array([20.0, 57.0, 300.0]), 0.3
    for level in (0.001, 0.025, 0.975, 0.999):
        r = stats.binom.ppf(level, n, p0)
        f_r, f_below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
        expected = (r - (f_r - level) / (f_r - f_below)) / n
        np.testing.assert_allclose(binomial_limits(p0, n, level), expected, rtol=1e-12)


def test_proportion_limits_without_tau2_are_the_binomial_or_wilson_limits() -> None:
    result = funnel_proportions(CALM, UNITS_N, adjust="never")
    p0 = CALM.sum() / UNITS_N.sum()
    tail95, tail998 = stats.norm.sf(Z95), stats.norm.sf(Z998)
    np.testing.assert_allclose(result.lower_95, binomial_limits(p0, UNITS_N, tail95))
    np.testing.assert_allclose(result.upper_95, binomial_limits(p0, UNITS_N, 1 - tail95))
    np.testing.assert_allclose(result.lower_998, binomial_limits(p0, UNITS_N, tail998))
    np.testing.assert_allclose(result.upper_998, binomial_limits(p0, UNITS_N, 1 - tail998))
    grid = np.unique(np.round(np.linspace(40, 300, 100)))  # integer n, smallest to largest
    assert result.curves.precision.tolist() == grid.tolist()
    np.testing.assert_allclose(result.curves.lower_95, binomial_limits(p0, grid, tail95))
    np.testing.assert_allclose(result.curves.upper_998, binomial_limits(p0, grid, 1 - tail998))
    wilson = funnel_proportions(CALM, UNITS_N, adjust="never", limits="wilson", grid_points=5)
    for z, lower, upper in (
        (Z95, wilson.lower_95, wilson.upper_95),
        (Z998, wilson.lower_998, wilson.upper_998),
    ):
        np.testing.assert_allclose(lower, wilson_bounds(p0, UNITS_N, z)[0])
        np.testing.assert_allclose(upper, wilson_bounds(p0, UNITS_N, z)[1])
    assert wilson.curves.precision.tolist() == [40, 105, 170, 235, 300]
    np.testing.assert_allclose(
        wilson.curves.upper_95, wilson_bounds(p0, wilson.curves.precision, Z95)[1]
    )
    assert result.kind == "proportion" and result.precision.tolist() == UNITS_N.tolist()


def test_given_targets_and_bad_proportion_inputs() -> None:
    fixed = funnel_proportions(CALM, UNITS_N, target=0.5, adjust="never")
    assert fixed.target == 0.5
    np.testing.assert_allclose(fixed.z, (CALM / UNITS_N - 0.5) / np.sqrt(0.25 / UNITS_N))
    bad: tuple[tuple[list[int], list[int]], ...] = (
        ([1, 2], [10]),
        ([], []),
        ([-1, 2], [10, 10]),
        ([1, 2], [10, 0]),
        ([5, 0], [10, 0]),
    )
    for events, n in bad:
        with pytest.raises(ValueError):
            funnel_proportions(events, n)
    for target in (0.0, 1.0):
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            funnel_proportions(CALM, UNITS_N, target=target)
    with pytest.raises(ValueError, match="same non-zero size"):
        funnel_means([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="same non-zero size"):
        funnel_means([], [])
    with pytest.raises(ValueError, match="positive"):
        funnel_means([1.0, 2.0], [1.0, -1.0])
    single = funnel_proportions([0, 5, 1], [1, 10, 1])  # a unit of one is a unit
    assert single.value.tolist() == [0.0, 0.5, 1.0] and single.target == 0.5
    means = funnel_means([1.0, 3.0], [1.0, 1.0], grid_points=7)
    assert means.kind == "mean" and means.target == 2.0 and len(means.curves.precision) == 7


def test_means_z_scores_against_a_non_zero_target() -> None:
    y = np.array([-3.0, -1.5, -0.5, 0.0, 0.4, 1.0, 1.2, 2.0, 2.5, 4.0])
    se = np.array([1.0, 0.5, 2.0, 1.0, 1.0, 0.8, 1.5, 1.0, 0.7, 1.2])
    result = funnel_means(y, se, target=1.0, adjust="always")
    tau2 = result.overdispersion.tau2
    assert tau2 > 0 and result.target == 1.0
    np.testing.assert_allclose(result.z, (y - 1) / se)
    np.testing.assert_allclose(result.z_adjusted, (y - 1) / np.sqrt(se**2 + tau2))
    np.testing.assert_allclose(result.upper_95, 1 + Z95 * np.sqrt(se**2 + tau2))
    np.testing.assert_allclose(result.curves.lower_998[[0, -1]], 1 - Z998 * np.sqrt(
        1 / np.array([1 / 4.0, 4.0]) + tau2
    ))  # fmt: skip
