"""Over-dispersion of unit z-scores and the additive random-effects variance
(Spiegelhalter 2005, Statistics in Medicine 24:1185).

``φ = (1/I)·Σ z_w²`` over winsorised z-scores (10th/90th percentiles); with no
over-dispersion ``I·φ ~ χ²_{I−1}``. ``τ² = max(0, (I·φ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ))``,
``wᵢ = 1/sᵢ²``. Rule for applying τ² (``adjust``): ``"auto"`` when the χ² test rejects
at ``alpha`` (5%), i.e. ``I·φ > χ²_{0.95, I−1}``; ``"always"`` whenever τ² > 0;
``"never"`` not at all.
"""

import dataclasses
from typing import Literal

import numpy as np
import numpy.typing as npt

from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import dist
from peerbench.stats.result import StatsResult

Adjust = Literal["auto", "always", "never"]


@dataclasses.dataclass(frozen=True)
class Overdispersion(StatsResult):
    """Spiegelhalter's over-dispersion test and additive random-effects variance.

    ``tau2_estimate`` is the moment estimate whatever the rule; ``tau2`` is the value
    applied to the limits (0 unless ``adjusted``).
    """

    units: int
    phi: float
    chi2: float
    df: int
    p_value: float
    tau2_estimate: float
    tau2: float
    adjusted: bool
    rule: str


def winsorise(z: npt.ArrayLike, fraction: float = 0.1) -> FloatArray:
    """Clip values to their ``fraction`` and ``1 − fraction`` percentiles (linear)."""
    x = np.asarray(z, dtype=np.float64)
    low, high = np.percentile(x, [100 * fraction, 100 * (1 - fraction)])
    out: FloatArray = np.clip(x, low, high)
    return out


def overdispersion(
    z: npt.ArrayLike,
    se: npt.ArrayLike,
    *,
    adjust: Adjust = "auto",
    winsor: float = 0.1,
    alpha: float = 0.05,
) -> Overdispersion:
    """Over-dispersion test and additive τ² from unit z-scores and standard errors.

    ``φ = mean(winsorise(z)²)``, test statistic ``I·φ`` on ``I − 1`` df,
    ``τ² = max(0, (I·φ − (I − 1)) / (Σw − Σw²/Σw))`` with ``w = 1/s²``; the applied τ²
    is 0 unless ``adjust`` says to use it (see module docstring). Needs ``I ≥ 2``.
    """
    zz = np.asarray(z, dtype=np.float64)
    w = 1 / np.asarray(se, dtype=np.float64) ** 2
    units = zz.size
    if units < 2:
        return Overdispersion(
            units, float("nan"), float("nan"), 0, float("nan"), 0.0, 0.0, False, adjust
        )
    phi = float(np.mean(winsorise(zz, winsor) ** 2))
    chi2 = units * phi
    p_value = float(dist.chi2_sf(chi2, units - 1))
    tau2 = max(0.0, (chi2 - (units - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
    apply = adjust == "always" or (adjust == "auto" and p_value < alpha)
    apply = apply and tau2 > 0
    return Overdispersion(
        units, phi, chi2, units - 1, p_value, tau2, tau2 if apply else 0.0, apply, adjust
    )
