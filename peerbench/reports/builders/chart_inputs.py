"""Turn benchmark rows into the inputs of the report charts (:mod:`peerbench.reports.charts`).

Each function takes a disclosure-controlled :class:`~peerbench.benchmarking.BenchmarkResult`
(or data already controlled) and returns rows in the shape the chart documents, with
withheld values as suppression markers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.benchmarking import ALL_PERIODS, BenchmarkResult, FunnelSummary
from peerbench.benchmarking.sufficiency import withheld
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports.builders import select
from peerbench.reports.builders.shares import controlled_shares
from peerbench.reports.builders.wording import (
    INSTRUMENTS,
    horizon_months,
    instrument_topic,
    label,
)
from peerbench.schema.instruments import default_registry
from peerbench.stats import binomial_limits, dist

_Z = {"95": float(dist.norm_ppf(0.975)), "998": float(dist.norm_ppf(0.999))}
GRID_POINTS = 60


def funnel_summary(
    result: BenchmarkResult, instrument: str, timepoint: str, metric: str
) -> FunnelSummary | None:
    """The funnel's summary row for a comparison (every period pooled), if any."""
    return select.first(
        result.funnels,
        instrument=instrument,
        timepoint=timepoint,
        metric=metric,
        period=ALL_PERIODS,
    )


def funnel_inputs(
    result: BenchmarkResult, instrument: str, timepoint: str, metric: str
) -> tuple[list[dict[str, Any]], list[dict[str, float]], float] | None:
    """``(units, curves, target)`` for :func:`~peerbench.reports.charts.funnel_plot`.

    Limits are drawn from the published target and over-dispersion, with the formulas
    of :mod:`peerbench.stats.funnel`: means ``θ₀ ± z·√(1/precision + τ²)``; proportions
    the exact binomial limits, or ``p₀ ± z·√(p₀(1 − p₀)/n + τ²)`` when τ² is applied.
    Returns ``None`` when there is no funnel for the comparison, or when it was withheld
    because too few services are on it (:mod:`peerbench.benchmarking.sufficiency`).
    """
    summary = funnel_summary(result, instrument, timepoint, metric)
    if summary is None or summary.target is None or withheld(summary):
        return None
    points = select.where(
        result.funnel_points,
        instrument=instrument,
        timepoint=timepoint,
        metric=metric,
        period=ALL_PERIODS,
    )
    units = []
    for point in points:
        shown = select.value(point, "value")
        precision = select.number(point, "precision")
        units.append(
            {
                "unit": select.service_name(result, point.service_id),
                "value": shown,
                "precision": precision if precision is not None else 0.0,
                "flag": point.flag or "within",
            }
        )
    visible = [float(u["precision"]) for u in units if isinstance(u["value"], int | float)]
    if not visible:
        return None
    grid = np.linspace(max(min(visible) * 0.8, 1e-6), max(visible) * 1.3, GRID_POINTS)
    return units, limit_curves(summary, grid), float(summary.target)


def limit_curves(summary: FunnelSummary, grid: np.ndarray[Any, Any]) -> list[dict[str, float]]:
    """Control limits (95% and 99.8%) at each precision in ``grid`` for a funnel summary."""
    target = float(summary.target or 0.0)
    tau2 = float(summary.tau2 or 0.0) if summary.adjusted else 0.0
    columns: dict[str, np.ndarray[Any, Any]] = {}
    for level, z in _Z.items():
        if summary.metric == "mean_change":
            half = z * np.sqrt(1 / grid + tau2)
            low, high = target - half, target + half
        elif tau2 > 0:
            half = z * np.sqrt(target * (1 - target) / grid + tau2)
            low, high = np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
        else:
            tail = float(dist.norm_sf(z))
            low = binomial_limits(target, np.round(grid), tail)
            high = binomial_limits(target, np.round(grid), 1 - tail)
        columns[f"lower_{level}"], columns[f"upper_{level}"] = low, high
    return [
        {"precision": float(p), **{k: float(v[i]) for k, v in columns.items()}}
        for i, p in enumerate(grid)
    ]


def change_row(group: str, row: Any) -> dict[str, Any]:
    """One bar for :func:`~peerbench.reports.charts.individual_change_bars`."""
    return {
        "group": group,
        "improved": select.value(row, "share_improved"),
        "no_change": select.value(row, "share_unchanged"),
        "deteriorated": select.value(row, "share_deteriorated"),
        "n": select.value(row, "n_paired"),
    }


