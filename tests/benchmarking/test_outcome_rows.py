"""Outcome rows, built column by column, follow the per-row rules exactly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from peerbench.benchmarking.outcome_stats import (
    BELOW_MIN_N,
    EFFECT_FIELDS,
    STATISTIC_N,
    _effects,
    _shares,
    outcome_rows,
    pair_moments,
)
from peerbench.benchmarking.rows import OutcomeRow, PooledOutcomeRow

KEYS = ["service_id", "instrument", "period", "timepoint"]


def _summary(size: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n_baseline = rng.integers(0, 60, size)
    n_paired = np.minimum(n_baseline, rng.integers(0, 40, size))
    n_paired[:4] = [0, 1, 2, 2]  # no pairs (missing statistics), one or two pairs
    improved = np.floor(n_paired * rng.uniform(0, 0.6, size))
    cases = np.floor(n_paired * rng.uniform(0, 1, size))
    frame = pd.DataFrame(
        {
            "service_id": [f"s{i % 7}" for i in range(size)],
            "instrument": [("PHQ9", "GAD7", "WEMWBS")[i % 3] for i in range(size)],
            "period": "all",
            "timepoint": [f"t{i}" for i in range(size)],
            "n_baseline": n_baseline,
            "n_paired": n_paired,
            "coverage": n_paired / np.maximum(n_baseline, 1),
            "baseline_mean": rng.normal(10, 3, size),
            "baseline_sd": rng.uniform(0, 5, size),
            "follow_up_mean": rng.normal(8, 3, size),
            "mean_change": rng.normal(2, 3, size),
            "sd_change": rng.uniform(0, 6, size),
            "n_reliably_improved": improved,
            "n_no_reliable_change": n_paired - improved,
            "n_reliably_deteriorated": 0.0,
            "n_case_baseline": cases,
            "n_recovered": np.floor(cases / 2),
            "n_reliably_recovered": np.floor(cases / 3),
        }
    )
    # Edges: infinite and missing values, a missing count, a recovery without cut-off.
    frame.loc[0:1, ["mean_change", "sd_change", "follow_up_mean"]] = np.nan
    frame.loc[4, "sd_change"] = np.inf
    frame.loc[5, "mean_change"] = np.nan
    frame.loc[6, "sd_change"] = 0.0
    frame.loc[7, ["n_case_baseline", "n_recovered", "n_reliably_recovered"]] = np.nan
    frame["n_baseline"] = frame["n_baseline"].astype(float)
    frame.loc[8, "n_baseline"] = np.nan
    return frame


def _pairs(size: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "service_id": [f"s{i % 7}" for i in range(size)],
            "instrument": [("PHQ9", "GAD7", "WEMWBS")[i % 3] for i in range(size)],
            "period": "all",
            "timepoint": [f"t{i % 120}" for i in range(size)],
            "baseline_score": rng.normal(12, 4, size),
            "follow_up_score": rng.normal(9, 4, size),
        }
    )


def _reference(
    summary: pd.DataFrame,
    moments: pd.DataFrame,
    by: list[str],
    row_type: Any,
    min_n: int,
    thresholds: dict[str, float | None],
    extra: dict[str, dict[str, Any]] | None,
) -> list[Any]:
    """The rules one row at a time (how outcome rows were first built)."""
    from peerbench.benchmarking.outcome_stats import COUNT_FIELDS, RENAMES, _column

    keys = [*by, "instrument", "period", "timepoint"]
    frame = summary.rename(columns=RENAMES).merge(moments, on=keys, how="left")
    frame = pd.concat([frame, _shares(frame)], axis=1)
    values_of, masks = _effects(frame, min_n)
    columns = {k: frame[k].tolist() for k in keys}
    numbers = {f: _column(frame, f).tolist() for f in (*COUNT_FIELDS, *STATISTIC_N)}
    rows = []
    for i in range(len(frame)):
        values: dict[str, Any] = {k: columns[k][i] for k in keys}
        for f in COUNT_FIELDS:
            v = numbers[f][i]
            values[f] = None if np.isnan(v) else int(v)
        stats: dict[str, Any] = {}
        for f in STATISTIC_N:
            if f in frame.columns:
                v = numbers[f][i]
                stats[f] = None if np.isnan(v) else v
        effects = {k: float(values_of[k][i]) for k in values_of if masks[k][i]}
        stats |= effects
        if not effects and (values["n_paired"] or 0) >= 2 and stats["mean_change"] is not None:
            stats |= dict.fromkeys(EFFECT_FIELDS, math.nan)
        suppressed: dict[str, str] = {}
        for field, n_field in STATISTIC_N.items():
            n = values[n_field]
            if n is not None and n < min_n and field in stats:
                if stats[field] is not None:
                    suppressed[field] = BELOW_MIN_N
                stats[field] = None
            elif field in stats and stats[field] is not None and math.isnan(stats[field]):
                stats[field] = None
        values |= stats
        values["rc_threshold"] = thresholds.get(str(values["instrument"]))
        if extra and by:
            values |= extra.get(str(values[by[0]]), {})
        rows.append(row_type(**values, suppressed=suppressed))
    return rows


@pytest.mark.parametrize("min_n", [3, 10, 25])
@pytest.mark.parametrize("drop", [None, "coverage"])
def test_rows_follow_the_per_row_rules(min_n: int, drop: str | None) -> None:
    summary = _summary()
    if drop is not None:  # a statistic the summary does not give: left at its default
        summary = summary.drop(columns=[drop])
    by = ["service_id"]
    moments = pair_moments(_pairs(), [*by, "instrument", "period", "timepoint"])
    thresholds = {"PHQ9": 6.0, "GAD7": 4.0, "WEMWBS": None}
    extra = {"s1": {"organisation_id": "o1"}, "s2": {"organisation_id": "o2"}}
    args = (summary, moments, by, OutcomeRow)
    got = outcome_rows(*args, min_n=min_n, thresholds=thresholds, extra=extra)
    want = _reference(*args, min_n, thresholds, extra)
    assert got == want
    assert [r.__dict__ for r in got] == [r.__dict__ for r in want]
    assert [list(r.suppressed) for r in got] == [list(r.suppressed) for r in want]  # order
    # Effects not computed below min_n but existing (two pairs or more) are marked withheld.
    assert any(r.suppressed.get("d_z") == BELOW_MIN_N for r in got)


def test_pooled_rows_without_extra() -> None:
    summary = _summary().drop(columns=["service_id"]).iloc[:40]
    moments = pair_moments(_pairs().drop(columns=["service_id"]), KEYS[1:])
    got = outcome_rows(summary, moments, (), PooledOutcomeRow, min_n=10, thresholds={})
    assert got == _reference(summary, moments, [], PooledOutcomeRow, 10, {}, None)
    assert got and all(type(r) is PooledOutcomeRow for r in got)


@pytest.mark.parametrize("size", [0, 1, 900])
def test_pair_moments_sum_as_one_aggregation_per_column(size: int) -> None:
    """The five grouped sums taken at once are the per-column aggregations, bit for bit
    (missing scores included)."""
    pairs = _pairs(size)
    pairs.loc[pairs.index[::11], "follow_up_score"] = np.nan
    got = pair_moments(pairs, KEYS)
    x, y = pairs["baseline_score"], pairs["follow_up_score"]
    frame = pairs[KEYS].assign(x=x, y=y, xx=x * x, yy=y * y, xy=x * y)
    sums = frame.groupby(KEYS, observed=True, dropna=False).agg(
        n=("x", "size"), **{c: (c, "sum") for c in ("x", "y", "xx", "yy", "xy")}
    )
    n = sums["n"].astype("float64")
    sxx, syy = sums["xx"] - sums["x"] ** 2 / n, sums["yy"] - sums["y"] ** 2 / n
    sxy = sums["xy"] - sums["x"] * sums["y"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.clip(sxx, 0, None) / (n - 1))
        r = (sxy / np.sqrt(sxx * syy)).clip(-1, 1)
    want = pd.DataFrame({"sd_pair_baseline": sd, "r": r}).reset_index()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    columns = ["sd_pair_baseline", "r"]
    assert got[columns].to_numpy().tobytes() == want[columns].to_numpy().tobytes()
