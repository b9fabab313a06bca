"""The data-quality report: how complete and consistent a submission (or a network) is.

Content: the overall score and its three parts (completeness, validity, follow-up
coverage) with what each means; a table per file; the fields most often left empty; any
problems the validator found, with how to fix them; the trend across financial years;
and, for a network, each member's share of the data and its follow-up coverage (people
counts and rates pass disclosure control).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from peerbench.benchmarking import DataQualityNote
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.quality_data import (
    MEMBER_COLUMNS,
    RECORD_NAMES,
    MemberCoverage,
    PeriodQuality,
    member_rows,
)
from peerbench.reports.builders.shares import controlled_count
from peerbench.reports.content import (
    Block,
    Callout,
    Figure,
    KeyFigure,
    Report,
    Section,
    Table,
    TableCell,
)
from peerbench.reports.suppression import SuppressionWording
from peerbench.validators.catalogue import entry
from peerbench.validators.quality import WEIGHTS, QualityProfile
from peerbench.validators.report import Report as ValidationReport

EMPTY_FIELDS_SHOWN = 8
PROBLEMS_SHOWN = 10


@dataclasses.dataclass(frozen=True)
class QualityInputs:
    """Everything the data-quality report is built from.

    Attributes:
        subject: Whose data it is ("Birmingham Mutual Aid", "the network").
        as_of: Extract date of the data ("data up to").
        produced_on: The day the report is produced (None: not printed).
        profile: The whole submission's profile.
        years: Profiles by financial year (see :func:`quality_by_year`).
        members: Per-member coverage (a network; empty for one organisation).
        member_names: Organisation id → display name.
        validation: The validator's report of the same files, if run.
        policy: Disclosure policy for people counts and rates.
        owner: The reader owns the data (a submission's own report): true values.
        left_out: Organisations left out of a benchmark table because their pooled data
            is inconsistent (SPEC §7.1), from the benchmark result.
    """

    subject: str
    as_of: dt.date
    profile: QualityProfile
    years: Sequence[PeriodQuality] = ()
    members: Sequence[MemberCoverage] = ()
    member_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    validation: ValidationReport | None = None
    policy: DisclosurePolicy = dataclasses.field(default_factory=DisclosurePolicy)
    produced_on: dt.date | None = None
    owner: bool = False
    left_out: Sequence[DataQualityNote] = ()


def _score(value: float | None) -> str:
    return fmt.NOT_AVAILABLE if value is None else f"{fmt.number(value)} out of 100"


def _pct(value: float | None) -> str:
    return fmt.NOT_AVAILABLE if value is None else fmt.percent(value / 100)


def _verdict(overall: float | None) -> str:
    if overall is None:
        return "There were no data to score."
    if overall >= 90:
        return "Good: the data are complete and consistent enough to trust the results."
    if overall >= 75:
        return "Fair: results can be used, but filling the gaps below would make them firmer."
    return "Weak: gaps in the data could change the results; fix the problems below first."


def _summary(q: QualityInputs) -> Section:
    p = q.profile
    blocks: list[Block] = [
        KeyFigure("Overall data-quality score", _score(p.overall), _verdict(p.overall)),
        KeyFigure(
            "Completeness",
            _pct(p.completeness),
            "The share of the fields that should be filled in that were filled in.",
        ),
        KeyFigure(
            "Validity",
            _pct(p.validity),
            "The share of values that passed the standard's checks (allowed codes, "
            "ranges and dates).",
        ),
        KeyFigure(
            "Follow-up coverage",
            _pct(p.follow_up_coverage),
            "Of the people who filled in a questionnaire at the start, the share who "
            "filled in the same one again later. Without a second score, nobody can "
            "tell whether things got better.",
        ),
    ]
    errors = q.validation.errors if q.validation is not None else 0
    if q.validation is not None and errors:
        blocks.append(
            Callout(
                f"The checks found {fmt.number(errors)} problems that must be fixed before "
                "the data can be pooled. They are listed below with how to fix them.",
                "caution",
            )
        )
    elif q.validation is not None:
        blocks.append(Callout("The files passed every check in the standard.", "good"))
    for note in q.left_out:
        who = q.member_names.get(note.organisation_id, note.organisation_id)
        blocks.append(
            Callout(
                f"{who}'s data was left out of the {note.table} figures because it does "
                f"not agree with itself ({note.reason}); everyone else's figures are shown.",
                "caution",
            )
        )
    names = {"completeness": "completeness", "validity": "validity"}
    weights = ", ".join(
        f"{names.get(k, 'follow-up coverage')} {fmt.percent(v)}" for k, v in WEIGHTS.items()
    )
    return Section(
        "In brief",
        intro=f"Data for {q.subject}, up to {long_date(q.as_of)}. The overall score "
        f"weighs the three parts as follows: {weights}.",
        blocks=blocks,
    )


def _files(q: QualityInputs) -> Section:
    rows: list[list[TableCell]] = [
        [
            RECORD_NAMES.get(name, name),
            rt.rows,
            _pct(rt.completeness),
            _pct(rt.validity),
        ]
        for name, rt in q.profile.record_types.items()
    ]
    empties = sorted(
        (
            (e.observed, RECORD_NAMES.get(name, name), e.column)
            for name, rt in q.profile.record_types.items()
            for e in rt.expectations
            if e.dimension == "completeness" and e.observed is not None and e.observed < 100
        ),
        key=lambda t: (t[0], t[1], t[2]),
    )[:EMPTY_FIELDS_SHOWN]
    blocks: list[Block] = [
        Table(
            columns=["File", "Rows", "Filled in", "Valid values"],
            rows=rows,
            caption="Completeness and validity of each file",
            what_it_means="Files with lower figures are where better recording would most "
            "improve the evidence.",
        )
    ]
    if empties:
        blocks.append(
            Table(
                columns=["Field (as named in the file)", "File", "Filled in"],
                rows=[[column, file, _pct(obs)] for obs, file, column in empties],
                caption="Fields most often left empty",
                numeric=frozenset({2}),
                what_it_means="Optional fields left empty do not stop data being pooled, "
                "but they limit what can be said about who benefits.",
            )
        )
    if q.profile.sampled:
        blocks.append(
            Callout(
                f"Large files were checked on a random sample of "
                f"{fmt.number(q.profile.sample_rows)} rows, so these figures are estimates.",
                "info",
            )
        )
    return Section("File by file", blocks=blocks)


def _problems(q: QualityInputs) -> Section | None:
    if q.validation is None or not q.validation.by_code:
        return None
    top = sorted(q.validation.by_code.items(), key=lambda kv: (-kv[1], kv[0]))[:PROBLEMS_SHOWN]
    rows: list[list[TableCell]] = [
        [entry(code).title, entry(code).severity.value.capitalize(), count, entry(code).hint]
        for code, count in top
    ]
    return Section(
        "Problems found",
        blocks=[
            Table(
                columns=["Problem", "Type", "Times found", "How to fix it"],
                rows=rows,
                caption="The most frequent problems",
                what_it_means="Errors stop a file being pooled; warnings are accepted but "
                "should be checked.",
                numeric=frozenset({2}),
            )
        ],
    )


def _trend(q: QualityInputs) -> Section | None:
    if len(q.years) < 2:
        return None
    series: dict[str, Callable[[QualityProfile], float | None]] = {
        "Completeness": lambda p: p.completeness,
        "Validity": lambda p: p.validity,
        "Follow-up coverage": lambda p: p.follow_up_coverage,
    }
    rows = [
        {"period": year.label, "series": name, "value": get(year.profile)}
        for year in q.years
        for name, get in series.items()
    ]
    chart = charts.score_trend(
        rows,
        period_label="Financial year (April to March)",
        value_label="Score (out of 100)",
        title="Data quality by the year people started support",
    )
    table_rows = [
        [
            year.label,
            controlled_count(year.people, q.policy, owner=q.owner),
            _score(year.profile.overall),
        ]
        for year in q.years
    ]
    return Section(
        "Over time",
        intro="Each year covers the people who started support in it, with every "
        "questionnaire they filled in, even if it was filled in the following year.",
        blocks=[
            Figure(chart, _trend_meaning(q.years)),
            Table(
                columns=["Financial year", "People starting support", "Overall score"],
                rows=table_rows,
                caption="People and overall score by year",
                what_it_means="Scores are comparable from year to year; a drop points to a "
                "change in how data were recorded.",
            ),
        ],
    )


def _movement(name: str, first: float | None, last: float | None) -> str:
    if first is None or last is None:
        return f"{name} cannot be compared across the years"
    if abs(last - first) < 5:
        return f"{name} stayed about the same"
    return f"{name} {'rose' if last > first else 'fell'} from {_pct(first)} to {_pct(last)}"


def _trend_meaning(years: Sequence[PeriodQuality]) -> str:
    first, last = years[0].profile, years[-1].profile
    text = (
        f"{_movement('Completeness', first.completeness, last.completeness)}, and "
        f"{_movement('validity', first.validity, last.validity)}."
    )
    best = max(
        (y for y in years if y.profile.follow_up_coverage is not None),
        key=lambda y: y.profile.follow_up_coverage or 0.0,
        default=None,
    )
    if (
        best is not None
        and last.follow_up_coverage is not None
        and (best.profile.follow_up_coverage or 0.0) - last.follow_up_coverage >= 10
    ):
        text += (
            f" Follow-up coverage is lowest for {years[-1].label} because many of those "
            "people are still being supported and have not reached their next questionnaire: "
            "this is timing, not poor recording."
        )
    return text


def _members(q: QualityInputs) -> Section | None:
    if len(q.members) < 2:
        return None
    cells = member_rows(q.members, q.member_names, q.policy, owner=q.owner)
    return Section(
        "Data from each member",
        blocks=[
            Table(
                columns=MEMBER_COLUMNS,
                rows=cells,
                caption="How much each member contributes, and how many people they follow up",
                what_it_means="Members with low follow-up give the network less evidence of "
                "change; a reminder at three months is the simplest fix.",
            )
        ],
    )


def build_quality_report(q: QualityInputs) -> Report:
    """The data-quality report for a submission or a network.

    Args:
        q: The profiles and context (see :class:`QualityInputs`).

    Returns:
        The report content, ready for :func:`peerbench.reports.render_html`.
    """
    sections = [_summary(q), _files(q)]
    sections += [s for s in (_problems(q), _trend(q), _members(q)) if s is not None]
    return Report(
        kind="quality",
        title=f"Data quality: {q.subject}",
        subtitle=f"Data up to {long_date(q.as_of)}",
        generated_for=q.subject,
        sections=sections,
        assumptions=[
            "Completeness counts the fields every service should record and the optional "
            "core and standard fields; extended fields are left out.",
            "Validity counts every check of allowed codes, ranges, patterns and dates on the "
            "values present.",
            "Follow-up coverage counts people with a first score on a questionnaire who have "
            "a later score on the same questionnaire.",
            f"Counts of people pass disclosure control ({q.policy.name}): counts of "
            f"{q.policy.small_count_min} to {q.policy.small_count_max} are hidden and others "
            f"rounded to the nearest {q.policy.rounding_base}"
            + (" for readers outside the organisation." if q.owner else "."),
        ],
        generated_on=None if q.produced_on is None else long_date(q.produced_on),
        data_up_to=long_date(q.as_of),
        wording=SuppressionWording.from_policy(q.policy),
    )
