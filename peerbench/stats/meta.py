"""Random-effects meta-analysis of per-unit estimates (subgroups: ``subgroups.py``).

Model ``yᵢ = μ + uᵢ + εᵢ``, ``uᵢ ~ N(0, τ²)``, ``εᵢ ~ N(0, vᵢ)`` with ``vᵢ`` known.

* Fixed-effect weights ``wᵢ = 1/vᵢ``; ``Q = Σwᵢ(yᵢ − ȳ_FE)²`` on ``k − 1`` df.
* DerSimonian–Laird: ``τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw))``.
* REML: maximise ``ℓ_R(τ²) = −½[Σlog(vᵢ + τ²) + log|XᵀW*X| + (y − Xβ̂)ᵀW*(y − Xβ̂)]``
  (``W* = diag(1/(vᵢ + τ²))``, ``X = 1`` for a single pooled mean) over τ² ≥ 0. Its
  stationary points solve the score equation ``yᵀP²y = tr P`` with
  ``P = W* − W*X(XᵀW*X)⁻¹XᵀW*`` (the equation metafor's Fisher scoring iterates on);
  we bracket every root on a grid, refine with Brent's method to 1e-14 and keep the
  highest likelihood (plain Fisher steps can oscillate near 0 or stop at a local
  maximum).
* Pooled ``μ̂ = Σwᵢ*yᵢ/Σwᵢ*``, ``SE = 1/√Σwᵢ*``; CI ``μ̂ ± z_{1−α/2}·SE`` (normal, as
  metafor's default); two-sided p from ``μ̂/SE``.
* ``I² = τ²/(τ² + s²)`` and ``H² = (τ² + s²)/s²`` with the typical within-unit variance
  ``s² = (k − 1)Σw/((Σw)² − Σw²)`` (Higgins & Thompson 2002; equals ``(Q − (k−1))/Q``
  for DL). Reported as proportions, not percentages.
* 95% prediction interval (Higgins, Thompson & Spiegelhalter 2009):
  ``μ̂ ± t_{k−2, 1−α/2}·√(τ² + SE²)``; NaN when ``k < 3``.
"""

import dataclasses
import math
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import dist
from peerbench.stats.result import StatsResult

Tau2Method = Literal["reml", "dl"]


@dataclasses.dataclass(frozen=True)
class MetaAnalysis(StatsResult):
    """A random-effects pooled estimate with heterogeneity statistics."""

    k: int
    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    tau2: float
    q: float
    q_df: int
    q_p_value: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    fixed_estimate: float
    fixed_se: float
    weights: FloatArray
    confidence: float


