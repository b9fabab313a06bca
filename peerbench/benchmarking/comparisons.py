"""Comparisons across services: funnel plots, random-effects pooling, "what works for whom".

Inputs are the per-service :class:`~peerbench.benchmarking.rows.OutcomeRow` objects, so
only estimates that passed the minimum-n rule take part. For each instrument × period ×
timepoint:

* **Funnels** (:func:`peerbench.stats.funnel_means`, :func:`~peerbench.stats.funnel_proportions`):
  metric ``mean_change`` (value = mean oriented change, ``sᵢ = SD_change/√nᵢ``) and
  ``reliable_improvement`` (``n_improved / n_paired``; instruments with a threshold).
  Over-dispersion rule ``auto`` (τ² applied when Spiegelhalter's χ² test rejects at 5%).
* **Meta-analysis** (:func:`peerbench.stats.random_effects`) of Hedges' g (baseline-SD
  standardised change), ``vᵢ = SEᵢ²`` from its normal interval; DL and REML rows.
* **Subgroups** (:func:`peerbench.stats.subgroup_analysis`, DL, τ² per subgroup) for
  each service attribute in ``options.by`` with at least two levels present.

A funnel or pooled estimate needs at least :data:`MIN_UNITS` services.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from peerbench.benchmarking.comparison_rows import (
    ForestRow,
    FunnelPoint,
    FunnelSummary,
    MetaRow,
    SubgroupLevel,
    SubgroupTest,
)
from peerbench.benchmarking.rows import OutcomeRow, ServiceInfo
from peerbench.stats import (
    FunnelResult,
    funnel_means,
    funnel_proportions,
    random_effects,
    subgroup_analysis,
)

MIN_UNITS = 2
"""Fewest services for a funnel, a pooled estimate or a subgroup test."""

MEASURE = "hedges_g"
_Z95 = 1.959963984540054

Group = tuple[str, str, str]


def group_rows(rows: Iterable[OutcomeRow]) -> dict[Group, list[OutcomeRow]]:
    """Rows by ``(instrument, period, timepoint)``."""
    out: dict[Group, list[OutcomeRow]] = defaultdict(list)
    for row in rows:
        out[(row.instrument, row.period, row.timepoint)].append(row)
    return dict(out)


def _f(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _points(
    group: Group, metric: str, units: Sequence[OutcomeRow], result: FunnelResult
) -> list[FunnelPoint]:
    return [
        FunnelPoint(
            instrument=group[0],
            period=group[1],
            timepoint=group[2],
            metric=metric,
            service_id=row.service_id,
            n=row.n_paired,
            value=_f(result.value[i]),
            se=_f(result.se[i]),
            precision=_f(result.precision[i]),
            z=_f(result.z_adjusted[i]),
            limit_95_low=_f(result.lower_95[i]),
            limit_95_high=_f(result.upper_95[i]),
            limit_998_low=_f(result.lower_998[i]),
            limit_998_high=_f(result.upper_998[i]),
            flag=str(result.flag[i]),
        )
        for i, row in enumerate(units)
    ]


def _summary(group: Group, metric: str, result: FunnelResult) -> FunnelSummary:
    od = result.overdispersion
    return FunnelSummary(
        instrument=group[0],
        period=group[1],
        timepoint=group[2],
        metric=metric,
        target=_f(result.target),
        k=int(result.value.size),
        phi=_f(od.phi),
        tau2=_f(od.tau2_estimate),
        adjusted=od.adjusted,
    )


def proportion_funnel(
    group: Group, units: Sequence[OutcomeRow]
) -> tuple[list[FunnelPoint], FunnelSummary] | None:
    """Reliable-improvement funnel of ``units`` (their ``n_improved`` and ``n_paired``).

    Disclosure control calls this again with published (rounded) counts.
    """
    units = [u for u in units if u.n_improved is not None and u.n_paired]
    events = np.array([u.n_improved for u in units], dtype=np.float64)
    sizes = np.array([u.n_paired for u in units], dtype=np.float64)
    if len(units) < MIN_UNITS or not 0 < events.sum() < sizes.sum():
        return None
    result = funnel_proportions(events, sizes)
    metric = "reliable_improvement"
    return _points(group, metric, units, result), _summary(group, metric, result)


def funnels(
    groups: Mapping[Group, list[OutcomeRow]],
) -> tuple[list[FunnelPoint], list[FunnelSummary]]:
    """Funnel points and summaries for every group (see the module docstring)."""
    points: list[FunnelPoint] = []
    summaries: list[FunnelSummary] = []
    for group, rows in groups.items():
        units = [r for r in rows if r.mean_change is not None and (r.sd_change or 0) > 0]
        if len(units) >= MIN_UNITS:
            se = [r.sd_change / math.sqrt(r.n_paired) for r in units]  # type: ignore[operator, arg-type]
            result = funnel_means([r.mean_change or 0.0 for r in units], se)
            points += _points(group, "mean_change", units, result)
            summaries.append(_summary(group, "mean_change", result))
        published = [r for r in rows if r.share_improved is not None]
        found = proportion_funnel(group, published)
        if found is not None:
            points += found[0]
            summaries.append(found[1])
    return points, summaries


def _effect(rows: Sequence[OutcomeRow]) -> tuple[list[OutcomeRow], np.ndarray, np.ndarray]:
    units = [r for r in rows if r.hedges_g is not None and r.g_ci_high is not None]
    y = np.array([r.hedges_g for r in units], dtype=np.float64)
    v = np.array(
        [((r.g_ci_high - r.g_ci_low) / (2 * _Z95)) ** 2 for r in units],  # type: ignore[operator]
        dtype=np.float64,
    )
    keep = v > 0
    return [u for u, k in zip(units, keep, strict=True) if k], y[keep], v[keep]


def meta(
    groups: Mapping[Group, list[OutcomeRow]],
) -> tuple[list[MetaRow], list[ForestRow]]:
    """DL and REML pooled Hedges' g per group, and the forest-plot rows."""
    pooled: list[MetaRow] = []
    forest: list[ForestRow] = []
    for group, rows in groups.items():
        units, y, v = _effect(rows)
        if len(units) < MIN_UNITS:
            continue
        fits = {m: random_effects(y, v, method=m) for m in ("dl", "reml")}
        n_total = sum(u.n_paired or 0 for u in units)
        for method, fit in fits.items():
            pooled.append(
                MetaRow(
                    instrument=group[0],
                    period=group[1],
                    timepoint=group[2],
                    measure=MEASURE,
                    method=method.upper(),
                    k=fit.k,
                    n_paired=n_total,
                    estimate=_f(fit.estimate),
                    se=_f(fit.se),
                    ci_low=_f(fit.ci_low),
                    ci_high=_f(fit.ci_high),
                    tau2=_f(fit.tau2),
                    i2=_f(fit.i2),
                    q=_f(fit.q),
                    q_p=_f(fit.q_p_value),
                    pi_low=_f(fit.pi_low),
                    pi_high=_f(fit.pi_high),
                )
            )
        for i, unit in enumerate(units):
            forest.append(
                ForestRow(
                    instrument=group[0],
                    period=group[1],
                    timepoint=group[2],
                    measure=MEASURE,
                    service_id=unit.service_id,
                    n_paired=unit.n_paired,
                    estimate=unit.hedges_g,
                    ci_low=unit.g_ci_low,
                    ci_high=unit.g_ci_high,
                    weight_dl=_f(fits["dl"].weights[i]),
                    weight_reml=_f(fits["reml"].weights[i]),
                )
            )
    return pooled, forest


