"""Subgroup meta-analysis: random-effects estimates per subgroup and a test of difference."""

import dataclasses

import numpy as np
import numpy.typing as npt

from peerbench.stats import dist
from peerbench.stats.meta import (
    MetaAnalysis,
    Tau2Method,
    pooled,
    tau2_dl,
    tau2_reml,
    validate_inputs,
)
from peerbench.stats.result import StatsResult


@dataclasses.dataclass(frozen=True)
class SubgroupAnalysis(StatsResult):
    """Per-subgroup random-effects estimates and the test for subgroup differences."""

    groups: tuple[str, ...]
    results: tuple[MetaAnalysis, ...]
    tau2_mode: str
    q_between: float
    df_between: int
    p_between: float


def subgroup_analysis(
    y: npt.ArrayLike,
    v: npt.ArrayLike,
    groups: npt.ArrayLike,
    *,
    method: Tau2Method = "reml",
    common_tau2: bool = False,
    confidence: float = 0.95,
) -> SubgroupAnalysis:
    """Random-effects estimates per subgroup and a test of subgroup differences.

    ``common_tau2=False`` (default, as RevMan and R ``meta``): τ² is estimated separately
    in each subgroup. ``common_tau2=True``: one τ² from the mixed-effects model with a
    mean per subgroup (design matrix of group indicators; REML or generalised DL), the
    same as metafor's ``rma(yi, vi, mods = ~ group)``.

    The test is ``Q_between = Σ_g (μ̂_g − μ̄)²/SE_g²``, ``μ̄ = Σ(μ̂_g/SE_g²)/Σ(1/SE_g²)``,
    on ``G − 1`` df (χ² p-value); with a common τ² it equals metafor's ``QM``.

    Args:
        y: Per-unit estimates.
        v: Their sampling variances.
        groups: Subgroup label of each unit (compared as strings, reported sorted).
        method: τ² estimator.
        common_tau2: Share one τ² across subgroups.
        confidence: Interval level.

    Raises:
        ValueError: if ``groups`` does not match ``y``, there are fewer than 2 groups, or
            on inputs :func:`~peerbench.stats.meta.random_effects` refuses.
    """
    yy, vv = validate_inputs(y, v)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    labels = np.asarray(groups).astype(str).ravel()
    if labels.shape != yy.shape:
        raise ValueError(f"groups has {labels.size} labels for {yy.size} estimates")
    names, index = np.unique(labels, return_inverse=True)
    if names.size < 2:
        raise ValueError("subgroup analysis needs at least 2 groups")
    shared: float | None = None
    if common_tau2:
        design = (index[:, None] == np.arange(names.size)[None, :]).astype(np.float64)
        shared = tau2_reml(yy, vv, design) if method == "reml" else tau2_dl(yy, vv, design)
    # Each subgroup's part of the checked input: pooled without checking it again.
    results = tuple(
        pooled(yy[index == g], vv[index == g], method=method, tau2=shared, confidence=confidence)
        for g in range(names.size)
    )
    mu = np.array([r.estimate for r in results])
    w = 1 / np.array([r.se for r in results]) ** 2
    q_between = float(w @ (mu - w @ mu / w.sum()) ** 2)
    df = names.size - 1
    return SubgroupAnalysis(
        tuple(str(n) for n in names),
        results,
        "common" if common_tau2 else "separate",
        q_between,
        df,
        float(dist.chi2_sf(q_between, df)),
    )
