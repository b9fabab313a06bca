"""Outcome rows: the aggregate layer's paired summaries plus intervals and effect sizes.

The aggregate layer (:mod:`peerbench.aggregate.outcomes`) gives counts, means and SDs per
group; this module adds, through :mod:`peerbench.stats`:

* the t interval of the mean change (:func:`~peerbench.stats.mean_change_from_summary`);
* Cohen's d_z with its noncentral-t interval (:func:`~peerbench.stats.cohens_dz_from_summary`);
* Hedges' g standardised by the baseline SD of the pairs, with the baseline/follow-up
  correlation of the pairs (:func:`~peerbench.stats.hedges_g_change_from_summary`);
* shares reliably improved / unchanged / deteriorated over ``n_paired`` and recovery
  (``n_recovered / n_case_baseline``), with Wilson intervals.

A statistic resting on fewer than ``min_n`` people is withheld (``below-min-n``): pair
statistics need ``n_paired ≥ min_n``, baseline statistics ``n_baseline ≥ min_n``,
recovery rates ``n_case_baseline ≥ min_n``. Counts are kept (disclosure control
handles them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerbench.benchmarking.row_build import build_rows
from peerbench.benchmarking.rows import OutcomeMetrics
from peerbench.schema.instruments.item_matrix import FloatArray
from peerbench.stats import dist, wilson_interval
from peerbench.stats.nct import dz_intervals

BELOW_MIN_N = "below-min-n"
CONFIDENCE = 0.95

RENAMES = {
    "n_reliably_improved": "n_improved",
    "n_no_reliable_change": "n_unchanged",
    "n_reliably_deteriorated": "n_deteriorated",
}
"""Aggregate column → result field."""

PAIR_STATISTICS = (
    "coverage",
    "follow_up_mean",
    "mean_change",
    "sd_change",
    "change_ci_low",
    "change_ci_high",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
    "share_improved",
    "share_unchanged",
    "share_deteriorated",
    "improved_ci_low",
    "improved_ci_high",
)
BASELINE_STATISTICS = ("baseline_mean", "baseline_sd")
RECOVERY_STATISTICS = (
    "recovery_rate",
    "recovery_ci_low",
    "recovery_ci_high",
    "reliable_recovery_rate",
)
STATISTIC_N = {
    **dict.fromkeys(PAIR_STATISTICS, "n_paired"),
    **dict.fromkeys(BASELINE_STATISTICS, "n_baseline"),
    **dict.fromkeys(RECOVERY_STATISTICS, "n_case_baseline"),
}
"""Each statistic → the count it rests on (the ``n`` of the minimum-n rule)."""

EFFECT_FIELDS = (
    "change_ci_low",
    "change_ci_high",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
)
"""Fields computed here from the summaries (the rest come from the aggregate layer)."""

COUNT_FIELDS = (
    "n_baseline",
    "n_paired",
    "n_improved",
    "n_unchanged",
    "n_deteriorated",
    "n_case_baseline",
    "n_recovered",
    "n_reliably_recovered",
)

R = TypeVar("R", bound=OutcomeMetrics)
BoolArray = npt.NDArray[np.bool_]


def pair_moments(pairs: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group: SD of the paired baselines and their correlation with follow-up.

    Args:
        pairs: Participant-level pairs (``baseline_score``, ``follow_up_score``).
        by: Group columns.

    Returns:
        ``by`` columns plus ``sd_pair_baseline`` and ``r`` (NaN when undefined).
    """
    x = pairs["baseline_score"].astype("float64")
    y = pairs["follow_up_score"].astype("float64")
    frame = pairs[list(by)].assign(x=x, y=y, xx=x * x, yy=y * y, xy=x * y)
    # One grouped sum of the five columns (the same per-column sums as five named
    # aggregations, at a third of the cost) and the group sizes.
    grouped = frame.groupby(list(by), observed=True, dropna=False)
    sums = grouped[["x", "y", "xx", "yy", "xy"]].sum()
    n = grouped.size().astype("float64")
    sxx = sums["xx"] - sums["x"] ** 2 / n
    syy = sums["yy"] - sums["y"] ** 2 / n
    sxy = sums["xy"] - sums["x"] * sums["y"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.clip(sxx, 0, None) / (n - 1))
        r = (sxy / np.sqrt(sxx * syy)).clip(-1, 1)
    return pd.DataFrame({"sd_pair_baseline": sd, "r": r}).reset_index()


