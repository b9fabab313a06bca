"""Paired (before/after) change: mean change, Cohen's d_z and Hedges' g with intervals.

Every function here assumes changes are already oriented so that a positive value is an
improvement; :func:`orient_change` does that from an instrument's direction.
"""

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from peerbench.schema.instruments.components import Direction
from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import dist
from peerbench.stats.nct import dz_intervals, nct_cdf_array
from peerbench.stats.result import StatsResult


@dataclasses.dataclass(frozen=True)
class MeanChange(StatsResult):
    """Mean paired change with a t-based confidence interval."""

    n: int
    mean: float
    sd: float
    se: float
    df: int
    ci_low: float
    ci_high: float
    confidence: float


@dataclasses.dataclass(frozen=True)
class EffectSize(StatsResult):
    """A standardised effect size with its interval and the method that produced it."""

    name: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    ci_method: str
    confidence: float


def improvement_sign(direction: Direction | str) -> float:
    """``+1.0`` when higher scores are better, ``-1.0`` when higher scores are worse.

    Raises:
        ValueError: if the direction is ``none`` (no change can be called improvement).
    """
    d = Direction(direction)
    if d is Direction.NONE:
        raise ValueError("direction 'none' has no improvement: changes cannot be oriented")
    return 1.0 if d is Direction.HIGHER_IS_BETTER else -1.0


def orient_change(
    baseline: npt.ArrayLike, follow_up: npt.ArrayLike, direction: Direction | str
) -> FloatArray:
    """Change oriented so that positive means improvement.

    ``gain = (follow_up − baseline)`` when higher is better, ``(baseline − follow_up)``
    when higher is worse. NaN wherever either score is missing.

    Raises:
        ValueError: if the arrays differ in shape or the direction is ``none``.
    """
    before = np.asarray(baseline, dtype=np.float64)
    after = np.asarray(follow_up, dtype=np.float64)
    if before.shape != after.shape:
        raise ValueError(f"baseline has shape {before.shape} but follow_up has {after.shape}")
    out: FloatArray = improvement_sign(direction) * (after - before)
    return out


def _finite(values: npt.ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=np.float64).ravel()
    out: FloatArray = x[np.isfinite(x)]
    return out


