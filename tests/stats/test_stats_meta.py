"""Random-effects meta-analysis against statsmodels, an independent REML fit and metafor.

Published worked example: the BCG vaccine trials (Colditz et al. 1994), metafor's
``dat.bcg``, log risk ratios from ``escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos,
di=cneg)``. metafor (Viechtbauer 2010, J Stat Softw 36(3)) reports:

* ``rma(yi, vi, method="REML")``: τ² = 0.3132, estimate −0.7145, SE 0.1798,
  CI −1.0669 to −0.3622, I² = 92.22%, H² = 12.86, Q(12) = 152.2330;
* ``rma(yi, vi, method="DL")``: τ² = 0.3088, estimate −0.7141;
* ``rma(yi, vi, mods = ~ factor(alloc))`` (REML): residual τ² = 0.3615,
  QM(df = 2) = 1.7675, p = 0.4132.

The values below were recomputed here and agree to the printed digits.
"""

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from peerbench.stats import random_effects, subgroup_analysis, tau2_dl, tau2_reml

BCG = np.array(
    [
        [4, 119, 11, 128],
        [6, 300, 29, 274],
        [3, 228, 11, 209],
        [62, 13536, 248, 12619],
        [33, 5036, 47, 5761],
        [180, 1361, 372, 1079],
        [8, 2537, 10, 619],
        [505, 87886, 499, 87892],
        [29, 7470, 45, 7232],
        [17, 1699, 65, 1600],
        [186, 50448, 141, 27197],
        [5, 2493, 3, 2338],
        [27, 16886, 29, 17825],
    ],
    dtype=np.float64,
)
ALLOC = ["random"] * 4 + ["alternate"] * 2 + ["random"] * 3 + ["systematic"] * 4
A, B, C, D = BCG.T
Y = np.log(A / (A + B)) - np.log(C / (C + D))
V = 1 / A - 1 / (A + B) + 1 / C - 1 / (C + D)


def independent_reml(
    y: npt.NDArray[np.float64], v: npt.NDArray[np.float64], x: npt.NDArray[np.float64]
) -> float:
    """Maximise the restricted log-likelihood directly (no Fisher scoring)."""

    def negative(tau2: float) -> float:
        w = 1 / (v + tau2)
        xtwx = x.T @ (x * w[:, None])
        beta = np.linalg.solve(xtwx, x.T @ (w * y))
        resid = y - x @ beta
        return 0.5 * float(
            np.sum(np.log(v + tau2)) + np.linalg.slogdet(xtwx)[1] + resid @ (w * resid)
        )

    # Global search: a dense log grid, then a bounded refinement around the best point.
    grid = np.concatenate([[0.0], np.geomspace(1e-8, 50, 2000)])
    best = int(np.argmin([negative(float(t)) for t in grid]))
    if best == 0:
        return 0.0
    fit = optimize.minimize_scalar(
        negative,
        bounds=(grid[best - 1], grid[best + 1]),
        method="bounded",
        options={"xatol": 1e-13},
    )
    return float(fit.x)


def test_bcg_reml_matches_metafor() -> None:
    res = random_effects(Y, V)
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.se == pytest.approx(0.1798, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)
    assert res.i2 == pytest.approx(0.9222, abs=5e-5)
    assert res.h2 == pytest.approx(12.86, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-4)
    assert res.q_df == 12


def test_bcg_dl_matches_metafor_and_statsmodels() -> None:
    res = random_effects(Y, V, method="dl")
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert res.estimate == pytest.approx(-0.7141, abs=5e-5)
    sm = combine_effects(Y, V, method_re="dl")
    assert res.tau2 == pytest.approx(sm.tau2, abs=1e-10)
    assert res.estimate == pytest.approx(sm.mean_effect_re, abs=1e-10)
    assert res.se == pytest.approx(sm.sd_eff_w_re, abs=1e-10)
    assert res.q == pytest.approx(sm.q, abs=1e-8)
    assert res.i2 == pytest.approx(sm.i2, abs=1e-10)
    assert res.fixed_estimate == pytest.approx(sm.mean_effect_fe, abs=1e-10)


