"""peerbench.stats.dist equals scipy.stats bit for bit, edge cases included."""

from __future__ import annotations

import numpy as np
from scipy import stats

from peerbench.stats import dist

RNG = np.random.default_rng(20261206)
Q = np.concatenate([RNG.uniform(0, 1, 500), [0.0, 0.5, 0.975, 0.999, 1.0]])
X = np.concatenate([RNG.normal(0, 6, 500), [0.0, np.inf, -np.inf, np.nan, 40.0]])
DF = np.concatenate([RNG.integers(1, 2000, 500).astype(float), [0.0, -1.0, np.nan, np.inf, 1e9]])


def _same(a: object, b: object) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_each_function_is_its_scipy_stats_counterpart() -> None:
    _same(dist.norm_ppf(Q), stats.norm.ppf(Q))
    _same(dist.norm_sf(X), stats.norm.sf(X))
    _same(dist.t_ppf(Q, DF), stats.t.ppf(Q, DF))
    _same(dist.t_sf(X, DF), stats.t.sf(X, DF))
    _same(dist.chi2_sf(np.abs(X), DF), stats.chi2.sf(np.abs(X), DF))


def test_scalars_as_the_statistics_call_them() -> None:
    assert float(dist.t_ppf(0.975, 9)) == float(stats.t.ppf(0.975, 9))
    assert float(dist.chi2_sf(3.2, 0)) != float(dist.chi2_sf(3.2, 0))  # NaN, as scipy.stats
    assert float(dist.norm_ppf(0.975)) == float(stats.norm.ppf(0.975))


def test_chi_squared_quantiles_and_the_binomial() -> None:
    inner = Q[(Q > 0) & (Q < 1)]
    df = RNG.uniform(0.5, 300, inner.size)
    _same(dist.chi2_ppf(inner, df), stats.chi2.ppf(inner, df))
    n = RNG.integers(1, 5000, inner.size).astype(float)
    p = RNG.uniform(0.001, 0.999, inner.size)
    _same(dist.binom_ppf(inner, n, p), stats.binom.ppf(inner, n, p))
    k = np.concatenate(
        [RNG.integers(-2, 5000, inner.size - 4).astype(float), [-1.5, 0.0, 2.7, 1e4]]
    )
    _same(dist.binom_cdf(k, n, p), stats.binom.cdf(k, n, p))  # k < 0 and k >= n included
