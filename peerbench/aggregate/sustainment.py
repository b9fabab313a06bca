"""Sustainment: do early improvements last? (Ibis expression over participant outcomes.)

Per participant × service × instrument, the *index* follow-up is the ``month_3`` pair,
or the ``end`` pair when there is no ``month_3`` pair. For each later horizon H
(``month_6``, ``month_12``):

* ``n_eligible``: participants reliably improved at the index follow-up, excluding
  those whose H measurement was taken on or before the index follow-up (H was then not
  later than the improvement).
* ``n_followed_up``: eligible participants with a pair at H (taken after the index).
* ``n_sustained``: followed-up participants still reliably improved at H.
* ``share_sustained = n_sustained / n_followed_up`` (null when nobody was followed up).
* ``retention = n_followed_up / n_eligible``: read it beside ``share_sustained``, since
  people lost to follow-up may differ from those who stayed.

Only instruments with a reliable-change threshold in the registry take part (the flag
is null otherwise, so nobody is eligible). Groups are service × instrument × period
(:func:`sustainment`), pooled from there by summing the counts
(:func:`pooled_sustainment`); ``period`` is the baseline's period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from peerbench.aggregate.paired import day_of, reliably_improved

HORIZONS = ("month_6", "month_12")
"""Later follow-ups at which sustainment is measured."""


def _improved(w: ir.Table, tp: str) -> Any:
    return reliably_improved((w[f"{tp}_score"] - w.baseline_score) * w.direction, w.rc_threshold)


def _at_horizon(wide: ir.Table, horizon: str) -> ir.Table:
    """One row per participant with 0/1 eligible, followed-up and sustained at ``horizon``."""
    w = wide
    use_month_3 = w.month_3_seq.notnull()
    index_improved = ibis.ifelse(use_month_3, _improved(w, "month_3"), _improved(w, "end"))
    # Later means on a later day: compare the days in the seq keys (no dates are built).
    index_day = ibis.ifelse(use_month_3, day_of(w.month_3_seq), day_of(w.end_seq))
    h_day = day_of(w[f"{horizon}_seq"])
    later = (h_day > index_day).fill_null(False)
    eligible = index_improved.fill_null(False) & (h_day.isnull() | later)
    followed = eligible & later
    sustained = followed & _improved(w, horizon).fill_null(False)
    return w.select(
        "service_id",
        "instrument",
        "period",
        horizon=ibis.literal(horizon, "string"),
        eligible=eligible.cast("int64"),
        followed_up=followed.cast("int64"),
        sustained=sustained.cast("int64"),
    )


def _with_shares(counts: ir.Table, keys: Sequence[str]) -> ir.Table:
    share = ibis.ifelse(
        counts.n_followed_up > 0,
        counts.n_sustained / counts.n_followed_up.cast("float64"),
        ibis.null("float64"),
    )
    return counts.select(
        *keys,
        "n_eligible",
        "n_followed_up",
        "n_sustained",
        share_sustained=share,
        retention=counts.n_followed_up / counts.n_eligible.cast("float64"),
    )


def sustainment(wide: ir.Table) -> ir.Table:
    """Sustainment per service × instrument × period × horizon.

    Args:
        wide: The participant-level table
            (:func:`peerbench.aggregate.paired.participant_outcomes`).

    Returns:
        ``service_id, instrument, period, horizon, n_eligible, n_followed_up,
        n_sustained, share_sustained, retention``; only groups with someone eligible.
    """
    # Only instruments with a threshold can have anyone reliably improved.
    candidates = wide.filter(wide.rc_threshold.notnull(), wide.direction.notnull())
    rows = ibis.union(*(_at_horizon(candidates, h) for h in HORIZONS))
    rows = rows.filter(rows.eligible == 1)
    keys = ["service_id", "instrument", "period", "horizon"]
    counts = rows.group_by(keys).aggregate(
        n_eligible=rows.eligible.sum(),
        n_followed_up=rows.followed_up.sum(),
        n_sustained=rows.sustained.sum(),
    )
    return _with_shares(counts, keys)


def pooled_sustainment(per_service: ir.Table, by: Sequence[str] = ()) -> ir.Table:
    """Sustainment pooled from the per-service table (the counts simply add up).

    Args:
        per_service: The :func:`sustainment` table, with any ``by`` columns added.
        by: Group columns; none for all services together.

    Returns:
        ``by`` columns, ``instrument, period, horizon`` and the same metrics.
    """
    keys = [*by, "instrument", "period", "horizon"]
    t = per_service
    counts = t.group_by(keys).aggregate(
        n_eligible=t.n_eligible.sum(),
        n_followed_up=t.n_followed_up.sum(),
        n_sustained=t.n_sustained.sum(),
    )
    return _with_shares(counts, keys)