def test_bcg_reml_matches_independent_likelihood_maximisation() -> None:
    assert tau2_reml(Y, V) == pytest.approx(independent_reml(Y, V, np.ones((13, 1))), abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=25), st.integers(min_value=0, max_value=10_000))
def test_dl_and_reml_agree_with_references_on_random_data(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 1.0, k)
    y = rng.normal(0, np.sqrt(v + rng.choice([0.0, 0.05, 0.2, 1.0])))
    with np.errstate(invalid="ignore"):  # statsmodels takes sqrt of its untruncated tau2
        sm = combine_effects(y, v, method_re="dl")
    # statsmodels does not truncate the DL moment estimate at 0; metafor and we do.
    assert tau2_dl(y, v) == pytest.approx(max(0.0, sm.tau2), abs=1e-9)
    if sm.tau2 >= 0:
        assert random_effects(y, v, method="dl").estimate == pytest.approx(sm.mean_effect_re)
    assert tau2_reml(y, v) == pytest.approx(independent_reml(y, v, np.ones((k, 1))), abs=1e-6)


def test_reml_takes_the_global_maximum_of_a_bimodal_likelihood() -> None:
    # Found by a sweep: the score is negative at 0 (a local maximum there) but the
    # global maximum is at tau2 ≈ 0.37; plain Fisher scoring from DL = 0 stops at 0.
    rng = np.random.default_rng(630)
    k = int(rng.integers(2, 30))
    v = rng.uniform(0.01, 1, k)
    y = rng.normal(0, np.sqrt(v + rng.choice([0, 0.05, 0.2, 1.0])))
    reference = independent_reml(y, v, np.ones((k, 1)))
    assert reference == pytest.approx(0.37, abs=0.01)
    assert tau2_reml(y, v) == pytest.approx(reference, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(min_value=0.01, max_value=5), min_size=2, max_size=20),
    st.floats(min_value=-5, max_value=5),
)
def test_identical_estimates_have_zero_tau2(v: list[float], value: float) -> None:
    for method in ("dl", "reml"):
        res = random_effects([value] * len(v), v, method=method)
        assert res.tau2 == 0
        assert res.i2 == 0
        assert res.estimate == pytest.approx(value)


def test_prediction_interval_uses_t_with_k_minus_2_df() -> None:
    res = random_effects(Y, V)
    half = stats.t.ppf(0.975, 11) * math.sqrt(res.tau2 + res.se**2)
    assert (res.pi_low, res.pi_high) == pytest.approx((res.estimate - half, res.estimate + half))
    two = random_effects([0.1, 0.3], [0.01, 0.02])
    assert math.isnan(two.pi_low)
    assert two.to_dict()["pi_low"] is None


def test_subgroups_common_tau2_matches_metafor_moderator_model() -> None:
    res = subgroup_analysis(Y, V, ALLOC, common_tau2=True)
    assert res.groups == ("alternate", "random", "systematic")
    assert res.results[0].tau2 == pytest.approx(0.3615, abs=5e-5)
    assert res.q_between == pytest.approx(1.7675, abs=5e-5)
    assert res.p_between == pytest.approx(0.4132, abs=5e-5)
    assert res.df_between == 2
    groups = np.unique(ALLOC, return_inverse=True)[1]
    design = (groups[:, None] == np.arange(3)).astype(np.float64)
    assert res.results[1].tau2 == pytest.approx(independent_reml(Y, V, design), abs=1e-6)