def validate_inputs(y: npt.ArrayLike, v: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Flatten estimates and variances to float vectors, checking they can be pooled.

    Raises:
        ValueError: on mismatched sizes, no units, non-finite values or variances ≤ 0.
    """
    yy = np.asarray(y, dtype=np.float64).ravel()
    vv = np.asarray(v, dtype=np.float64).ravel()
    if yy.shape != vv.shape or yy.size == 0:
        raise ValueError(f"y ({yy.size}) and v ({vv.size}) must be the same non-zero size")
    # Array methods: np.all's argument handling costs more than the check at this size.
    if not (np.isfinite(yy).all() and np.isfinite(vv).all() and (vv > 0).all()):
        raise ValueError("estimates must be finite and variances finite and positive")
    return yy, vv


def _ones(k: int) -> FloatArray:
    out: FloatArray = np.ones((k, 1))
    return out


def _weighted_fit(y: FloatArray, w: FloatArray, x: FloatArray) -> tuple[FloatArray, float, float]:
    """For diagonal weights ``w``: ``(P y, tr P, log|XᵀWX|)`` with
    ``P = W − WX(XᵀWX)⁻¹XᵀW``, in O(k·p²) without forming P."""
    py, trace, xtwx = _projection(y, w, x)
    return py, trace, float(np.linalg.slogdet(xtwx)[1])


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """``np.linalg.solve(a, b)``; for 1×1 systems (a pooled mean: most calls) by division.

    LAPACK solves a 1×1 system by dividing by its pivot, so the quotient is the same
    number (a test checks it bit for bit) without the solver's call overhead (about
    9 µs, most of a DL pooling's cost).
    """
    if a.shape[-1] != 1:
        return cast(FloatArray, np.linalg.solve(a, b))
    quotient: FloatArray = b / (a[..., 0] if b.ndim == a.ndim - 1 else a)
    return quotient


def _trace(m: FloatArray) -> FloatArray:
    """Trace of the last two axes; of 1×1 matrices, their one entry (the same number:
    a sum of one term), without ``np.trace``'s overhead (about 15 µs a call)."""
    if m.shape[-1] == 1:
        out: FloatArray = m[..., 0, 0]
        return out
    traced: FloatArray = np.trace(m, axis1=-2, axis2=-1)
    return traced


def _projection(
    y: FloatArray, w: FloatArray, x: FloatArray
) -> tuple[FloatArray, float, FloatArray]:
    """``(P y, tr P, XᵀWX)`` of :func:`_weighted_fit`, without the determinant (which
    only the likelihood reads: the scores and DL, called far more often, do not)."""
    wx = x * w[:, None]
    xtwx = x.T @ wx
    beta = _solve(xtwx, wx.T @ y)
    py: FloatArray = w * (y - x @ beta)
    trace = float(w.sum() - _trace(_solve(xtwx, wx.T @ wx)))
    return py, trace, xtwx


def _reml_score(y: FloatArray, v: FloatArray, x: FloatArray, tau2: float) -> float:
    """Twice the REML score, ``yᵀP²y − tr P``, at ``tau2``."""
    py, trace, _ = _projection(y, 1 / (v + tau2), x)
    return float(py @ py) - trace


def _reml_scores(y: FloatArray, v: FloatArray, x: FloatArray, taus: FloatArray) -> FloatArray:
    """:func:`_reml_score` at every ``taus`` at once (the grid of :func:`tau2_reml`).

    The same algebra batched over the grid (one ``(G, p, p)`` solve instead of ``G``
    small ones): a few hundred scores cost about as much as a handful did one by one.
    Only the signs are used, to bracket roots that Brent's method then refines with the
    scalar score, so the estimate is exactly the one-at-a-time result.
    """
    w = 1 / (v[None, :] + taus[:, None])
    wx = w[:, :, None] * x[None, :, :]
    xtwx = np.einsum("kp,gkq->gpq", x, wx)
    rhs = np.einsum("gkp,k->gp", wx, y)[:, :, None]
    cross = np.einsum("gkp,gkq->gpq", wx, wx)
    beta = _solve(xtwx, rhs)[:, :, 0]
    inner = _solve(xtwx, cross)
    py = w * (y[None, :] - beta @ x.T)
    trace = w.sum(axis=1) - _trace(inner)
    scores: FloatArray = (py * py).sum(axis=1) - trace
    return scores


def _reml_loglik(y: FloatArray, v: FloatArray, x: FloatArray, tau2: float) -> float:
    """Restricted log-likelihood up to a constant (``yᵀPy`` is the weighted RSS)."""
    w = 1 / (v + tau2)
    py, _, logdet = _weighted_fit(y, w, x)
    return -0.5 * (float(np.log(v + tau2).sum()) + logdet + float(py @ y))


def tau2_dl(y: npt.ArrayLike, v: npt.ArrayLike, x: FloatArray | None = None) -> float:
    """DerSimonian–Laird τ² (generalised to a design matrix ``x``, metafor's "DL").

    ``τ² = max(0, (Q_E − (k − p)) / tr P₀)`` with ``P₀`` the projection at
    ``W = diag(1/v)`` and ``Q_E = yᵀP₀y``; for ``x = 1`` this is
    ``(Q − (k − 1))/(Σw − Σw²/Σw)``. 0 when ``k ≤ p``.
    """
    yy, vv = validate_inputs(y, v)
    return _tau2_dl(yy, vv, _ones(yy.size) if x is None else x)


def _tau2_dl(yy: FloatArray, vv: FloatArray, design: FloatArray) -> float:
    """:func:`tau2_dl` of inputs already validated."""
    k, p = design.shape
    if k <= p:
        return 0.0
    py, trace, _ = _projection(yy, 1 / vv, design)
    return max(0.0, (float(py @ yy) - float(k - p)) / trace)


def tau2_reml(
    y: npt.ArrayLike, v: npt.ArrayLike, x: FloatArray | None = None, *, grid: int = 400
) -> float:
    """REML τ²: the global maximum of ``ℓ_R`` over τ² ≥ 0 (see module docstring).

    The likelihood can have more than one local maximum (e.g. with a few very precise
    units), so every sign change of the score on a log-spaced grid of ``grid`` points
    from 0 to well past the last positive score is refined with Brent's method, and the
    candidate (including τ² = 0) with the highest ``ℓ_R`` wins. 0 when ``k ≤ p``.

    Raises:
        RuntimeError: if no τ² with a negative score can be found to bound the search.
    """
    yy, vv = validate_inputs(y, v)
    return _tau2_reml(yy, vv, _ones(yy.size) if x is None else x, grid)


def _tau2_reml(yy: FloatArray, vv: FloatArray, design: FloatArray, grid: int = 400) -> float:
    """:func:`tau2_reml` of inputs already validated."""
    k, p = design.shape
    if k <= p:
        return 0.0

    def score(t: float) -> float:
        return _reml_score(yy, vv, design, t)

    high = max(2 * _tau2_dl(yy, vv, design), float(np.var(yy)), float(vv.max()))
    for _ in range(200):
        if score(high) < 0:
            break
        high *= 2
    else:
        raise RuntimeError("could not bound the REML estimate of tau2")
    points = np.concatenate([[0.0], np.geomspace(high * 1e-10, high * 16, grid)])
    signs = _reml_scores(yy, vv, design, points) > 0
    candidates = [0.0] + [
        float(optimize.brentq(score, points[i], points[i + 1], xtol=1e-14))
        for i in np.flatnonzero(signs[:-1] & ~signs[1:])
    ]
    best: float = max(candidates, key=lambda t: _reml_loglik(yy, vv, design, t))
    return best


def random_effects(
    y: npt.ArrayLike,
    v: npt.ArrayLike,
    *,
    method: Tau2Method = "reml",
    tau2: float | None = None,
    confidence: float = 0.95,
) -> MetaAnalysis:
    """Random-effects meta-analysis of estimates ``y`` with sampling variances ``v``.

    Args:
        y: Per-unit estimates (e.g. mean change per service).
        v: Their sampling variances (SE²), all positive.
        method: τ² estimator, ``"reml"`` (default) or ``"dl"``.
        tau2: Use this τ² instead of estimating it (method is then reported as ``"given"``).
        confidence: Level of the confidence and prediction intervals.

    Raises:
        ValueError: on mismatched, non-finite or non-positive inputs.
    """
    yy, vv = validate_inputs(y, v)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return pooled(yy, vv, method=method, tau2=tau2, confidence=confidence)


def pooled(
    yy: FloatArray,
    vv: FloatArray,
    *,
    method: Tau2Method = "reml",
    tau2: float | None = None,
    confidence: float = 0.95,
) -> MetaAnalysis:
    """:func:`random_effects` of inputs already checked (:func:`validate_inputs`, and
    ``0 < confidence < 1``): for callers pooling many parts of one checked input."""
    k = yy.size
    label: str = method
    if tau2 is None:
        t2 = _tau2_reml(yy, vv, _ones(k)) if method == "reml" else _tau2_dl(yy, vv, _ones(k))
    else:
        t2, label = float(tau2), "given"
    # Each sum once (the same numbers as summing again; pooling runs thousands of times).
    w = 1 / vv
    sum_w = w.sum()
    fixed = float(w @ yy / sum_w)
    q = float(w @ (yy - fixed) ** 2)
    w_re = 1 / (vv + t2)
    sum_re = w_re.sum()
    mu = float(w_re @ yy / sum_re)
    se = 1 / math.sqrt(float(sum_re))
    zq = float(dist.norm_ppf(0.5 + confidence / 2))
    z = mu / se
    if k > 1:
        s2 = (k - 1) * sum_w / (sum_w**2 - (w**2).sum())
        i2, h2 = t2 / (t2 + s2), (t2 + s2) / s2
        # dist.chi2_sf for df = k - 1 > 0: the special function without its df check.
        q_p = float(special.chdtrc(k - 1, q))
    else:
        i2 = h2 = q_p = math.nan
    if k >= 3:
        half = float(dist.t_ppf(0.5 + confidence / 2, k - 2)) * math.sqrt(t2 + se**2)
        pi = (mu - half, mu + half)
    else:
        pi = (math.nan, math.nan)
    return MetaAnalysis(
        k=k,
        method=label,
        estimate=mu,
        se=se,
        ci_low=mu - zq * se,
        ci_high=mu + zq * se,
        z=z,
        p_value=float(2 * dist.norm_sf(abs(z))),
        tau2=t2,
        q=q,
        q_df=k - 1,
        q_p_value=q_p,
        i2=float(i2),
        h2=float(h2),
        pi_low=pi[0],
        pi_high=pi[1],
        fixed_estimate=fixed,
        fixed_se=1 / math.sqrt(float(sum_w)),
        weights=w_re / sum_re,
        confidence=confidence,
    )
