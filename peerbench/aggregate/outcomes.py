"""Outcome summaries per service, per network and overall (Ibis expressions).

Every summary row is one group × instrument × period × follow-up timepoint, where the
group is a service, a network of services, or everything. ``period`` is the period of
the *baseline* (see :mod:`peerbench.aggregate.paired`). A row exists for each of the
four follow-up timepoints wherever the group has at least one baseline, so a timepoint
nobody reached shows ``n_paired = 0``.

Metric definitions:

* ``n_baseline``: participants (participant × service) with a scored baseline.
* ``baseline_mean`` / ``baseline_sd``: mean and sample SD (n - 1) of those baselines.
* ``n_paired``: participants with a baseline and a follow-up at the timepoint.
* ``coverage``: ``n_paired / n_baseline`` (follow-up coverage).
* ``follow_up_mean``: mean follow-up score of the pairs.
* ``mean_change`` / ``sd_change``: mean and sample SD of the oriented change
  (positive = improvement) over the pairs; SD is null when ``n_paired < 2``. Both come
  from exact sums (:func:`exact_mean_sd`), so the order of the rows never changes them.
* ``n_reliably_improved`` / ``n_reliably_deteriorated``: pairs whose change reaches the
  reliable-change threshold in the better / worse direction; ``n_no_reliable_change``
  the remaining pairs. Null when the instrument has no threshold. Reliable-improvement
  rate = ``n_reliably_improved / n_paired`` (denominator: all pairs).
* ``n_case_baseline``: pairs at caseness at baseline; ``n_recovered``: of those, not at
  caseness at follow-up; ``n_reliably_recovered``: recovered and reliably improved.
  Recovery rate = ``n_recovered / n_case_baseline`` (NHS Talking Therapies). Null when
  the instrument has no caseness rule (or, for reliable recovery, no threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from peerbench.aggregate.paired import FOLLOW_UPS

SUMMARY_KEYS = ("instrument", "period", "timepoint")
"""Keys every outcome summary has, after its group keys."""

_COUNT_COLUMNS = {
    "n_reliably_improved": "rc_threshold",
    "n_no_reliable_change": "rc_threshold",
    "n_reliably_deteriorated": "rc_threshold",
    "n_case_baseline": "case_rule",
    "n_recovered": "case_rule",
    "n_reliably_recovered": "both",
}


def _n(flag: ir.BooleanValue) -> Any:
    """Count of true values; null when every value is null (metric undefined)."""
    return flag.cast("int64").sum()


EXACT_UNIT = 1e-9
"""Each change is counted in whole units of this size (rounded half away from zero)."""
_UNITS = "decimal(38, 0)"


def exact_mean_sd(values: ir.NumericColumn) -> tuple[ir.FloatingScalar, ir.FloatingScalar]:
    """Mean and sample SD (n - 1) of ``values``, the same whatever the order of the rows.

    A floating-point sum depends on the order of its terms: DuckDB's threads (and
    Spark's partitions) combine partial sums in whatever order they finish, so the same
    pairs in another order gave an SD differing in the 12th digit at 1M rows, and where
    every change is the same number written with different rounding (5/6 as the mean of
    six items, or after a subtraction) an SD of pure rounding noise: 5.4e-16 one run,
    5.0e-16 the next, where the answer is 0.

    Here each value becomes a whole number ``k`` of :data:`EXACT_UNIT` and ``n``, ``Σk``
    and ``Σk²`` are summed as 38-digit integers (decimals of scale 0), which DuckDB and
    Spark add exactly, so in any order. The spread ``n·Σk² - (Σk)²`` (``n(n - 1)`` times
    the variance) is also an exact integer, 0 when every value is the same; only then
    are floats used: ``mean = Σk / n × unit`` and ``SD = √(spread / (n(n - 1))) × unit``,
    null when ``n < 2``. Rounding to the unit moves each value by at most 5e-10, so the
    SD by at most about that much. Exact while ``n²·k²`` stays below 1e38 (changes up to
    ±100 in groups of fewer than 10⁸ pairs); past that the engine raises an overflow
    error rather than give a wrong figure.
    """
    units = (values / EXACT_UNIT).round().cast(_UNITS)
    n = units.count()
    total = units.sum()
    spread = n.cast(_UNITS) * (units * units).sum() - total * total
    real_n = n.cast("float64")
    mean = ibis.ifelse(n > 0, total.cast("float64") / real_n * EXACT_UNIT, ibis.null("float64"))
    variance = spread.cast("float64") / (real_n * (real_n - 1.0))
    sd = ibis.ifelse(n > 1, variance.sqrt() * EXACT_UNIT, ibis.null("float64"))
    return mean, sd


def outcome_summary(
    base: ir.Table, pairs: ir.Table, params: ir.Table, by: Sequence[str] = ()
) -> ir.Table:
    """Outcome metrics per ``by`` × instrument × period × follow-up timepoint.

    Args:
        base: The baselines expression (:func:`peerbench.aggregate.paired.baselines`),
            with any ``by`` columns added.
        pairs: The paired expression (:func:`peerbench.aggregate.paired.paired`), with
            the same ``by`` columns.
        params: The instrument-parameters table.
        by: Group columns (``("service_id",)``, ``("network",)`` or none for overall).

    Returns:
        ``by`` columns, :data:`SUMMARY_KEYS` and the metrics in the module docstring.
    """
    group = [*by, "instrument", "period"]
    per_baseline = base.group_by(group).aggregate(
        n_baseline=base.count(),
        baseline_mean=base.baseline_score.mean(),
        baseline_sd=base.baseline_score.std(how="sample"),
    )
    # One row per follow-up timepoint: unnest a literal array (one projection, where a
    # union of four copies would make Spark recompute the aggregate four times).
    frame = per_baseline.mutate(timepoint=ibis.literal(list(FOLLOW_UPS), "array<string>").unnest())
    mean_change, sd_change = exact_mean_sd(pairs.change)
    per_pair = pairs.group_by([*group, "timepoint"]).aggregate(
        n_paired=pairs.count(),
        follow_up_mean=pairs.follow_up_score.mean(),
        mean_change=mean_change,
        sd_change=sd_change,
        n_reliably_improved=_n(pairs.reliably_improved),
        n_reliably_deteriorated=_n(pairs.reliably_deteriorated),
        n_case_baseline=_n(pairs.case_baseline),
        n_recovered=_n(pairs.recovered),
        n_reliably_recovered=_n(pairs.reliably_recovered),
    )
    keys = [*group, "timepoint"]
    joined = frame.join(per_pair, keys, how="left", rname="{name}_pair")
    joined = joined.join(params, "instrument", how="left", rname="{name}_param")
    n_paired = joined.n_paired.fill_null(0)
    has = {
        "rc_threshold": joined.rc_threshold.notnull(),
        "case_rule": joined.case_rule.notnull(),
        "both": joined.rc_threshold.notnull() & joined.case_rule.notnull(),
    }
    counts = {
        "n_reliably_improved": joined.n_reliably_improved,
        "n_no_reliable_change": n_paired
        - joined.n_reliably_improved.fill_null(0)
        - joined.n_reliably_deteriorated.fill_null(0),
        "n_reliably_deteriorated": joined.n_reliably_deteriorated,
        "n_case_baseline": joined.n_case_baseline,
        "n_recovered": joined.n_recovered,
        "n_reliably_recovered": joined.n_reliably_recovered,
    }
    # With no pairs the counts are 0 where the metric is defined and null where not.
    filled = {
        name: ibis.ifelse(has[rule], value.fill_null(0), ibis.null("int64"))
        for (name, rule), value in zip(_COUNT_COLUMNS.items(), counts.values(), strict=True)
    }
    return joined.select(
        *keys,
        "n_baseline",
        n_paired=n_paired,
        coverage=n_paired / joined.n_baseline,
        baseline_mean=joined.baseline_mean,
        baseline_sd=joined.baseline_sd,
        follow_up_mean=joined.follow_up_mean,
        mean_change=joined.mean_change,
        sd_change=joined.sd_change,
        **filled,
    )


def service_outcomes(base: ir.Table, pairs: ir.Table, params: ir.Table) -> ir.Table:
    """Outcome metrics per service × instrument × period × timepoint."""
    return outcome_summary(base, pairs, params, by=("service_id",))


_POOLED_COUNTS = (
    "n_baseline",
    "n_paired",
    "n_reliably_improved",
    "n_no_reliable_change",
    "n_reliably_deteriorated",
    "n_case_baseline",
    "n_recovered",
    "n_reliably_recovered",
)
_POOLED_MOMENTS = {
    # pooled mean: per-group mean, per-group SD (or None), weight
    "baseline": ("baseline_mean", "baseline_sd", "n_baseline"),
    "follow_up": ("follow_up_mean", None, "n_paired"),
    "change": ("mean_change", "sd_change", "n_paired"),
}


def pooled_outcomes(per_service: ir.Table, by: Sequence[str] = ()) -> ir.Table:
    """Outcome metrics of groups of services, pooled exactly from the per-service table.

    Every metric is a count, a mean or a sample SD over participants, and services hold
    disjoint participants (participant × service), so the pooled values follow from
    each service's n, mean and SD: counts add up; a pooled mean is the n-weighted mean
    of the service means; a pooled SD uses the within-service sums of squares
    ``(n - 1) SD²`` plus the between-service ``n (mean - pooled mean)²`` (the stable
    two-pass combination; equal to computing from the participants, up to rounding).

    Args:
        per_service: The :func:`service_outcomes` table, with any ``by`` columns added
            (a service in several groups appears once per group).
        by: Group columns; none pools every service.

    Returns:
        The same columns as :func:`outcome_summary` with ``by`` as the group.
    """
    t = per_service
    keys = [*by, *SUMMARY_KEYS]
    sums: dict[str, Any] = {name: t[name].sum() for name in _POOLED_COUNTS}
    for moment, (mean, _sd, weight) in _POOLED_MOMENTS.items():
        # A service with no participants has a null mean: it adds nothing to either sum.
        has = t[mean].notnull()
        sums[f"_{moment}_sum"] = ibis.ifelse(has, t[mean] * t[weight], 0.0).sum()
        sums[f"_{moment}_n"] = ibis.ifelse(has, t[weight], 0).sum()
    totals = t.group_by(keys).aggregate(**sums)
    means = {
        moment: ibis.ifelse(
            totals[f"_{moment}_n"] > 0,
            totals[f"_{moment}_sum"] / totals[f"_{moment}_n"].cast("float64"),
            ibis.null("float64"),
        )
        for moment in _POOLED_MOMENTS
    }
    totals = totals.mutate(**{f"_{m}_mean": value for m, value in means.items()})
    joined = t.join(totals, keys, how="inner", rname="{name}_pooled")
    squares: dict[str, Any] = {}
    for moment, (mean, sd, weight) in _POOLED_MOMENTS.items():
        if sd is None:
            continue
        # One participant has no spread (its SD is null): it adds 0 within services.
        within = ibis.ifelse(joined[weight] > 1, (joined[weight] - 1) * joined[sd] ** 2, 0.0)
        between = joined[weight] * (joined[mean] - joined[f"_{moment}_mean"]) ** 2
        squares[f"_{moment}_ss"] = ibis.ifelse(joined[mean].notnull(), within + between, 0.0).sum()
    spread = joined.group_by(keys).aggregate(**squares)
    pooled = totals.join(spread, keys, how="inner", rname="{name}_spread")

    def sd_of(moment: str) -> Any:
        n = pooled[f"_{moment}_n"]
        variance = pooled[f"_{moment}_ss"] / (n - 1).cast("float64")
        return ibis.ifelse(
            (n > 1) & pooled[f"_{moment}_mean"].notnull(), variance.sqrt(), ibis.null("float64")
        )

    n_paired = pooled.n_paired
    return pooled.select(
        *keys,
        "n_baseline",
        n_paired=n_paired,
        coverage=n_paired / pooled.n_baseline,
        baseline_mean=pooled._baseline_mean,
        baseline_sd=sd_of("baseline").cast("float64"),
        follow_up_mean=pooled._follow_up_mean,
        mean_change=pooled._change_mean,
        sd_change=sd_of("change").cast("float64"),
        **{name: pooled[name] for name in _POOLED_COUNTS[2:]},
    )


def network_outcomes(per_service: ir.Table, networks: ir.Table) -> ir.Table:
    """Outcome metrics pooled per network × instrument × period × timepoint.

    Args:
        per_service: The :func:`service_outcomes` table.
        networks: Mapping with columns ``service_id`` and ``network`` (a service may
            belong to several networks; services in none are left out).
    """
    mapping = networks.select("service_id", "network")
    return pooled_outcomes(per_service.join(mapping, "service_id"), ("network",))


def overall_outcomes(per_service: ir.Table) -> ir.Table:
    """Outcome metrics pooled over every service, per instrument × period × timepoint."""
    return pooled_outcomes(per_service)
