"""Case-mix adjustment against an independently built statsmodels formula model."""

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from peerbench.stats import CaseMixResult, casemix_adjust, category_labels


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