def retention_rows(
    result: BenchmarkResult, instrument: str, series: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """Rows for :func:`~peerbench.reports.charts.retention_curve`: of people improved at
    3 months, the share still followed up at 6 and 12 months, per series.

    Args:
        result: The controlled result.
        instrument: The measure.
        series: Series label → service id (``None`` for all services pooled).
    """
    rows: list[dict[str, Any]] = []
    for name, service_id in series.items():
        found = select.sustainment(result, instrument, service_id)
        if not found:
            continue
        rows.append({"months": 3, "share": 1.0, "series": name})
        for row in found:
            months = horizon_months(row.horizon)
            if months is not None:
                rows.append(
                    {"months": months, "share": select.value(row, "retention"), "series": name}
                )
    return sorted(rows, key=lambda r: (list(series).index(r["series"]), r["months"]))


#: PAM activation levels (Hibbard; REFERENCE §2: PMC2955177 cut points).
PAM_LEVELS = [
    ("Level 1 (up to 47)", 0.0, 47.05),
    ("Level 2 (47.1 to 55.1)", 47.05, 55.15),
    ("Level 3 (55.2 to 67.0)", 55.15, 67.05),
    ("Level 4 (67.1 and over)", 67.05, 100.0),
]
ONS4_BANDS = [
    ("0 to 4", 0.0, 4.0),
    ("5 to 6", 5.0, 6.0),
    ("7 to 8", 7.0, 8.0),
    ("9 to 10", 9.0, 10.0),
]


def scale(instrument: str) -> tuple[float, float] | None:
    """The lowest and highest possible score (ONS4 items: 0–10), if known."""
    if instrument.startswith("ONS4."):
        return 0.0, 10.0
    if instrument not in default_registry().codes():
        return None
    definition = default_registry().get(instrument)
    if definition.score_min is None or definition.score_max is None:
        return None
    return definition.score_min, definition.score_max


def bands_for(instrument: str) -> list[tuple[str, float, float]]:
    """Score bands ``(label, min, max)``: the instrument's own, else five equal bands."""
    if instrument.startswith("ONS4."):
        return ONS4_BANDS
    if instrument not in default_registry().codes():
        return []
    definition = default_registry().get(instrument)
    if definition.bands:
        return [(b.label.capitalize(), b.min, b.max) for b in definition.bands]
    if instrument == "PAM13":
        return PAM_LEVELS
    low, high = definition.score_min, definition.score_max
    if low is None or high is None:
        return []
    # Five bands of whole scores; a score belongs to the band of its rounded value.
    edges = [int(e) for e in np.round(np.linspace(low, high, 6))]
    tops = [edges[i + 1] - (0 if i == 4 else 1) for i in range(5)]
    return [
        (f"{edges[i]} to {tops[i]}" if tops[i] > edges[i] else str(edges[i]),
         edges[i] - 0.5, tops[i] + 0.5)
        for i in range(5)
    ]  # fmt: skip


def band_rows(
    paired: pa.Table,
    instrument: str,
    timepoint: str,
    service_ids: Sequence[str] | None,
    policy: DisclosurePolicy,
    *,
    owner: bool,
) -> list[dict[str, Any]]:
    """Rows for :func:`~peerbench.reports.charts.before_after_distribution`.

    The same people at both time points (everyone with a pair at ``timepoint``); the
    shares pass disclosure control as proportions of the paired total.
    """
    bands = bands_for(instrument)
    mask = pc.and_(
        pc.equal(paired["instrument"], instrument), pc.equal(paired["timepoint"], timepoint)
    )
    if service_ids is not None:
        mask = pc.and_(mask, pc.is_in(paired["service_id"], pa.array(list(service_ids))))
    chosen = paired.filter(mask)
    rows: list[dict[str, Any]] = []
    for when, column in (("baseline", "baseline_score"), ("follow-up", "follow_up_score")):
        scores = chosen[column].to_numpy(zero_copy_only=False).astype(float)
        counts: dict[str, int] = {}
        for i, (name, low, high) in enumerate(bands):
            last = i == len(bands) - 1
            below_next = scores <= high if last else scores < bands[i + 1][1]
            inside = (scores >= low) & below_next
            counts[name] = int(inside.sum())
        shares, _ = controlled_shares(counts, policy, owner=owner, name=f"bands {when}")
        rows += [{"band": name, "timepoint": when, "share": shares[name]} for name in counts]
    return rows


def band_axis_label(instrument: str) -> str:
    """The x-axis title of the band chart: "Wellbeing score (SWEMWBS)"."""
    topic = instrument_topic(instrument)
    short = INSTRUMENTS.get(instrument, ("", instrument))[1]
    return f"{topic[0].upper()}{topic[1:]} score ({short})"


def reach_rows(
    demographics: pa.Table,
    dimension: str,
    mine: Sequence[str],
    others: Sequence[str] | None,
    policy: DisclosurePolicy,
    *,
    owner: bool,
) -> list[dict[str, Any]]:
    """Rows for :func:`~peerbench.reports.charts.reach_vs_population`.

    Args:
        demographics: People per service × dimension × category (all periods).
        dimension: ``age_band``, ``ethnic_group``, …
        mine: Services whose people make the first bar.
        others: Services for the comparison bar (None: every service).
        policy: Disclosure policy.
        owner: The reader owns ``mine`` (their shares are shown unaltered).
    """
    table = demographics.filter(pc.equal(demographics["dimension"], dimension))
    frame = table.select(["service_id", "category", "n"]).to_pandas()
    order = [c for c in _category_order(dimension) if c in set(frame["category"])]
    order += sorted(set(frame["category"]) - set(order))
    order = [c for c in order if c != "not_stated"]

    def counts(services: Sequence[str] | None) -> dict[str, int]:
        part = frame if services is None else frame[frame["service_id"].isin(list(services))]
        sums = part.groupby("category")["n"].sum()
        return {c: int(sums.get(c, 0)) for c in order}

    mine_shares, _ = controlled_shares(counts(mine), policy, owner=owner, name="reach")
    other_shares, _ = controlled_shares(counts(others), policy, owner=False, name="reach all")
    return [
        {
            "category": label(dimension, c),
            "service_share": mine_shares[c],
            "population_share": other_shares[c],
        }
        for c in order
    ]


def _category_order(dimension: str) -> list[str]:
    from peerbench.schema.codelists import AgeBand, EthnicGroup

    if dimension == "age_band":
        return AgeBand.codes()
    if dimension == "ethnic_group":
        return EthnicGroup.codes()
    if dimension == "deprivation_quintile":
        return ["1", "2", "3", "4", "5"]
    return []
