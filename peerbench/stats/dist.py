"""The few distribution functions the statistics need, called without scipy.stats' overhead.

``scipy.stats.norm.ppf(q)`` and friends check and broadcast their arguments on every call
(about 100 µs), then call one special function. A benchmark makes thousands of such
scalar calls (a random-effects pooling per subgroup, an interval per row), so these call
the same special functions directly (about 2 µs): ``norm.ppf`` is ``ndtri``, ``norm.sf(z)``
is ``ndtr(−z)``, ``t.ppf`` is ``stdtrit``, ``t.sf(x)`` is ``stdtr(df, −x)``, ``chi2.sf`` is
``chdtrc``, ``chi2.ppf`` is ``2·gammaincinv(df/2, q)`` and the binomial's ``ppf`` and
``cdf`` are the ufuncs scipy.stats wraps (with the cdf's edges at k < 0 and k ≥ n). A test
checks each equals its scipy.stats counterpart bit for bit, so a scipy upgrade that
changes one fails it. Not importing scipy.stats also saves a cold command about a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special
from scipy.special import _ufuncs


def norm_ppf(q: Any) -> Any:
    """``scipy.stats.norm.ppf(q)``."""
    return special.ndtri(q)


def norm_sf(z: Any) -> Any:
    """``scipy.stats.norm.sf(z)``."""
    return special.ndtr(-z)


def t_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.t.ppf(q, df)`` for finite ``df > 0`` (NaN df gives NaN)."""
    return special.stdtrit(df, q)


def t_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.sf(x, df)`` for finite ``df > 0``."""
    return special.stdtr(df, -x)


def chi2_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.chi2.sf(x, df)`` (NaN where ``df ≤ 0``, as scipy.stats gives)."""
    return np.where(np.asarray(df) > 0, special.chdtrc(df, x), np.nan)


def chi2_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.chi2.ppf(q, df)`` for ``0 < q < 1`` and ``df > 0``."""
    return 2 * special.gammaincinv(np.asarray(df) / 2, q)


def binom_ppf(q: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.ppf(q, n, p)`` for ``0 < q < 1``."""
    return _ufuncs._binom_ppf(q, n, p)


def binom_cdf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.cdf(k, n, p)``."""
    whole = np.floor(k)
    with np.errstate(invalid="ignore"):
        inside = _ufuncs._binom_cdf(whole, n, p)
    return np.where(whole < 0, 0.0, np.where(whole >= n, 1.0, inside))
