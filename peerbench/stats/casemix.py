"""Case-mix adjusted comparison of services: observed versus expected mean change.

Model, fitted by OLS across all participants of one instrument and timepoint::

    change ~ 1 + baseline + C(age_band) + C(sex) + C(deprivation)

Categorical covariates use treatment (dummy) coding with the most frequent level as the
reference; a missing value (None, NaN or "") is its own level ``"missing"``, so nobody
is dropped for a missing covariate. Rows with a missing change or baseline are dropped.

Per service j: ``O_j`` = mean observed change, ``E_j`` = mean fitted value of its
participants, ``O_j − E_j`` = mean residual, and the case-mix adjusted mean change is
``ȳ + (O_j − E_j)`` (indirect standardisation, ``ȳ`` the overall mean change).
Standard error of ``O_j − E_j`` (``se_method``):

* ``"residual"`` (default): ``σ̂/√n_j`` with ``σ̂² = RSS/(N − p)``; interval uses
  ``t_{N−p}``. This ignores the (small) uncertainty in the fitted coefficients, as
  NHS PROMs provider comparisons do.
* ``"within_service"``: ``SD(residuals in j)/√n_j`` with ``t_{n_j−1}``; robust to
  services whose spread differs from the pooled residual SD (NaN when ``n_j < 2``).

``cluster_robust=True`` makes the reported coefficient standard errors cluster-robust
by service (statsmodels ``cov_type="cluster"``); it does not change the service SEs.
"""

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import linalg

from peerbench.schema.instruments.item_matrix import FloatArray, IntArray
from peerbench.stats import dist
from peerbench.stats.blas_threads import one_blas_thread
from peerbench.stats.casemix_design import (
    Coded,
    Distinct,
    Factor,
    design_matrix,
    distinct_rows,
    encode,
    key_weights,
)
from peerbench.stats.casemix_design import category_labels as category_labels  # re-exported
from peerbench.stats.result import StatsResult

FORMULA = "change ~ 1 + baseline + C(age_band) + C(sex) + C(deprivation)"
RANK_DEFICIENT = (
    "The design matrix is rank-deficient. The model parameters are not uniquely determined."
)
"""statsmodels' ``SingularMatrixWarning`` message, as :func:`ols` warns it."""


class RankDeficientError(ValueError):
    """A rank-deficient design where the caller asked for identified coefficients only."""


_COND_LIMIT = 1e6  # Cholesky QR (twice) is used below this condition number


@dataclasses.dataclass(frozen=True)
class CaseMixModel(StatsResult):
    """The fitted pooled model, enough to state it in SPEC.md."""

    formula: str
    n: int
    n_dropped: int
    coefficient_names: tuple[str, ...]
    coefficients: FloatArray
    std_errors: FloatArray
    p_values: FloatArray
    reference_levels: dict[str, str]
    r2: float
    adj_r2: float
    residual_sd: float
    df_resid: int
    cov_type: str


@dataclasses.dataclass(frozen=True)
class CaseMixResult(StatsResult):
    """Observed, expected and observed − expected mean change per service."""

    model: CaseMixModel
    service: npt.NDArray[np.str_]
    n: IntArray
    observed: FloatArray
    expected: FloatArray
    o_minus_e: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    adjusted_mean: FloatArray
    se_method: str
    confidence: float


@dataclasses.dataclass(frozen=True)
class _Fit:
    """What the case-mix model needs from an OLS fit (statsmodels' attribute names)."""

    params: FloatArray
    bse: FloatArray
    pvalues: FloatArray
    fittedvalues: FloatArray
    df_resid: float
    rsquared: float
    rsquared_adj: float


def _compressed(y: FloatArray, design: FloatArray, distinct: Distinct | None = None) -> FloatArray:
    """``[X | y]`` with equal rows of X merged: one row ``√c·[x | ȳ]`` per distinct x.

    ``c`` rows sharing x contribute ``c·xxᵀ`` to XᵀX and ``x·Σy`` to Xᵀy; the merged row
    ``[√c·x | Σy/√c]`` contributes exactly that, so the least-squares normal equations,
    the singular values of X and its rank are unchanged (residuals are taken from the
    full data). Rows are matched by a fixed generic projection, then checked equal; if
    the check fails, nothing is merged. ``distinct``: the rows already matched
    (:func:`~peerbench.stats.casemix_design.distinct_rows`; None: match them here).
    """
    if distinct is None:
        key = np.zeros(design.shape[0])
        for j, weight in enumerate(key_weights(design.shape[1])):  # equal rows, equal keys
            key += design[:, j] * weight
        _, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        if not np.array_equal(design[first][inverse], design):
            first = np.arange(y.size)
    else:
        first, inverse, counts = distinct
    if first.size == y.size:
        return np.column_stack([design, y])
    root = np.sqrt(counts)
    sums = np.bincount(inverse, weights=y, minlength=first.size)
    return np.column_stack([design[first] * root[:, None], sums / root])


