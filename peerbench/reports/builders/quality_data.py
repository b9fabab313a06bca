"""The numbers behind the data-quality report: profiles overall, by year and by member.

Scores come from :func:`peerbench.validators.quality.quality_profile` (completeness,
validity, follow-up coverage, 0–100). For the trend, each financial year is profiled on
its own slice of the data: episodes of support that started in it, the people who
started, their questionnaires (all of them, so a follow-up taken the next year still
counts for the year the person started), service-use records and feedback dated in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.disclosure import DisclosurePolicy
from peerbench.reports import formatting as fmt
from peerbench.reports.builders.periods import Years, financial_years, year_label
from peerbench.reports.builders.shares import controlled_count, controlled_rate
from peerbench.reports.content import TableCell
from peerbench.validators.gx_runner import SuiteRunner
from peerbench.validators.quality import QualityProfile, quality_profile

#: Record types in reader order, with plain names.
RECORD_NAMES: dict[str, str] = {
    "organisation": "Organisations",
    "service": "Services",
    "participant": "People supported",
    "engagement": "Episodes of support",
    "outcome": "Questionnaire scores",
    "service_use": "Use of health services",
    "feedback": "Feedback",
}
_DATED = {"engagement": "start_date", "service_use": "date_recorded", "feedback": "feedback_date"}


@dataclasses.dataclass(frozen=True)
class PeriodQuality:
    """Quality scores of one financial year's slice of the data.

    Attributes:
        label: Reader-facing year, e.g. "2024–25".
        people: People whose support started in the year.
        profile: The year's profile (scores 0–100 or ``None``).
    """

    label: str
    people: int
    profile: QualityProfile


@dataclasses.dataclass(frozen=True)
class MemberCoverage:
    """One member organisation's share of the pool and its follow-up coverage.

    Attributes:
        organisation_id: The member.
        services: Services it submitted.
        people: People with a first score on any questionnaire.
        followed_up: Of those, people with a later score on the same questionnaire.
        scores: Questionnaire scores submitted.
    """

    organisation_id: str
    services: int
    people: int
    followed_up: int
    scores: int


def _years_of(table: pa.Table, column: str) -> Years:
    return financial_years(table[column])


def _people_years(tables: Mapping[str, pa.Table]) -> dict[tuple[str, str], int]:
    """(participant_key, service_id) → financial year of their first episode start."""
    engagement = tables.get("engagement")
    if engagement is None or engagement.num_rows == 0:
        return {}
    years = _years_of(engagement, "start_date")
    keys = zip(
        engagement["participant_key"].to_pylist(),
        engagement["service_id"].to_pylist(),
        strict=True,
    )
    first: dict[tuple[str, str], int] = {}
    for key, year in zip(keys, years.tolist(), strict=True):
        if year >= 0 and (key not in first or year < first[key]):
            first[key] = year
    return first


def _slice(
    tables: Mapping[str, pa.Table], year: int, starts: Mapping[tuple[str, str], int]
) -> dict[str, pa.Table]:
    keys = [k for k, y in starts.items() if y == year]
    joined = pa.array([f"{p}\x1f{s}" for p, s in keys], pa.string())
    out: dict[str, pa.Table] = {}
    for record_type, table in tables.items():
        if record_type in _DATED:
            out[record_type] = table.filter(pa.array(_years_of(table, _DATED[record_type]) == year))
        elif record_type in {"participant", "outcome"}:
            both = pc.binary_join_element_wise(
                table["participant_key"], table["service_id"], "\x1f"
            )
            out[record_type] = table.filter(pc.is_in(both, joined))
    return out


def quality_by_year(
    tables: Mapping[str, pa.Table], as_of: dt.date, runner: SuiteRunner | None = None
) -> list[PeriodQuality]:
    """Profile each financial year that has people starting support in it.

    Args:
        tables: Canonical tables keyed by record type.
        as_of: The extract date (labels the last, partial year).
        runner: A GX runner to reuse.

    Returns:
        One entry per year, oldest first.
    """
    runner = runner or SuiteRunner()
    starts = _people_years(tables)
    years = sorted(set(starts.values()))
    return [
        PeriodQuality(
            label=year_label(year, as_of),
            people=sum(1 for y in starts.values() if y == year),
            profile=quality_profile(_slice(tables, year, starts), runner=runner),
        )
        for year in years
    ]


def member_coverage(tables: Mapping[str, pa.Table]) -> list[MemberCoverage]:
    """Per organisation: services, people with a first score, and how many were followed up.

    Follow-up uses the quality profile's definition: a person (per service) with a
    baseline on an instrument who also has a later score on that instrument.
    """
    services = tables.get("service")
    outcome = tables.get("outcome")
    if services is None or outcome is None:
        return []
    org_of = dict(
        zip(
            services["service_id"].to_pylist(), services["organisation_id"].to_pylist(), strict=True
        )
    )
    frame = outcome.select(["participant_key", "service_id", "instrument", "timepoint"]).to_pandas()
    frame["baseline"] = frame["timepoint"] == "baseline"
    by_form = frame.groupby(["participant_key", "service_id", "instrument"])["baseline"].agg(
        ["any", "all"]
    )
    by_form["followed"] = by_form["any"] & ~by_form["all"]
    people = by_form[by_form["any"]].groupby(level=[0, 1])["followed"].any().reset_index()
    people["org"] = people["service_id"].map(org_of)
    scores = frame.assign(org=frame["service_id"].map(org_of)).groupby("org").size()
    out = []
    for org in sorted(set(org_of.values())):
        mine = people[people["org"] == org]
        out.append(
            MemberCoverage(
                organisation_id=org,
                services=sum(1 for o in org_of.values() if o == org),
                people=len(mine),
                followed_up=int(mine["followed"].sum()),
                scores=int(scores.get(org, 0)),
            )
        )
    return out


MEMBER_COLUMNS = ["Member", "Services", "People with a first score", "Share followed up"]
"""Columns of a members table (:func:`member_rows`)."""


def member_rows(
    members: Sequence[MemberCoverage],
    names: Mapping[str, str],
    policy: DisclosurePolicy,
    *,
    owner: bool,
) -> list[list[TableCell]]:
    """One row per member: name, services, people and share followed up, controlled.

    Args:
        members: From :func:`member_coverage`.
        names: Organisation names by id (the id where a name is missing).
        policy: The disclosure policy for the counts and shares.
        owner: Whether the reader owns every member's data (true counts).
    """
    rows: list[list[TableCell]] = []
    for m in members:
        rate = controlled_rate(m.followed_up, m.people, policy, owner=owner)
        rows.append(
            [
                names.get(m.organisation_id, m.organisation_id),
                m.services,
                controlled_count(m.people, policy, owner=owner),
                fmt.percent(rate) if isinstance(rate, float) else rate,
            ]
        )
    return rows
