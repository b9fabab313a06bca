"""Case-mix adjustment against an independently built statsmodels formula model."""

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from peerbench.stats import CaseMixResult, casemix_adjust, category_labels
from peerbench.stats.casemix import RankDeficientError, _compressed, _r_factor, ols
from peerbench.stats.casemix_design import _levels


def participants(seed: int = 11, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "service": rng.choice(["S1", "S2", "S3", "S4", "S5"], n),
            "age_band": rng.choice(["18-24", "25-34", "35-49", "50-64", "65+"], n),
            "sex": rng.choice(np.array(["F", "M", None], dtype=object), n, p=[0.5, 0.4, 0.1]),
            "deprivation": rng.choice(np.r_[np.arange(1.0, 11.0), np.nan], n),
            "baseline": rng.normal(40, 8, n),
        }
    )
    effect = frame["service"].map({"S1": 0.0, "S2": 1.5, "S3": -1.0, "S4": 0.0, "S5": 3.0})
    frame["change"] = (
        10
        - 0.2 * frame["baseline"]
        + (frame["age_band"] == "65+") * 1.2
        + frame["deprivation"].fillna(5) * -0.3
        + effect
        + rng.normal(0, 4, n)
    )
    frame.loc[3, "change"] = np.nan
    return frame


def run(
    frame: pd.DataFrame, se_method: str = "residual", cluster_robust: bool = False
) -> CaseMixResult:
    return casemix_adjust(
        frame["change"].to_numpy(),
        frame["baseline"].to_numpy(),
        frame["age_band"].to_numpy(),
        frame["sex"].to_numpy(),
        frame["deprivation"].to_numpy(),
        frame["service"].to_numpy(),
        se_method=se_method,
        cluster_robust=cluster_robust,
    )


def reference_fit(frame: pd.DataFrame, **fit_kwargs: Any) -> tuple[pd.DataFrame, Any]:
    data = frame.dropna(subset=["change", "baseline"]).copy()
    data["sex"] = data["sex"].fillna("missing")
    data["deprivation"] = data["deprivation"].map(
        lambda x: "missing" if pd.isna(x) else str(int(x))
    )
    refs = {c: data[c].value_counts().idxmax() for c in ("age_band", "sex", "deprivation")}
    formula = "change ~ baseline + " + " + ".join(
        f"C({c}, Treatment(reference='{r}'))" for c, r in refs.items()
    )
    fit = smf.ols(formula, data).fit(**fit_kwargs)
    data["fitted"] = fit.fittedvalues
    return data, fit


def test_matches_statsmodels_formula_model() -> None:
    frame = participants()
    result = run(frame)
    data, fit = reference_fit(frame)
    model = result.model
    assert model.n == len(data) and model.n_dropped == 1
    assert model.r2 == pytest.approx(fit.rsquared, abs=1e-10)
    assert model.coefficients[1] == pytest.approx(fit.params["baseline"])
    by_service = data.groupby("service").agg(
        n=("change", "size"), observed=("change", "mean"), expected=("fitted", "mean")
    )
    np.testing.assert_array_equal(result.service, by_service.index)
    np.testing.assert_allclose(result.expected, by_service["expected"])
    np.testing.assert_allclose(result.observed, by_service["observed"])
    sigma = np.sqrt(fit.scale)
    np.testing.assert_allclose(result.se, sigma / np.sqrt(by_service["n"]))
    t = stats.t.ppf(0.975, fit.df_resid)
    np.testing.assert_allclose(result.ci_high - result.o_minus_e, t * result.se)
    assert "sex[missing]" in model.coefficient_names
    json.dumps(result.to_dict(), allow_nan=False)


def test_service_effects_are_recovered_relative_to_each_other() -> None:
    result = run(participants(seed=5, n=4000))
    oe = dict(zip(result.service, result.o_minus_e, strict=True))
    assert oe["S5"] - oe["S3"] == pytest.approx(4.0, abs=0.8)
    assert oe["S5"] > oe["S2"] > oe["S1"] > oe["S3"]