def _r_factor(matrix: FloatArray) -> FloatArray:
    """R of ``matrix = QR`` (Q not formed).

    Cholesky QR twice (two small Gram matrices by matrix products, far faster than
    Householder on a tall, narrow matrix) when the matrix is well conditioned (2-norm
    condition number under 10⁶, where the result is accurate to rounding); otherwise,
    e.g. for a rank-deficient design, Householder QR.
    """
    try:
        first = np.linalg.cholesky(matrix.T @ matrix).T
        q = linalg.solve_triangular(first, matrix.T, trans="T").T  # matrix · first⁻¹
        r: FloatArray = np.linalg.cholesky(q.T @ q).T @ first
        if np.linalg.cond(r) < _COND_LIMIT:
            return r
    except np.linalg.LinAlgError:
        pass  # not positive definite: rank-deficient or nearly so
    return np.asarray(np.linalg.qr(matrix, mode="r"), dtype=np.float64)


def ols(
    y: FloatArray,
    design: FloatArray,
    distinct: Distinct | None = None,
    *,
    identified: bool = False,
) -> _Fit:
    """Ordinary least squares with a constant column, as statsmodels ``OLS(y, X).fit()``.

    statsmodels takes the SVD of the N × p design and builds its p × N pseudo-inverse;
    here one QR of ``[X | y]`` (:func:`_r_factor`: R and Qᵀy, Q never formed) reduces the
    problem to p × p, whose SVD has the design's singular values. From there the same
    rules: singular values below ``1e-15 × largest`` are dropped from the
    pseudo-inverse, the rank is ``numpy.linalg.matrix_rank`` of their diagonal, a
    rank-deficient design raises statsmodels' ``SingularMatrixWarning`` (its
    coefficients are not identified; with ``identified``, :class:`RankDeficientError`
    instead), ``df_resid = N − rank``, standard errors from
    ``σ̂²(XᵀX)⁺`` and two-sided t p-values. Equal to statsmodels within rounding
    (tested to 1e-9). Participants sharing a design row (a baseline score and the
    same covariates) are first merged into one weighted row (:func:`_compressed`), so
    the QR is over the distinct rows, not N (``distinct``: those rows, if known).
    """
    p = design.shape[1]
    r = _r_factor(_compressed(y, design, distinct))
    u, s, vt = np.linalg.svd(r[:p, :p])
    rank = int(np.linalg.matrix_rank(np.diag(s)))
    if rank < p:
        if identified:  # raised, not warned: no warning filter (statsmodels' reorder them)
            raise RankDeficientError(RANK_DEFICIENT)
        from statsmodels.tools.sm_exceptions import SingularMatrixWarning

        warnings.warn(RANK_DEFICIENT, SingularMatrixWarning, stacklevel=2)
    inverse = np.zeros_like(s)
    kept = s > 1e-15 * s.max()
    inverse[kept] = 1.0 / s[kept]
    pinv = vt.T @ (inverse[:, None] * u.T)  # R⁺
    params: FloatArray = pinv @ r[:p, p]
    fitted: FloatArray = design @ params
    resid = y - fitted
    df_resid = float(y.size - rank)
    ssr = float(resid @ resid)
    bse: FloatArray = np.sqrt(np.diag(pinv @ pinv.T) * (ssr / df_resid))
    with np.errstate(divide="ignore", invalid="ignore"):
        pvalues: FloatArray = 2 * dist.t_sf(np.abs(params / bse), df_resid)
    centred = y - y.mean()
    r2 = 1.0 - ssr / float(centred @ centred)
    adj = 1.0 - (y.size - 1) / df_resid * (1.0 - r2)
    return _Fit(params, bse, pvalues, fitted, df_resid, r2, adj)