def test_subgroups_separate_tau2_q_between_matches_statsmodels() -> None:
    res = subgroup_analysis(Y, V, ALLOC, method="dl")
    labels = np.asarray(ALLOC)
    for name, group in zip(res.groups, res.results, strict=True):
        sm = combine_effects(Y[labels == name], V[labels == name], method_re="dl")
        assert group.estimate == pytest.approx(sm.mean_effect_re, abs=1e-10)
        assert group.tau2 == pytest.approx(sm.tau2, abs=1e-10)
    mu = np.array([g.estimate for g in res.results])
    se2 = np.array([g.se for g in res.results]) ** 2
    between = combine_effects(mu, se2, method_re="dl")
    assert res.q_between == pytest.approx(between.q, abs=1e-9)
    assert res.p_between == pytest.approx(stats.chi2.sf(between.q, 2))
    assert res.tau2_mode == "separate"


def test_meta_input_validation() -> None:
    with pytest.raises(ValueError):
        random_effects([1.0, 2.0], [0.1, 0.0])
    with pytest.raises(ValueError):
        subgroup_analysis([1.0, 2.0], [0.1, 0.1], ["a", "a"])
    single = random_effects([0.5], [0.1])
    assert single.tau2 == 0 and math.isnan(single.i2)


def _projection_by_solver(
    y: npt.NDArray[np.float64], w: npt.NDArray[np.float64], x: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    """``(P y, tr P)`` through LAPACK's solver and np.trace, as before the 1×1 shortcut."""
    wx = x * w[:, None]
    xtwx = x.T @ wx
    beta = np.linalg.solve(xtwx, wx.T @ y)
    trace = float(w.sum() - np.trace(np.linalg.solve(xtwx, wx.T @ wx)))
    return w * (y - x @ beta), trace


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=10_000))
def test_one_column_shortcuts_give_the_solvers_numbers_bit_for_bit(k: int, seed: int) -> None:
    """A pooled mean's 1×1 systems are divided, not solved: the same floats, since
    LAPACK divides by the pivot (a BLAS that did otherwise would fail this)."""
    from peerbench.stats import dist
    from peerbench.stats.meta import _projection, _reml_scores, _solve, _trace

    rng = np.random.default_rng(seed)
    y = rng.normal(size=k) * 10 ** rng.uniform(-3, 3)
    v = np.exp(rng.uniform(-12, 4, k))
    a = np.exp(rng.uniform(-30, 30, (7, 1, 1)))
    b = rng.normal(size=(7, 1, 1)) * np.exp(rng.uniform(-30, 30, (7, 1, 1)))
    assert _solve(a, b).tobytes() == np.linalg.solve(a, b).tobytes()
    assert _solve(a[0], b[0, 0]).tobytes() == np.linalg.solve(a[0], b[0, 0]).tobytes()
    assert _trace(b).tobytes() == np.trace(b, axis1=1, axis2=2).tobytes()
    ones = np.ones((k, 1))
    py, trace = _projection(y, 1 / v, ones)[:2]
    want_py, want_trace = _projection_by_solver(y, 1 / v, ones)
    assert py.tobytes() == want_py.tobytes() and trace == want_trace
    taus = np.concatenate([[0.0], np.geomspace(1e-6, 10.0, 9)])
    scores = _reml_scores(y, v, ones, taus)
    w = 1 / (v[None, :] + taus[:, None])
    wx = w[:, :, None] * ones[None, :, :]
    xtwx = np.einsum("kp,gkq->gpq", ones, wx)
    beta = np.linalg.solve(xtwx, np.einsum("gkp,k->gp", wx, y)[:, :, None])[:, :, 0]
    rest = w * (y[None, :] - beta @ ones.T)
    inner = np.linalg.solve(xtwx, np.einsum("gkp,gkq->gpq", wx, wx))
    trace_p = w.sum(axis=1) - np.trace(inner, axis1=1, axis2=2)
    assert scores.tobytes() == ((rest * rest).sum(axis=1) - trace_p).tobytes()
    fit = random_effects(y, v, method="dl")
    if k > 1:
        assert fit.q_p_value == float(dist.chi2_sf(fit.q, k - 1))
