"""Case-mix rows per comparison: the covariates labelled once equal a fit per comparison."""

import warnings

import numpy as np
import pandas as pd

from peerbench.benchmarking.casemix import casemix
from peerbench.stats import casemix_adjust


def _pairs(seed: int = 6, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "instrument": rng.choice(np.array(["A", "B"]), n),
            "period": "all",
            "timepoint": rng.choice(np.array(["end", "month_3"]), n),
            "change": rng.normal(2, 4, n),
            "baseline_score": rng.integers(10, 40, n).astype(float),
            "service_id": rng.choice(np.array([f"s{i}" for i in range(8)]), n),
            "age_band": rng.choice(np.array(["18_24", "25_34", "65+", ""], dtype=object), n),
            "sex": pd.Series(rng.choice(np.array(["female", "male", None]), n), dtype="str"),
            "deprivation_decile": rng.choice([1.0, 4.0, 9.0, np.nan], n),
        }
    )
    frame.loc[frame["instrument"] == "B", "service_id"] = "s1"  # one service: not fitted
    frame.loc[[3, 9], "change"] = np.nan
    frame.loc[7, "service_id"] = None
    return frame


def test_rows_equal_a_fit_per_comparison() -> None:
    frame = _pairs()
    fits, coefficients, services = casemix(frame, min_n=50)
    assert {(f.instrument, f.timepoint) for f in fits} == {("A", "end"), ("A", "month_3")}
    for fit in fits:
        rows = frame[
            (frame["instrument"] == fit.instrument)
            & (frame["timepoint"] == fit.timepoint)
            & frame["change"].notna()
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            direct = casemix_adjust(
                rows["change"].to_numpy(),
                rows["baseline_score"].to_numpy(),
                rows["age_band"].to_numpy(dtype=object),
                rows["sex"].to_numpy(dtype=object),
                rows["deprivation_decile"].to_numpy(dtype=object),
                rows["service_id"].to_numpy(dtype=object),
            )
        assert fit.n == direct.model.n and fit.r2 == direct.model.r2
        ours = [
            c
            for c in coefficients
            if (c.instrument, c.timepoint) == (fit.instrument, fit.timepoint)
        ]
        assert [c.estimate for c in ours] == list(direct.model.coefficients)
        assert [c.term for c in ours] == list(direct.model.coefficient_names)
        mine = [
            s for s in services if (s.instrument, s.timepoint) == (fit.instrument, fit.timepoint)
        ]
        assert [s.service_id for s in mine] == list(direct.service)
        published = [s.o_minus_e for s in mine if (s.n or 0) >= 50]
        assert published == [e for e, n in zip(direct.o_minus_e, direct.n, strict=True) if n >= 50]


def test_a_comparison_whose_covariates_cannot_be_separated_is_not_fitted() -> None:
    frame = _pairs()
    same = frame["timepoint"] == "end"
    # Sex determined by age band there: their dummies are collinear, nothing identified.
    frame.loc[same, "sex"] = frame.loc[same, "age_band"].map(
        {"18_24": "female", "25_34": "male", "65+": "female", "": "male"}
    )
    frame.loc[same, "age_band"] = frame.loc[same, "sex"]
    fits, _, _ = casemix(frame, min_n=50)
    assert {(f.instrument, f.timepoint) for f in fits} == {("A", "month_3")}
