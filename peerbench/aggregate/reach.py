"""Reach: who services support, and how much (Ibis expressions).

``period`` here is the engagement's period (its ``_period`` lineage: in the pooled
store the submission period, for a plain folder the quarter of ``start_date``).

Metric definitions, per service × period:

* ``engagements``: episodes of support in the period.
* ``participants``: distinct participants with an episode in the period.
* ``median_sessions``: exact median of ``sessions_attended`` over episodes that record
  it (linear interpolation between the two middle values; DuckDB ``percentile_cont``
  and Spark ``percentile`` agree).
* ``n_ended``: episodes with an end reason other than ``ongoing``; ``n_completed``:
  episodes with end reason ``completed``; ``share_completed = n_completed / n_ended``
  (null when none ended).

Demographics (:func:`demographics`): participants (participant × service with an
episode in the period) counted by ``age_band``, ``sex``, ``ethnic_group`` (the 19
ethnicities rolled up to the ONS 5 groups plus ``not_stated``, via
:data:`peerbench.schema.codelists.ETHNICITY_GROUP`) and ``deprivation_quintile``
(``1`` = most deprived fifth, from decile ``1-2``); a value not recorded is
``not_recorded``. ``share`` is the count over the group's participants.
:func:`population_demographics` gives the same over all services pooled, per period.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from peerbench.schema.codelists import ETHNICITY_GROUP

NOT_RECORDED = "not_recorded"
"""Category for a demographic value that is missing (null)."""

DIMENSIONS = ("age_band", "sex", "ethnic_group", "deprivation_quintile")
"""Demographic dimensions, in report order."""

_ETHNIC_GROUP = {ethnicity.value: group.value for ethnicity, group in ETHNICITY_GROUP.items()}


def reach(engagements: ir.Table, services: ir.Table) -> ir.Table:
    """Engagement counts, median sessions and completion per service × period.

    Args:
        engagements: Engagements in the pooled schema.
        services: Services (gives ``organisation_id``).

    Returns:
        Columns ``service_id, organisation_id, period, participants, engagements,
        median_sessions, n_ended, n_completed, share_completed``.
    """
    e = engagements
    ended = e.end_reason != "ongoing"
    per = e.group_by(service_id=e.service_id, period=e._period).aggregate(
        participants=e.participant_key.nunique(),
        engagements=e.count(),
        median_sessions=e.sessions_attended.cast("float64").median(),
        n_ended=ended.cast("int64").sum(),
        n_completed=(e.end_reason == "completed").cast("int64").sum(),
    )
    owners = services.select("service_id", "organisation_id")
    joined = per.join(owners, "service_id", how="left", rname="{name}_service")
    share = ibis.ifelse(joined.n_ended > 0, joined.n_completed / joined.n_ended, ibis.null())
    return joined.select(
        "service_id",
        "organisation_id",
        "period",
        "participants",
        "engagements",
        "median_sessions",
        "n_ended",
        "n_completed",
        share_completed=share.cast("float64"),
    )


def _people(participants: ir.Table, engagements: ir.Table) -> ir.Table:
    """Participant × service × period (engagement period) with demographic categories."""
    episodes = engagements.select(
        "participant_key", "service_id", period=engagements._period
    ).distinct()
    p = participants
    decile = p.deprivation_decile
    quintile: Any = ibis.cases(
        (decile <= 2, "1"),
        (decile <= 4, "2"),
        (decile <= 6, "3"),
        (decile <= 8, "4"),
        (decile <= 10, "5"),
        else_=NOT_RECORDED,
    )
    traits = p.select(
        "participant_key",
        "service_id",
        age_band=p.age_band.fill_null(NOT_RECORDED),
        sex=p.sex.fill_null(NOT_RECORDED),
        ethnic_group=p.ethnicity.substitute(_ETHNIC_GROUP, else_=NOT_RECORDED),
        deprivation_quintile=quintile,
    )
    joined = episodes.join(
        traits, ["participant_key", "service_id"], how="left", rname="{name}_participant"
    )
    return joined.select(
        "participant_key",
        "service_id",
        "period",
        *(joined[d].fill_null(NOT_RECORDED).name(d) for d in DIMENSIONS),
    )


def _with_shares(counts: ir.Table, by: list[str]) -> ir.Table:
    total = counts.n.sum().over(group_by=[*by, "dimension"])
    return counts.select(*by, "dimension", "category", "n", share=counts.n / total.cast("float64"))


def demographics(participants: ir.Table, engagements: ir.Table) -> ir.Table:
    """Participant counts per service × period × dimension × category, with shares.

    Returns:
        Columns ``service_id, period, dimension, category, n, share``.
    """
    people = _people(participants, engagements)
    # One row per person and dimension (unnest), then one aggregation for all dimensions.
    long = people.mutate(dimension=ibis.literal(list(DIMENSIONS), "array<string>").unnest())
    category = ibis.cases(*((long.dimension == d, long[d]) for d in DIMENSIONS))
    by = ["service_id", "period"]
    counts = long.group_by([*by, "dimension", category.name("category")]).aggregate(n=long.count())
    return _with_shares(counts, by)


def population_demographics(per_service: ir.Table) -> ir.Table:
    """The pooled population's distribution: all services together, per period.

    Args:
        per_service: The :func:`demographics` table (its counts add up; a participant
            supported by two services counts once per service).

    Returns:
        Columns ``period, dimension, category, n, share``.
    """
    t = per_service
    counts = t.group_by("period", "dimension", "category").aggregate(n=t.n.sum())
    return _with_shares(counts, ["period"])
