"""Paired change and effect sizes, checked against scipy and hand-computed formulas."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from peerbench.stats import (
    cohens_dz,
    cohens_dz_from_summary,
    hedges_correction,
    hedges_g_change,
    hedges_g_change_from_summary,
    improvement_sign,
    mean_change,
    mean_change_from_summary,
    orient_change,
)
from tests.stats.nct_reference import brentq_ncp


def test_mean_change_matches_scipy_ttest_rel() -> None:
    rng = np.random.default_rng(1)
    before = rng.normal(50, 10, 40)
    after = before + rng.normal(3, 6, 40)
    result = mean_change(after - before)
    ci = stats.ttest_rel(after, before).confidence_interval()
    assert result.ci_low == pytest.approx(ci.low, abs=1e-10)
    assert result.ci_high == pytest.approx(ci.high, abs=1e-10)
    assert result.df == 39
    assert result.se == pytest.approx(stats.sem(after - before))


def test_mean_change_from_summary_equals_raw_and_drops_nan() -> None:
    diffs = np.array([1.0, 4.0, -2.0, 3.0, np.nan, 5.0])
    raw = mean_change(diffs)
    finite = diffs[~np.isnan(diffs)]
    summary = mean_change_from_summary(5, float(finite.mean()), float(finite.std(ddof=1)))
    assert raw == summary
    assert raw.n == 5


def test_mean_change_rejects_single_pair() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        mean_change([1.0])


def test_cohens_dz_interval_inverts_noncentral_t() -> None:
    result = cohens_dz_from_summary(25, 3.0, 6.0)
    assert result.estimate == 0.5
    t_obs, root_n = 0.5 * 5, 5.0
    # At the bounds the observed t sits at the 97.5% / 2.5% point of the noncentral t.
    assert stats.nct.sf(t_obs, 24, result.ci_low * root_n) == pytest.approx(0.025, abs=1e-9)
    assert stats.nct.cdf(t_obs, 24, result.ci_high * root_n) == pytest.approx(0.025, abs=1e-9)
    assert result.ci_method == "noncentral_t"


def test_cohens_dz_large_n_agrees_with_normal_approximation() -> None:
    # Var(d_z) ≈ 1/n + d²/(2n) for large n.
    n, d = 4000, 0.4
    result = cohens_dz_from_summary(n, d, 1.0)
    half = 1.959964 * math.sqrt(1 / n + d**2 / (2 * n))
    assert result.ci_low == pytest.approx(d - half, abs=2e-3)
    assert result.ci_high == pytest.approx(d + half, abs=2e-3)


def test_cohens_dz_from_raw_differences() -> None:
    diffs = np.array([2.0, 3.0, 1.0, 5.0, 4.0])
    result = cohens_dz(diffs)
    assert result.estimate == pytest.approx(3.0 / float(np.std(diffs, ddof=1)))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=500),
    mean=st.floats(min_value=-20, max_value=20),
    sd=st.floats(min_value=0.5, max_value=20),
)
def test_intervals_contain_estimates(n: int, mean: float, sd: float) -> None:
    dz = cohens_dz_from_summary(n, mean, sd)
    assert dz.ci_low <= dz.estimate <= dz.ci_high
    mc = mean_change_from_summary(n, mean, sd)
    assert mc.ci_low <= mean <= mc.ci_high


def test_hedges_correction_formula() -> None:
    assert hedges_correction(10) == pytest.approx(1 - 3 / 35)
    assert hedges_correction(1000) == pytest.approx(1, abs=1e-3)


def test_hedges_g_baseline_sd_by_hand() -> None:
    # metafor escalc("SMCR") with vtype "LS": g = J·m/sd1, v = 2(1 − r)/n + g²/(2n).
    result = hedges_g_change_from_summary(20, 4.0, 8.0, 0.6)
    j = 1 - 3 / (4 * 19 - 1)
    g = j * 0.5
    v = 2 * 0.4 / 20 + g**2 / 40
    assert result.estimate == pytest.approx(g)
    assert result.ci_low == pytest.approx(g - stats.norm.ppf(0.975) * math.sqrt(v))
    assert result.ci_high == pytest.approx(g + stats.norm.ppf(0.975) * math.sqrt(v))


def test_hedges_g_from_scores_orients_by_direction() -> None:
    before = np.array([20.0, 15.0, 18.0, 12.0, 22.0, np.nan])
    after = np.array([12.0, 10.0, 15.0, 11.0, 14.0, 3.0])
    worse = hedges_g_change(before, after, "higher_is_worse")
    complete_before, complete_after = before[:5], after[:5]
    expected = hedges_g_change_from_summary(
        5,
        float(np.mean(complete_before - complete_after)),
        float(np.std(complete_before, ddof=1)),
        float(np.corrcoef(complete_before, complete_after)[0, 1]),
    )
    assert worse == expected
    assert worse.estimate > 0
    assert hedges_g_change(before, after, "higher_is_better").estimate == -worse.estimate


def test_orient_change_and_sign() -> None:
    assert improvement_sign("higher_is_better") == 1.0
    assert improvement_sign("higher_is_worse") == -1.0
    np.testing.assert_array_equal(orient_change([10, 8], [6, 9], "higher_is_worse"), [4, -1])
    with pytest.raises(ValueError, match="none"):
        improvement_sign("none")
    with pytest.raises(ValueError, match="shape"):
        orient_change([1, 2], [1], "higher_is_better")


def test_to_dict_is_plain() -> None:
    assert cohens_dz_from_summary(10, 1.0, 2.0).to_dict()["name"] == "cohens_dz"
    assert isinstance(mean_change([1.0, 2.0, 4.0]).to_dict()["ci_low"], float)


def _old_nct_ncp(t_obs: float, df: int, target: float) -> float:
    """The interval search as it was, through ``scipy.stats.nct.cdf`` (the slow path)."""
    return brentq_ncp(lambda t, df, ncp: float(stats.nct.cdf(t, df, ncp)), t_obs, df, target)


@pytest.mark.parametrize(
    ("n", "mean", "sd"),
    [(3, 1.0, 2.0), (10, 2.5, 3.1), (40, -1.2, 4.0), (250, 0.4, 1.0), (5000, 3.0, 6.0)],
)
def test_cohens_dz_interval_equals_the_scipy_nct_cdf_search(n: int, mean: float, sd: float) -> None:
    result = cohens_dz_from_summary(n, mean, sd)
    t_obs, root_n, alpha = mean / sd * math.sqrt(n), math.sqrt(n), 1 - 0.95
    # The search is now vectorised (peerbench.stats.nct): the same roots to ~1e-12.
    low = _old_nct_ncp(t_obs, n - 1, 1 - alpha / 2) / root_n
    assert result.ci_low == pytest.approx(low, rel=1e-11, abs=1e-11)
    high = _old_nct_ncp(t_obs, n - 1, alpha / 2) / root_n
    assert result.ci_high == pytest.approx(high, rel=1e-11, abs=1e-11)


def test_nct_cdf_is_scipy_nct_cdf_where_that_is_defined_and_never_nan() -> None:
    from peerbench.stats.paired import nct_cdf

    for df in (2, 30, 1_000, 100_000):
        for t in (-8.0, 0.5, 5.0, 20.0, 50.0):
            for ncp in np.linspace(t - 40, t + 40, 81):
                expected = float(stats.nct.cdf(t, df, ncp))
                value = nct_cdf(t, df, float(ncp))
                assert not math.isnan(value)
                if not math.isnan(expected):
                    assert value == expected


def test_cohens_dz_very_large_n_does_not_fail() -> None:
    # 88,356 pairs, d = 0.1705 (t ≈ 50.7): scipy's nct.cdf is NaN inside the old search's
    # bracket, which made brentq raise on a 10M-row benchmark.
    n, d = 88_356, 0.17050647016197074
    with pytest.raises(ValueError, match="NaN"):
        _old_nct_ncp(d * math.sqrt(n), n - 1, 0.975)
    result = cohens_dz_from_summary(n, d, 1.0)
    se = math.sqrt(1 / n + d**2 / (2 * n))  # the large-sample normal interval
    assert result.ci_low == pytest.approx(d - 1.959964 * se, abs=1e-4)
    assert result.ci_high == pytest.approx(d + 1.959964 * se, abs=1e-4)
