"""The vectorised noncentral-t roots equal the scalar brentq search and scipy's nct."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from peerbench.stats.nct import dz_intervals, ncp_roots, nct_cdf_array
from peerbench.stats.paired import nct_cdf
from tests.stats.nct_reference import brentq_ncp

NS = (2, 3, 10, 30, 250, 20_000, 1_000_000)
DS = (0.0, 1e-9, 0.05, -0.3, 0.17050647016197074, 1.0, -2.5, 20.0, -300.0)


def _brentq_ncp(t_obs: float, df: int, target: float) -> float:
    """The scalar search the batch replaced."""
    return brentq_ncp(nct_cdf, t_obs, df, target)


def _scalar_interval(n: int, d: float) -> tuple[float, float]:
    t_obs, root_n = d * math.sqrt(n), math.sqrt(n)
    return _brentq_ncp(t_obs, n - 1, 0.975) / root_n, _brentq_ncp(t_obs, n - 1, 0.025) / root_n


def _assert_close(batch: float, scalar: float, d: float) -> None:
    # Both searches stop within 1e-12·(1 + |λ|) of the root, λ ≈ d·√n: 1e-10 on d's scale.
    assert abs(batch - scalar) <= 1e-10 * (1 + abs(d))


def test_batch_equals_the_scalar_brentq_search_over_a_grid_with_extremes() -> None:
    n, d = (a.ravel() for a in np.meshgrid(np.array(NS, float), np.array(DS)))
    low, high = dz_intervals(n, d)
    for ni, di, lo, hi in zip(n, d, low, high, strict=True):
        old_low, old_high = _scalar_interval(int(ni), float(di))
        _assert_close(lo, old_low, di)
        _assert_close(hi, old_high, di)
        assert lo <= di <= hi


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    n=st.integers(min_value=2, max_value=1_000_000),
    d=st.floats(min_value=-50, max_value=50, allow_nan=False),
)
def test_batch_equals_the_scalar_search_for_any_row(n: int, d: float) -> None:
    (low,), (high,) = dz_intervals([n], [d])
    old_low, old_high = _scalar_interval(n, d)
    _assert_close(low, old_low, d)
    _assert_close(high, old_high, d)


def test_the_roots_are_where_scipy_nct_cdf_meets_the_targets() -> None:
    for n in (2, 5, 40, 1_000, 100_000):
        for d in (0.0, 0.4, -1.5, 6.0):
            t_obs = d * math.sqrt(n)
            for target in (0.975, 0.025, 0.5):
                ncp = float(ncp_roots(t_obs, n - 1, target))
                value = float(stats.nct.cdf(t_obs, n - 1, ncp))
                # The cdf's slope at the root is at most ~0.4/√(1 + t²/(2ν)).
                assert value == pytest.approx(target, abs=1e-11 * (1 + abs(ncp)))


def test_a_row_where_nctdtr_is_nan_near_the_root_uses_the_normal_approximation() -> None:
    # 88,356 pairs, d = 0.1705 (t ≈ 50.7): scipy's nct.cdf is NaN next to the root.
    n, d = 88_356, 0.17050647016197074
    (low,), (high,) = dz_intervals([n], [d])
    se = math.sqrt(1 / n + d**2 / (2 * n))  # the large-sample normal interval
    assert low == pytest.approx(d - 1.959964 * se, abs=1e-4)
    assert high == pytest.approx(d + 1.959964 * se, abs=1e-4)


def test_few_df_and_a_huge_t_find_the_cdf_root_not_the_approximations() -> None:
    # With 1 df the normal approximation (used where nctdtr is NaN) crosses 0.975 and
    # 0.025 far from the cdf's roots; the batch must not stop at those crossings.
    for d in (50.0, -300.0):
        (low,), (high,) = dz_intervals([2], [d])
        old_low, old_high = _scalar_interval(2, d)
        _assert_close(low, old_low, d)
        _assert_close(high, old_high, d)


def test_repeated_rows_shape_and_empty_input() -> None:
    n = np.array([[10, 10], [40, 10]])
    d = np.array([[0.5, 0.5], [0.5, 0.5]])
    low, high = dz_intervals(n, d, confidence=0.9)
    assert low.shape == high.shape == (2, 2)
    assert low[0, 0] == low[0, 1] == low[1, 1] != low[1, 0]
    t_obs = 0.5 * math.sqrt(10)
    assert low[0, 0] == pytest.approx(_brentq_ncp(t_obs, 9, 0.95) / math.sqrt(10), abs=1e-11)
    empty_low, empty_high = dz_intervals([], [])
    assert empty_low.size == empty_high.size == 0


def test_nct_cdf_array_is_scipy_where_defined_and_never_nan() -> None:
    t, df, ncp = np.meshgrid(
        [-8.0, 0.5, 20.0, 50.0], [1, 2, 1_000, 100_000], np.linspace(-40, 90, 27)
    )
    value = nct_cdf_array(t, df, ncp)
    expected = stats.nct.cdf(t, df, ncp)
    assert not np.isnan(value).any()
    defined = ~np.isnan(expected)
    np.testing.assert_array_equal(value[defined], expected[defined])
    assert nct_cdf(20.0, 1_000, 52.0) == float(nct_cdf_array(20.0, 1_000, 52.0))