def test_within_service_se_and_cluster_robust_coefficients() -> None:
    frame = participants()
    result = run(frame, se_method="within_service", cluster_robust=True)
    data, fit = reference_fit(
        frame, cov_type="cluster", cov_kwds={"groups": pd.factorize(
            frame.dropna(subset=["change", "baseline"])["service"])[0]}
    )  # fmt: skip
    data["resid"] = data["change"] - data["fitted"]
    spread = data.groupby("service")["resid"].agg(["std", "size"])
    np.testing.assert_allclose(result.se, spread["std"] / np.sqrt(spread["size"]))
    model = result.model
    assert model.cov_type == "cluster(service)"
    assert model.std_errors[1] == pytest.approx(fit.bse["baseline"])


def test_category_labels_and_validation() -> None:
    assert list(category_labels(np.array([1.0, np.nan, 3.0]))) == ["1", "missing", "3"]
    assert list(category_labels(np.array(["a", None, ""], dtype=object))) == [
        "a", "missing", "missing"
    ]  # fmt: skip
    with pytest.raises(ValueError, match="se_method"):
        run(participants(), se_method="bootstrap")


def _design(rng: np.random.Generator, n: int, p: int, *, scores: bool = False) -> np.ndarray:
    """Constant, baseline and p − 2 dummies; ``scores``: whole-number baselines (rows repeat)."""
    dummies = (rng.integers(0, p, n)[:, None] == np.arange(1, p - 1)[None, :]).astype(float)
    baseline = rng.integers(0, 28, n).astype(float) if scores else rng.normal(40, 8, n)
    return np.column_stack([np.ones(n), baseline, dummies])