def mean_change_from_summary(
    n: int, mean_diff: float, sd_diff: float, *, confidence: float = 0.95
) -> MeanChange:
    """Mean change and its t interval from summary statistics of the paired differences.

    ``SE = sd_diff / √n``; interval ``mean_diff ± t_{1−α/2, n−1} · SE`` (the interval of
    the paired t-test, identical to ``scipy.stats.ttest_rel(...).confidence_interval()``).

    Args:
        n: Number of pairs (at least 2).
        mean_diff: Mean of the differences.
        sd_diff: Sample standard deviation (ddof=1) of the differences.
        confidence: Two-sided confidence level.

    Raises:
        ValueError: if ``n < 2``, ``sd_diff < 0`` or the confidence is outside (0, 1).
    """
    if n < 2:
        raise ValueError(f"need at least 2 pairs, got {n}")
    if not sd_diff >= 0:
        raise ValueError(f"sd_diff must be non-negative, got {sd_diff}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    se = sd_diff / math.sqrt(n)
    half = float(dist.t_ppf(0.5 + confidence / 2, n - 1)) * se
    return MeanChange(
        n, mean_diff, sd_diff, se, n - 1, mean_diff - half, mean_diff + half, confidence
    )


def mean_change(differences: npt.ArrayLike, *, confidence: float = 0.95) -> MeanChange:
    """Mean change and its t interval from per-person paired differences (NaN dropped).

    See :func:`mean_change_from_summary` for the formula.
    """
    d = _finite(differences)
    sd = float(np.std(d, ddof=1)) if d.size >= 2 else math.nan
    return mean_change_from_summary(
        d.size, float(np.mean(d)) if d.size else math.nan, sd, confidence=confidence
    )


def nct_cdf(t: float, df: int, ncp: float) -> float:
    """``scipy.stats.nct.cdf(t, df, ncp)`` for finite ``t`` and ``df > 0``, fast and never NaN.

    One value of :func:`peerbench.stats.nct.nct_cdf_array` (``scipy.special.nctdtr``
    called directly, the normal approximation where it is NaN far in a tail).
    """
    return float(nct_cdf_array(t, df, ncp))


def cohens_dz_from_summary(
    n: int, mean_diff: float, sd_diff: float, *, confidence: float = 0.95
) -> EffectSize:
    """Cohen's d_z for paired data, with an exact noncentral-t interval.

    ``d_z = mean_diff / sd_diff``. Since ``t = d_z·√n`` follows a noncentral t with
    ``n − 1`` df and noncentrality ``δ·√n``, the interval inverts that distribution
    (Steiger & Fouladi 1997): find ``λ_L`` with ``F_nct(t; n−1, λ_L) = 1 − α/2`` and
    ``λ_U`` with ``F_nct(t; n−1, λ_U) = α/2``; the interval is ``[λ_L/√n, λ_U/√n]``.
    One row of :func:`peerbench.stats.nct.dz_intervals` (many rows: call that once).

    Raises:
        ValueError: if ``n < 2`` or ``sd_diff`` is not positive.
    """
    if n < 2:
        raise ValueError(f"need at least 2 pairs, got {n}")
    if not sd_diff > 0:
        raise ValueError(f"sd_diff must be positive, got {sd_diff}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    d = mean_diff / sd_diff
    low, high = dz_intervals(n, d, confidence)
    return EffectSize("cohens_dz", d, float(low), float(high), n, "noncentral_t", confidence)


def cohens_dz(differences: npt.ArrayLike, *, confidence: float = 0.95) -> EffectSize:
    """Cohen's d_z from per-person paired differences (NaN dropped); see
    :func:`cohens_dz_from_summary`."""
    d = _finite(differences)
    if d.size < 2:
        raise ValueError(f"need at least 2 pairs, got {d.size}")
    return cohens_dz_from_summary(
        d.size, float(np.mean(d)), float(np.std(d, ddof=1)), confidence=confidence
    )


def hedges_correction(n: int) -> float:
    """Small-sample correction ``J = 1 − 3 / (4(n − 1) − 1)`` (Hedges 1981 approximation)."""
    return 1 - 3 / (4 * (n - 1) - 1)


def hedges_g_change_from_summary(
    n: int,
    mean_change: float,
    sd_baseline: float,
    correlation: float,
    *,
    confidence: float = 0.95,
) -> EffectSize:
    """Hedges' g for a pre-post change standardised by the baseline SD (metafor "SMCR").

    ``g = J · mean_change / SD_baseline`` with ``J = 1 − 3/(4(n−1) − 1)``. Its large-sample
    variance (Becker 1988; metafor ``escalc(measure="SMCR")``) is
    ``v = 2(1 − r)/n + g²/(2n)``, ``r`` the baseline/follow-up correlation; the interval
    is the normal approximation ``g ± z_{1−α/2}·√v``.

    Standardising by the baseline SD (not the SD of change) keeps g on the scale of
    between-person differences, comparable with two-group effect sizes.

    Raises:
        ValueError: if ``n < 3``, ``sd_baseline`` is not positive or ``r`` not in [−1, 1].
    """
    if n < 3:
        raise ValueError(f"need at least 3 pairs, got {n}")
    if not sd_baseline > 0:
        raise ValueError(f"sd_baseline must be positive, got {sd_baseline}")
    if not -1 <= correlation <= 1:
        raise ValueError(f"correlation must be in [-1, 1], got {correlation}")
    g = hedges_correction(n) * mean_change / sd_baseline
    v = 2 * (1 - correlation) / n + g**2 / (2 * n)
    half = float(dist.norm_ppf(0.5 + confidence / 2)) * math.sqrt(v)
    return EffectSize("hedges_g_baseline_sd", g, g - half, g + half, n, "normal", confidence)


def hedges_g_change(
    baseline: npt.ArrayLike,
    follow_up: npt.ArrayLike,
    direction: Direction | str,
    *,
    confidence: float = 0.95,
) -> EffectSize:
    """Hedges' g (baseline-SD version) from per-person scores; pairs with a NaN are dropped.

    The change is oriented by ``direction`` (positive = improvement); ``SD_baseline`` uses
    ddof=1 and ``r`` is the Pearson correlation of the complete pairs. See
    :func:`hedges_g_change_from_summary` for the formula.
    """
    gain = orient_change(baseline, follow_up, direction).ravel()
    before = np.asarray(baseline, dtype=np.float64).ravel()
    after = np.asarray(follow_up, dtype=np.float64).ravel()
    keep = np.isfinite(gain)
    if keep.sum() < 3:
        raise ValueError(f"need at least 3 complete pairs, got {int(keep.sum())}")
    sd_before = float(np.std(before[keep], ddof=1))
    if sd_before == 0 or np.std(after[keep]) == 0:
        raise ValueError("baseline and follow-up must both vary to standardise the change")
    r = float(np.corrcoef(before[keep], after[keep])[0, 1])
    return hedges_g_change_from_summary(
        int(keep.sum()), float(np.mean(gain[keep])), sd_before, r, confidence=confidence
    )
