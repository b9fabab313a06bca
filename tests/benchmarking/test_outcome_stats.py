"""The outcome rows' effect sizes, computed for all rows at once, equal the scalar formulas."""

import numpy as np
import pandas as pd
import pytest

from peerbench.benchmarking.outcome_stats import _effects
from peerbench.stats import (
    cohens_dz_from_summary,
    hedges_g_change_from_summary,
    mean_change_from_summary,
)


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    size = 200
    frame = pd.DataFrame(
        {
            "n_paired": rng.integers(0, 5_000, size).astype(float),
            "mean_change": rng.normal(2, 4, size),
            "sd_change": rng.uniform(0.5, 9, size),
            "sd_pair_baseline": rng.uniform(0.5, 9, size),
            "r": rng.uniform(-1, 1, size),
        }
    )
    # Edges: too few pairs, missing or zero SDs, missing r, NaN counts, one pair short.
    frame.loc[:9, "n_paired"] = [0, 1, 2, 3, 4, 9, 10, np.nan, 10, 10]
    frame.loc[10:14, "sd_change"] = [0.0, np.nan, np.inf, 0.0, 1.0]
    frame.loc[15:19, "sd_pair_baseline"] = [0.0, np.nan, -1.0, 2.0, 2.0]
    frame.loc[18:19, "r"] = [np.nan, 1.0]
    frame.loc[20, "mean_change"] = np.nan
    frame.loc[21:23, "mean_change"] = 0.0
    return frame


def _expected(row: pd.Series, min_n: int) -> dict[str, float]:
    n = 0 if np.isnan(row["n_paired"]) else int(row["n_paired"])
    mean, sd = row["mean_change"], row["sd_change"]
    if n < max(min_n, 3) or not np.isfinite(mean) or not np.isfinite(sd):
        return {}
    change = mean_change_from_summary(n, mean, sd)
    out = {"change_ci_low": change.ci_low, "change_ci_high": change.ci_high}
    if sd > 0:
        dz = cohens_dz_from_summary(n, mean, sd)
        out |= {"d_z": dz.estimate, "d_z_ci_low": dz.ci_low, "d_z_ci_high": dz.ci_high}
    sd0, r = row["sd_pair_baseline"], row["r"]
    if np.isfinite(sd0) and sd0 > 0 and np.isfinite(r):
        g = hedges_g_change_from_summary(n, mean, sd0, r)
        out |= {"hedges_g": g.estimate, "g_ci_low": g.ci_low, "g_ci_high": g.ci_high}
    return out


@pytest.mark.parametrize("min_n", [3, 10])
def test_effects_equal_the_scalar_functions_row_by_row(min_n: int) -> None:
    frame = _frame()
    values, masks = _effects(frame, min_n)
    assert values.keys() == masks.keys()
    effects = [{k: float(values[k][i]) for k in values if masks[k][i]} for i in range(len(frame))]
    computed = 0
    for (_, row), got in zip(frame.iterrows(), effects, strict=True):
        want = _expected(row, min_n)
        assert got.keys() == want.keys()
        for field, value in want.items():
            assert type(got[field]) is float
            if field in ("d_z_ci_low", "d_z_ci_high"):  # one root search for every row
                assert got[field] == pytest.approx(value, rel=1e-11, abs=1e-11)
            else:  # the same floating-point operations: bit for bit
                assert got[field] == value
        computed += bool(want)
    assert computed > 150


def test_effects_of_a_frame_without_moments_or_rows() -> None:
    frame = pd.DataFrame({"n_paired": [20.0], "mean_change": [1.5], "sd_change": [3.0]})
    _, masks = _effects(frame, 10)
    assert {k for k, m in masks.items() if m[0]} == {
        "change_ci_low",
        "change_ci_high",
        "d_z",
        "d_z_ci_low",
        "d_z_ci_high",
    }
    empty, none = _effects(frame.iloc[:0], 10)
    assert all(len(v) == 0 for v in empty.values()) and all(len(m) == 0 for m in none.values())