def casemix_adjust(
    change: npt.ArrayLike,
    baseline: npt.ArrayLike,
    age_band: npt.ArrayLike,
    sex: npt.ArrayLike,
    deprivation: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    se_method: str = "residual",
    cluster_robust: bool = False,
    confidence: float = 0.95,
) -> CaseMixResult:
    """Fit the pooled case-mix model and compare each service's observed and expected change.

    Args:
        change: Oriented change per participant (positive = improvement).
        baseline: Baseline score per participant.
        age_band: Age-band code per participant (any dtype; missing allowed).
        sex: Sex code per participant.
        deprivation: Deprivation decile per participant (treated as categorical).
        service: Service identifier per participant.
        se_method: ``"residual"`` or ``"within_service"`` (see module docstring).
        cluster_robust: Report coefficient SEs clustered by service.
        confidence: Level of the observed − expected intervals.

    Raises:
        ValueError: on mismatched lengths, an unknown ``se_method`` or too few rows.
    """
    y = np.asarray(change, dtype=np.float64).ravel()
    x0 = np.asarray(baseline, dtype=np.float64).ravel()
    columns = {"age_band": age_band, "sex": sex, "deprivation": deprivation, "service": service}
    if any(np.size(a) != y.size for a in [x0, *columns.values()]):
        raise ValueError("all inputs must have one value per participant")
    coded = {k: encode(v) for k, v in columns.items()}
    return casemix_adjust_coded(
        y,
        x0,
        coded,
        se_method=se_method,
        cluster_robust=cluster_robust,
        confidence=confidence,
    )


def casemix_adjust_coded(
    change: FloatArray,
    baseline: FloatArray,
    columns: Mapping[str, Coded],
    *,
    se_method: str = "residual",
    cluster_robust: bool = False,
    confidence: float = 0.95,
    identified: bool = False,
) -> CaseMixResult:
    """:func:`casemix_adjust` of categorical columns already coded.

    ``columns`` maps ``age_band``, ``sex``, ``deprivation`` and ``service`` to their
    :func:`~peerbench.stats.casemix_design.encode` (limited to these participants), so
    that many fits on parts of one table label each column once. ``identified``: raise
    :class:`RankDeficientError` (a ``ValueError``) for a model whose coefficients are
    not identified, instead of warning (the model-based fit only).
    """
    if se_method not in ("residual", "within_service"):
        raise ValueError(f"se_method must be 'residual' or 'within_service', got {se_method!r}")
    if any(c.codes.size != change.size for c in columns.values()) or (baseline.size != change.size):
        raise ValueError("all inputs must have one value per participant")
    keep = np.isfinite(change) & np.isfinite(baseline)
    y, x0 = change[keep], baseline[keep]
    factors = [Factor.of(k, columns[k].take(keep)) for k in ("age_band", "sex", "deprivation")]
    names = ["const", "baseline", *(n for f in factors for n in f.dummy_names)]
    references = {f.name: str(f.levels[f.reference]) for f in factors}
    if y.size <= len(names):
        raise ValueError(f"{y.size} complete rows cannot fit {len(names)} coefficients")
    design = design_matrix(x0, factors)
    services, unit = columns["service"].take(keep).levels()
    fit: Any
    if cluster_robust:
        # Imported here: statsmodels takes ~1.5 s to import and only this path needs it.
        from statsmodels.regression.linear_model import OLS

        fit = OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": unit})
    else:
        with one_blas_thread():  # mid-sized products: threads cost more than they save
            fit = ols(y, design, distinct_rows(x0, factors), identified=identified)
    fitted = np.asarray(fit.fittedvalues, dtype=np.float64)
    resid = y - fitted
    n = np.bincount(unit).astype(np.int64)
    observed = np.bincount(unit, weights=y) / n
    expected = np.bincount(unit, weights=fitted) / n
    o_minus_e = observed - expected
    df_resid = round(float(fit.df_resid))
    residual_sd = float(np.sqrt(resid @ resid / df_resid))
    if se_method == "residual":
        se = residual_sd / np.sqrt(n)
        crit = np.full(n.shape, float(dist.t_ppf(0.5 + confidence / 2, df_resid)))
    else:
        centred = resid - o_minus_e[unit]
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.bincount(unit, weights=centred**2) / (n - 1)
            se = np.sqrt(var / n)
        crit = dist.t_ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan))
    fitted_model = CaseMixModel(
        formula=FORMULA,
        n=int(y.size),
        n_dropped=int((~keep).sum()),
        coefficient_names=tuple(names),
        coefficients=np.asarray(fit.params, dtype=np.float64),
        std_errors=np.asarray(fit.bse, dtype=np.float64),
        p_values=np.asarray(fit.pvalues, dtype=np.float64),
        reference_levels=references,
        r2=float(fit.rsquared),
        adj_r2=float(fit.rsquared_adj),
        residual_sd=residual_sd,
        df_resid=df_resid,
        cov_type="cluster(service)" if cluster_robust else "nonrobust",
    )
    return CaseMixResult(
        fitted_model,
        services,
        n,
        observed,
        expected,
        o_minus_e,
        se,
        o_minus_e - crit * se,
        o_minus_e + crit * se,
        float(y.mean()) + o_minus_e,
        se_method,
        confidence,
    )
