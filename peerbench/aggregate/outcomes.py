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
  (positive = improvement) over the pairs; SD is null when ``n_paired < 2``.
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
    per_pair = pairs.group_by([*group, "timepoint"]).aggregate(
        n_paired=pairs.count(),
        follow_up_mean=pairs.follow_up_score.mean(),
        mean_change=pairs.change.mean(),
        sd_change=pairs.change.std(how="sample"),
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


def network_outcomes(
    base: ir.Table, pairs: ir.Table, params: ir.Table, networks: ir.Table
) -> ir.Table:
    """Outcome metrics pooled per network × instrument × period × timepoint.

    Args:
        base: Baselines.
        pairs: Pairs.
        params: Instrument parameters.
        networks: Mapping with columns ``service_id`` and ``network`` (a service may
            belong to several networks; services in none are left out).
    """
    mapping = networks.select("service_id", "network")
    return outcome_summary(
        base.join(mapping, "service_id"), pairs.join(mapping, "service_id"), params, ("network",)
    )


def overall_outcomes(base: ir.Table, pairs: ir.Table, params: ir.Table) -> ir.Table:
    """Outcome metrics pooled over every service, per instrument × period × timepoint."""
    return outcome_summary(base, pairs, params)
