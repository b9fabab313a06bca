"""Intervals for proportions (Wilson score) and for counts and rates (Byar / exact Poisson).

Both follow the conventions of OHID Fingertips / the APHO technical briefing on
commonly used public-health statistics.
"""

import dataclasses

import numpy as np
import numpy.typing as npt

from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import dist
from peerbench.stats.result import StatsResult

BYAR = "byar"
EXACT = "exact"


@dataclasses.dataclass(frozen=True)
class ProportionInterval(StatsResult):
    """Wilson score intervals, one per element of the inputs."""

    events: FloatArray
    n: FloatArray
    proportion: FloatArray
    lower: FloatArray
    upper: FloatArray
    confidence: float


@dataclasses.dataclass(frozen=True)
class RateInterval(StatsResult):
    """Intervals for Poisson counts divided by an exposure (or by 1 for bare counts)."""

    count: FloatArray
    exposure: FloatArray
    rate: FloatArray
    lower: FloatArray
    upper: FloatArray
    method: npt.NDArray[np.str_]
    confidence: float


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return float(dist.norm_ppf(0.5 + confidence / 2))


def wilson_bounds(
    proportion: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Wilson score bounds for proportion(s) ``p`` out of ``n`` at normal quantile ``z``.

    ``centre = (p + z²/(2n)) / (1 + z²/n)``;
    ``half = z/(1 + z²/n) · √(p(1 − p)/n + z²/(4n²))``; bounds ``centre ± half``.
    NaN where ``n = 0``. ``p`` need not be an observed ``x/n``: funnel plots use it
    with the target proportion to draw Wilson-based control limits.
    """
    p = np.asarray(proportion, dtype=np.float64)
    size = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = z * z / size
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / size + z2n / (4 * size))
        # At p = 0 (p = 1) the bound is exactly 0 (1); pin it against rounding noise.
        low = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))
        high = np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))
        lower: FloatArray = np.where(size > 0, low, np.nan)
        upper: FloatArray = np.where(size > 0, high, np.nan)
    return lower, upper


def wilson_interval(
    events: npt.ArrayLike, n: npt.ArrayLike, *, confidence: float = 0.95
) -> ProportionInterval:
    """Wilson score interval for ``events`` out of ``n`` (vectorised, broadcasting).

    With ``p̂ = x/n`` and ``z = Φ⁻¹(1 − α/2)`` the bounds are
    ``(p̂ + z²/(2n) ± z·√(p̂(1 − p̂)/n + z²/(4n²))) / (1 + z²/n)`` (Wilson 1927), the same
    as ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    Elements with ``n = 0`` give NaN.

    Raises:
        ValueError: if any events are negative, exceed n or are not numbers (NaN), or the
            confidence is not strictly between 0 and 1.
    """
    x = np.asarray(events, dtype=np.float64)
    size = np.asarray(n, dtype=np.float64)
    # Written so that NaN fails too: NaN compares false with everything.
    if not np.all((x >= 0) & (x <= size)):
        raise ValueError("events must lie between 0 and n")
    with np.errstate(divide="ignore", invalid="ignore"):
        p: FloatArray = np.where(size > 0, x / size, np.nan)
    lower, upper = wilson_bounds(p, size, _z(confidence))
    x, size = np.broadcast_arrays(x, size)
    return ProportionInterval(x, size, p, lower, upper, confidence)


def poisson_interval(
    count: npt.ArrayLike,
    exposure: npt.ArrayLike = 1.0,
    *,
    confidence: float = 0.95,
    byar_min: int = 10,
) -> RateInterval:
    """Interval for a Poisson count ``O`` (and the rate ``O / exposure``).

    For ``O ≥ byar_min`` Byar's approximation (Breslow & Day 1987):
    ``O_L = O·(1 − 1/(9O) − z/(3√O))³`` and
    ``O_U = (O + 1)·(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³``.
    Below it the exact interval from the chi-square quantiles:
    ``O_L = χ²_{α/2}(2O)/2`` (0 when ``O = 0``) and ``O_U = χ²_{1−α/2}(2O + 2)/2``.
    The rate bounds divide both by the exposure.

    Args:
        count: Observed counts (non-negative).
        exposure: Person-time or population; 1 gives intervals for the count itself.
        confidence: Two-sided confidence level.
        byar_min: Smallest count that uses Byar's approximation (10 in Fingertips).

    Raises:
        ValueError: if counts are negative or NaN, exposures not positive, or the
            confidence is not strictly between 0 and 1.
    """
    z = _z(confidence)
    alpha = 1 - confidence
    obs = np.asarray(count, dtype=np.float64)
    expo = np.asarray(exposure, dtype=np.float64)
    if not np.all(obs >= 0):  # NaN fails too
        raise ValueError("counts must be non-negative")
    if not np.all(expo > 0):
        raise ValueError("exposure must be positive")
    obs, expo = np.broadcast_arrays(obs, expo)
    use_byar = obs >= byar_min
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(obs > 0, obs, 1.0)
        byar_low = obs * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3
        byar_high = (obs + 1) * (1 - 1 / (9 * (obs + 1)) + z / (3 * np.sqrt(obs + 1))) ** 3
    exact_low = np.where(obs > 0, dist.chi2_ppf(alpha / 2, 2 * safe) / 2, 0.0)
    exact_high = dist.chi2_ppf(1 - alpha / 2, 2 * obs + 2) / 2
    low = np.where(use_byar, byar_low, exact_low)
    high = np.where(use_byar, byar_high, exact_high)
    method = np.where(use_byar, BYAR, EXACT)
    return RateInterval(obs, expo, obs / expo, low / expo, high / expo, method, confidence)
