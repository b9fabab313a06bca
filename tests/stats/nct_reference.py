"""The scalar interval search the vectorised one replaced, as the tests' reference."""

from __future__ import annotations

from collections.abc import Callable

from scipy import optimize


def brentq_ncp(
    cdf: Callable[[float, int, float], float], t_obs: float, df: int, target: float
) -> float:
    """The noncentrality with ``cdf(t_obs, df, λ) = target``: step out from ``t``, then
    brentq to 1e-12 (``cdf`` falls as λ rises)."""

    def gap(ncp: float) -> float:
        return cdf(t_obs, df, ncp) - target

    step = 2.0 + abs(t_obs) / 2
    lo, hi = t_obs - step, t_obs + step
    while gap(lo) < 0:
        lo -= step
    while gap(hi) > 0:
        hi += step
    return float(optimize.brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12))