@pytest.mark.parametrize(
    ("seed", "n", "p", "scores"),
    [(1, 30, 4, False), (2, 500, 8, False), (3, 20_000, 22, False), (4, 20_000, 22, True)],
)
def test_ols_equals_statsmodels_ols(seed: int, n: int, p: int, scores: bool) -> None:
    from statsmodels.regression.linear_model import OLS

    rng = np.random.default_rng(seed)
    design = _design(rng, n, p, scores=scores)
    y = design @ rng.normal(0, 2, p) + rng.normal(0, 3, n)
    merged = _compressed(y, design).shape[0]
    assert merged < n / 10 if scores else merged == n  # repeated rows are merged
    ours, theirs = ols(y, design), OLS(y, design).fit()
    for name in ("params", "bse", "pvalues", "fittedvalues"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=1e-9, atol=1e-12
        )
    for name in ("df_resid", "rsquared", "rsquared_adj"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("scores", [False, True])
def test_a_rank_deficient_design_warns_as_statsmodels_does(scores: bool) -> None:
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    rng = np.random.default_rng(5)
    design = _design(rng, 400, 6, scores=scores)
    design = np.column_stack([design, design[:, 2] + 2 * design[:, 3]])  # not identified
    y = rng.normal(0, 1, 400)
    with pytest.warns(SingularMatrixWarning):
        theirs = OLS(y, design).fit()
    with pytest.warns(SingularMatrixWarning):
        ours = ols(y, design)
    assert ours.df_resid == theirs.df_resid == 400 - 6
    # The minimum-norm solution, as statsmodels' pseudo-inverse gives.
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.fittedvalues, theirs.fittedvalues, rtol=1e-9, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ols(y, design[:, :-1])  # the same design without the redundant column: no warning
        with pytest.raises(RankDeficientError):  # asked for identified coefficients only
            ols(y, design, identified=True)


def test_casemix_adjust_equals_the_statsmodels_fit_it_replaced() -> None:
    from statsmodels.regression.linear_model import OLS

    frame = participants(seed=4, n=3000)
    result = run(frame)
    keep = frame["change"].notna()
    y = frame.loc[keep, "change"].to_numpy()
    # The model's own design, rebuilt from its coefficient names.
    parts = [np.ones(y.size), frame.loc[keep, "baseline"].to_numpy()]
    for name in result.model.coefficient_names[2:]:
        key, level = name[:-1].split("[", 1)
        labels = category_labels(frame.loc[keep, key].to_numpy())
        parts.append((labels == level).astype(float))
    theirs = OLS(y, np.column_stack(parts)).fit()
    np.testing.assert_allclose(result.model.coefficients, theirs.params, rtol=1e-9)
    np.testing.assert_allclose(result.model.std_errors, theirs.bse, rtol=1e-9)
    np.testing.assert_allclose(result.model.p_values, theirs.pvalues, rtol=1e-9, atol=1e-300)
    assert result.model.r2 == pytest.approx(theirs.rsquared, rel=1e-9)
    assert result.model.adj_r2 == pytest.approx(theirs.rsquared_adj, rel=1e-9)
    assert result.model.df_resid == round(theirs.df_resid)
    expected = (
        np.bincount(
            np.unique(frame.loc[keep, "service"], return_inverse=True)[1],
            weights=theirs.fittedvalues,
        )
        / result.n
    )
    np.testing.assert_allclose(result.expected, expected, rtol=1e-9)


def test_r_factor_by_cholesky_qr_or_householder() -> None:
    rng = np.random.default_rng(8)
    matrix = np.column_stack([_design(rng, 5000, 12, scores=True), rng.normal(0, 3, 5000)])
    r = _r_factor(matrix)  # well conditioned: Cholesky QR twice
    householder = np.linalg.qr(matrix, mode="r")
    np.testing.assert_array_equal(r, np.triu(r))
    np.testing.assert_allclose(np.abs(r), np.abs(householder), rtol=1e-10, atol=1e-9)
    deficient = np.column_stack([matrix, matrix[:, 2] - matrix[:, 3]])
    np.testing.assert_array_equal(_r_factor(deficient), np.linalg.qr(deficient, mode="r"))


def _labels_one_by_one(codes: np.ndarray) -> np.ndarray:
    """category_labels of an object column as first written: every value printed."""
    missing = np.asarray(pd.isna(codes), dtype=bool)
    text = codes.astype(str)
    return np.where(missing | (text == ""), "missing", text)


@pytest.mark.parametrize(
    "values",
    [
        ["F", "M", None, "", np.nan, "F", "X"],
        [3, 1, 3, 10, None],
        [3.0, 1.5, np.nan, 10.0, 3.0],
        [0.0, -0.0, 1.0, np.nan],  # equal, printed differently: one by one
        [1, 1.0, True, "1", None],  # mixed: one by one
        [None, np.nan],
        [],
    ],
)
def test_object_labels_by_value_equal_labels_one_by_one(values: list[Any]) -> None:
    codes = np.array(values, dtype=object)
    np.testing.assert_array_equal(category_labels(codes), _labels_one_by_one(codes))
    for keep in (np.ones(codes.size, dtype=bool), np.arange(codes.size) % 2 == 0):
        levels, index = _levels(codes, keep)
        expected = np.unique(_labels_one_by_one(codes)[keep], return_inverse=True)
        np.testing.assert_array_equal(levels, expected[0])
        np.testing.assert_array_equal(index, expected[1])


@pytest.mark.parametrize("dtype", [object, np.float64, "U3"])
def test_levels_of_a_large_column_equal_unique_labels(dtype: Any) -> None:
    rng = np.random.default_rng(9)
    values = rng.choice(np.array([1, 2, 3, 7, 10, np.nan], dtype=object), 5000)
    codes = values.astype(str).astype(dtype) if dtype == "U3" else values.astype(dtype)
    keep = rng.random(5000) < 0.7
    levels, index = _levels(codes, keep)
    expected = np.unique(category_labels(codes)[keep], return_inverse=True)
    np.testing.assert_array_equal(levels, expected[0])
    np.testing.assert_array_equal(index, expected[1])