def subgroups(
    groups: Mapping[Group, list[OutcomeRow]],
    services: Mapping[str, ServiceInfo],
    by: Sequence[str],
) -> tuple[list[SubgroupLevel], list[SubgroupTest]]:
    """Pooled Hedges' g per level of each attribute in ``by``, and the test of difference."""
    levels_out: list[SubgroupLevel] = []
    tests: list[SubgroupTest] = []
    for group, rows in groups.items():
        units, y, v = _effect(rows)
        for attribute in by:
            labels = [getattr(services.get(u.service_id), attribute, None) for u in units]
            keep = np.array([label is not None for label in labels], dtype=bool)
            present = sorted({str(label) for label in labels if label is not None})
            if keep.sum() < MIN_UNITS or len(present) < 2:
                continue
            names = np.array([str(label) for label in labels], dtype=object)[keep]
            found = subgroup_analysis(y[keep], v[keep], names, method="dl")
            n_by_level: dict[str, int] = defaultdict(int)
            for unit, label in zip(units, labels, strict=True):
                if label is not None:
                    n_by_level[str(label)] += unit.n_paired or 0
            for level, fit in zip(found.groups, found.results, strict=True):
                levels_out.append(
                    SubgroupLevel(
                        instrument=group[0],
                        period=group[1],
                        timepoint=group[2],
                        measure=MEASURE,
                        attribute=attribute,
                        level=level,
                        k=fit.k,
                        n_paired=n_by_level[level],
                        estimate=_f(fit.estimate),
                        ci_low=_f(fit.ci_low),
                        ci_high=_f(fit.ci_high),
                        tau2=_f(fit.tau2),
                    )
                )
            tests.append(
                SubgroupTest(
                    instrument=group[0],
                    period=group[1],
                    timepoint=group[2],
                    measure=MEASURE,
                    attribute=attribute,
                    k=int(keep.sum()),
                    levels=len(found.groups),
                    q_between=_f(found.q_between),
                    df=found.df_between,
                    p_value=_f(found.p_between),
                )
            )
    return levels_out, tests
