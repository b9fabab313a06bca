"""Row types of the access pillar: from referral to first contact (SPEC §12.y).

Computed by :mod:`peerbench.benchmarking.access`, controlled by
:mod:`peerbench.benchmarking.access_disclose`.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from peerbench.benchmarking.rows import Row

__all__ = ["BREAKDOWNS", "NOT_RECORDED", "OVERALL", "AccessReasonRow", "AccessRow"]

OVERALL = "all"
"""``breakdown`` and ``group`` of the row covering every referral."""

NOT_RECORDED = "not_recorded"
"""``group`` of referrals whose breakdown value is missing (kept, so groups add up)."""

BREAKDOWNS = (
    OVERALL,
    "route",
    "condition",
    "deprivation_quintile",
    "service_model",
    "network",
    "service",
)
"""Breakdowns of the access table, in report order."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessRow(Row):
    """Waiting times and the uptake funnel of one group of referrals.

    Counts are of referrals (a person referred twice counts twice). Every figure is
    measured at ``as_of``: referrals received after it are left out, a first contact
    after it has not happened yet.

    Attributes:
        breakdown: ``all``, ``route``, ``condition``, ``deprivation_quintile``
            (``Q1`` most deprived … ``Q5``), ``service_model`` (the service's
            facilitator model), ``network`` or ``service``.
        group: The group within the breakdown (``all`` for the overall row;
            ``not_recorded`` when the value is missing).
        period: The referral period (quarter of referral_date), or ``all``.
        service_id: The service (``service`` breakdown only, else None).
        as_of: The day the figures are measured at (ISO date).
        n_referred: Referrals received on or before ``as_of``.
        n_contacted: Of those, with a first contact on or before ``as_of`` (the waits).
        median_wait_days: Median days referral → first contact (``numpy.median``).
        p90_wait_days: 90th percentile, nearest rank (``numpy`` ``inverted_cdf``).
        n_waiting: Still waiting at ``as_of`` (no first contact yet, not closed):
            censored waits, counted here and never dropped.
        median_waiting_days, p90_waiting_days: Days waited so far by those still
            waiting (same definitions; a lower bound on their eventual wait).
        n_started: Referrals with uptake ``started`` (first contact by ``as_of``).
        n_attended: Of those, an engagement at the service starting on/after the
            referral (before the person's next referral there) with at least one
            session attended.
        n_completed: Of those, that engagement ended ``completed``.
        share_started, share_attended, share_completed: Each stage / ``n_referred``.
    """

    KEY: ClassVar[tuple[str, ...]] = ("breakdown", "group", "period")
    breakdown: str
    group: str
    period: str
    service_id: str | None = None
    as_of: str | None = None
    n_referred: int | None = None
    n_contacted: int | None = None
    median_wait_days: float | None = None
    p90_wait_days: float | None = None
    n_waiting: int | None = None
    median_waiting_days: float | None = None
    p90_waiting_days: float | None = None
    n_started: int | None = None
    n_attended: int | None = None
    n_completed: int | None = None
    share_started: float | None = None
    share_attended: float | None = None
    share_completed: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessReasonRow(Row):
    """Why referrals did not (yet) start support: network totals by uptake code.

    Attributes:
        period: The referral period, or ``all``.
        uptake: The uptake code (``waiting``, ``declined``, …); ``Total`` for every
            referral that has not started.
        n: Referrals with that uptake at ``as_of``.
        share: ``n`` / referrals not started.
    """

    KEY: ClassVar[tuple[str, ...]] = ("period", "uptake")
    period: str
    uptake: str
    n: int | None = None
    share: float | None = None