def _column(frame: pd.DataFrame, name: str) -> FloatArray:
    """A column as float64, NaN where missing or infinite (absent column: all NaN)."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def _effects(frame: pd.DataFrame, min_n: int) -> tuple[dict[str, FloatArray], dict[str, BoolArray]]:
    """Intervals and effect sizes of every row, and where each is computed (only where
    ``n_paired ≥ min_n``).

    The formulas of :func:`~peerbench.stats.mean_change_from_summary`,
    :func:`~peerbench.stats.cohens_dz_from_summary` and
    :func:`~peerbench.stats.hedges_g_change_from_summary`, over all rows at once (the
    d_z intervals in one root search, :func:`peerbench.stats.nct.dz_intervals`).
    Returns each field's values and its mask (the rows it is computed for).
    """
    n = np.nan_to_num(_column(frame, "n_paired"), nan=0.0).astype(np.int64).astype(np.float64)
    mean, sd = _column(frame, "mean_change"), _column(frame, "sd_change")
    sd0, r = _column(frame, "sd_pair_baseline"), _column(frame, "r")
    ok = (n >= max(min_n, 3)) & np.isfinite(mean) & np.isfinite(sd)
    has_dz = ok & (sd > 0)
    has_g = ok & (sd0 > 0) & np.isfinite(r)
    q = 0.5 + CONFIDENCE / 2
    # Rows without a statistic compute NaN or inf here, and are not read below.
    with np.errstate(divide="ignore", invalid="ignore"):
        half = dist.t_ppf(q, n - 1) * (sd / np.sqrt(n))
        d = mean / sd
        g = (1 - 3 / (4 * (n - 1) - 1)) * mean / sd0
        g_half = float(dist.norm_ppf(q)) * np.sqrt(2 * (1 - r) / n + g**2 / (2 * n))
        change = {"change_ci_low": mean - half, "change_ci_high": mean + half}
        hedges = {"hedges_g": g, "g_ci_low": g - g_half, "g_ci_high": g + g_half}
    dz_low, dz_high = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    dz_low[has_dz], dz_high[has_dz] = dz_intervals(n[has_dz], d[has_dz], CONFIDENCE)
    dz = {"d_z": d, "d_z_ci_low": dz_low, "d_z_ci_high": dz_high}
    values = change | dz | hedges
    masks = {k: ok for k in change} | {k: has_dz for k in dz} | {k: has_g for k in hedges}
    return values, masks


def _shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares over ``n_paired`` / ``n_case_baseline`` with Wilson intervals (vectorised)."""
    n = frame["n_paired"].fillna(0).to_numpy(dtype=np.float64)
    # Columns gathered first and framed once (a column set on a frame costs ~0.5 ms).
    out: dict[str, FloatArray] = {}
    for name in ("improved", "unchanged", "deteriorated"):
        events = frame[f"n_{name}"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"share_{name}"] = np.where(n > 0, events / n, np.nan)
    improved = frame["n_improved"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(improved) & (n > 0)
    wilson = wilson_interval(np.where(ok, improved, 0), np.where(ok, n, 0))
    out["improved_ci_low"] = np.where(ok, wilson.lower, np.nan)
    out["improved_ci_high"] = np.where(ok, wilson.upper, np.nan)
    cases = frame["n_case_baseline"].to_numpy(dtype=np.float64, na_value=np.nan)
    recovered = frame["n_recovered"].to_numpy(dtype=np.float64, na_value=np.nan)
    both = frame["n_reliably_recovered"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(cases) & np.isfinite(recovered) & (np.nan_to_num(cases) > 0)
    wilson = wilson_interval(np.where(ok, recovered, 0), np.where(ok, cases, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["recovery_rate"] = np.where(ok, recovered / cases, np.nan)
        out["reliable_recovery_rate"] = np.where(ok, both / cases, np.nan)
    out["recovery_ci_low"] = np.where(ok, wilson.lower, np.nan)
    out["recovery_ci_high"] = np.where(ok, wilson.upper, np.nan)
    return pd.DataFrame(out, index=frame.index)


def outcome_rows(
    summary: pd.DataFrame,
    moments: pd.DataFrame,
    by: Sequence[str],
    row_type: type[R],
    *,
    min_n: int,
    thresholds: dict[str, float | None],
    extra: dict[str, dict[str, Any]] | None = None,
) -> list[R]:
    """Rows of ``row_type`` from an aggregate outcome summary.

    Args:
        summary: ``service_outcomes``, ``network_outcomes`` or ``overall_outcomes``.
        moments: :func:`pair_moments` over the same groups.
        by: Group columns (``("service_id",)``, ``("network",)`` or ``()``).
        row_type: :class:`OutcomeRow`, :class:`NetworkOutcomeRow` or :class:`PooledOutcomeRow`.
        min_n: Minimum n behind a published statistic.
        thresholds: Instrument → reliable-change threshold (None when it has none).
        extra: Per first ``by`` value, further fields (e.g. ``organisation_id``).
    """
    keys = [*by, "instrument", "period", "timepoint"]
    frame = summary.rename(columns=RENAMES).merge(moments, on=keys, how="left")
    frame = pd.concat([frame, _shares(frame)], axis=1)
    size = len(frame)
    # Column by column, vectorised; then one row at a time from the finished columns
    # (a national pool has tens of thousands of rows: per-row rules cost more than rows).
    key_columns = {k: frame[k].tolist() for k in keys}
    counts = {
        f: [None if v != v else int(v) for v in _column(frame, f).tolist()] for f in COUNT_FIELDS
    }
    effects, computed = _effects(frame, min_n)
    computed_any = computed[EFFECT_FIELDS[0]]  # the change interval: wherever any is
    n_paired = np.nan_to_num(_column(frame, "n_paired"), nan=0.0)
    # A statistic is present where the summary or the effects give it (elsewhere the
    # row's default, None), "none" where given as missing, otherwise a float (maybe NaN).
    everywhere, nowhere = np.ones(size, dtype=bool), np.zeros(size, dtype=bool)
    mean_given = nowhere
    if "mean_change" in frame.columns:
        mean_given = ~np.isnan(_column(frame, "mean_change"))
    # Not computed below min_n (it would be withheld), but it exists: mark it as NaN.
    marked = ~computed_any & (n_paired >= 2) & mean_given
    below_of = {n_field: _column(frame, n_field) < min_n for n_field in set(STATISTIC_N.values())}
    finals: dict[str, list[Any]] = {}
    suppressed: list[dict[str, str]] = [{} for _ in range(size)]
    for field, n_field in STATISTIC_N.items():
        if field in frame.columns:
            value = _column(frame, field)
            is_none, present = np.isnan(value), everywhere
        else:
            value, is_none, present = np.full(size, np.nan), everywhere, nowhere
        if field in effects:
            mask = computed[field]
            value = np.where(mask, effects[field], value)
            value = np.where(marked, np.nan, value)
            given = mask | marked
            is_none, present = is_none & ~given, present | given
        below = present & below_of[n_field]
        for i in np.flatnonzero(below & ~is_none).tolist():
            suppressed[i][field] = BELOW_MIN_N
        # Withheld, missing or NaN: None (an infinite value stays, as before).
        blank = ~present | below | is_none | np.isnan(value)
        finals[field] = [
            None if b else v for v, b in zip(value.tolist(), blank.tolist(), strict=True)
        ]
    instruments = key_columns["instrument"]
    columns: dict[str, list[Any]] = {**key_columns, **counts, **finals}
    columns["rc_threshold"] = [thresholds.get(str(k)) for k in instruments]
    names = list(columns)
    extras: list[dict[str, Any]] = [{}] * size
    if extra and by:
        extras = [extra.get(str(k), {}) for k in key_columns[by[0]]]
    records = []
    for values, more, marks in zip(
        zip(*columns.values(), strict=True), extras, suppressed, strict=True
    ):
        record = dict(zip(names, values, strict=True))
        if more:
            record |= more
        record["suppressed"] = marks
        records.append(record)
    return build_rows(row_type, records)
