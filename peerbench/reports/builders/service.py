"""The service report: one organisation's view of its own service, against the network.

Content, in order: the headline figures; who the service reaches compared with the
network; how scores changed (before/after bands and a table per measure, with
intervals); where the service sits on the funnel plot; individual change (improved /
unchanged / got worse); whether improvements last; the data-quality score; and quotes
from consented, released feedback. The service's own figures are the owner view of
:func:`peerbench.benchmarking.disclose.controlled`; every other figure is public.
"""

from __future__ import annotations

import statistics
from typing import Any

import pyarrow.compute as pc

from peerbench.benchmarking import ALL_PERIODS, BenchmarkResult, ServiceInfo
from peerbench.benchmarking.disclose import controlled
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import phrases, select
from peerbench.reports.builders.blocks import key_figure
from peerbench.reports.builders.chart_inputs import (
    band_axis_label,
    band_rows,
    bands_for,
    change_row,
    funnel_inputs,
    reach_rows,
    retention_rows,
)
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.quality_data import RECORD_NAMES
from peerbench.reports.builders.quotes import quotable, select_quotes
from peerbench.reports.builders.wording import (
    instrument_name,
    instrument_topic,
    timepoint_phrase,
)
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
from peerbench.validators.quality import quality_profile

MEASURES_SHOWN = 4
OWN = "This service"
ALL = "All services"


class _Context:
    """What every section of one service report needs."""

    def __init__(self, data: ReportData, service_id: str, owner: bool) -> None:
        self.data = data
        self.service_id = service_id
        self.owner = owner
        self.organisation_id = data.organisation_of(service_id)
        self.result: BenchmarkResult = controlled(
            data.raw, data.policy, viewer_organisation_id=self.organisation_id if owner else None
        )
        self.info = select.service(self.result, service_id)
        self.name = select.service_name(self.result, service_id)
        self.wording = SuppressionWording.from_policy(data.policy)
        self.measures = select.instruments_by_evidence(self.result, service_id)
        self.headline = self.measures[0] if self.measures else None
        self.reach = select.first(self.result.reach, service_id=service_id)


_RUN_BY = {
    "volunteer_peers": "volunteer peers",
    "paid_peer_workers": "paid peer workers",
    "mixed": "a mix of volunteers and paid peer workers",
    "professional_led": "professionals working with peers",
}
_FORMAT = {
    "group": "group",
    "one_to_one": "one-to-one",
    "online": "online",
    "telephone": "telephone",
    "mixed": "mixed (group and one-to-one)",
}


def model_text(info: ServiceInfo) -> str:
    """The service model in words: "one-to-one peer support ..., run by volunteer peers"."""
    form = _FORMAT.get(info.delivery_format or "", "peer")
    shape = (
        "as a structured programme"
        if info.structure == "structured_programme"
        else ("on a drop-in basis" if info.structure == "ad_hoc" else "")
    )
    run_by = _RUN_BY.get(info.facilitator_model or "", "")
    text = f"{form} peer support" + (f" {shape}" if shape else "")
    return text + (f", run by {run_by}" if run_by else "")


def _in_brief(ctx: _Context, quality: float | None) -> Section:
    blocks: list[Block] = [
        key_figure(
            "People supported",
            select.value(ctx.reach, "participants"),
            phrases.people_text(select.value(ctx.reach, "participants"), ctx.wording),
            f"Everyone who started support with {ctx.name} up to {long_date(ctx.data.as_of)}.",
        )
    ]
    if ctx.headline is None:
        blocks.append(
            Callout(
                f"Fewer than {ctx.data.policy.min_n} people have filled in the same "
                "questionnaire at the start and again later, so change cannot yet be "
                "reported safely or reliably. Asking people to fill in the questionnaire "
                "again at three months is the quickest way to change this.",
                "caution",
            )
        )
    else:
        instrument, timepoint = ctx.headline
        row = select.outcome(ctx.result, ctx.service_id, instrument, timepoint)
        pooled = select.pooled(ctx.result, instrument, timepoint)
        blocks += [
            key_figure(
                f"People whose {instrument_topic(instrument)} improved",
                select.value(row, "share_improved"),
                phrases.improved_text(row, ctx.wording),
                phrases.improved_meaning(row, instrument, timepoint),
            ),
            key_figure(
                f"Average change in {instrument_topic(instrument)}",
                select.value(row, "mean_change"),
                phrases.change_text(row, ctx.wording),
                phrases.change_meaning(instrument, pooled, ctx.wording),
            ),
        ]
    blocks.append(
        KeyFigure(
            "Data-quality score",
            fmt.NOT_AVAILABLE if quality is None else f"{fmt.number(quality)} out of 100",
            "How complete and consistent this service's data are; above 90 is good.",
        )
    )
    return Section(
        "In brief",
        intro=f"{ctx.name} offers {model_text(ctx.info)}. Figures cover everyone supported up "
        f"to {long_date(ctx.data.as_of)}.",
        blocks=blocks,
    )


def _reach(ctx: _Context) -> Section:
    rows = reach_rows(
        ctx.data.demographics,
        "age_band",
        [ctx.service_id],
        None,
        ctx.data.policy,
        owner=ctx.owner,
    )
    chart = charts.reach_vs_population(
        rows,
        category_label="Age",
        service_label=OWN,
        population_label=ALL,
        title="Ages of the people supported, compared with all services",
    )
    all_reach = select.where(ctx.result.reach, period=ctx.reach.period) if ctx.reach else []

    def typical(field: str) -> float | None:
        values = sorted(v for r in all_reach if (v := select.number(r, field)) is not None)
        return float(statistics.median(values)) if values else None

    def whole(value: float | None) -> str:
        return fmt.number(value)

    table = Table(
        columns=["", ctx.name, "Typical service"],
        rows=[
            [
                "Episodes of support",
                select.value(ctx.reach, "engagements"),
                whole(typical("engagements")),
            ],
            [
                "Median sessions attended",
                select.value(ctx.reach, "median_sessions"),
                whole(typical("median_sessions")),
            ],
            [
                "Share of finished episodes that were completed",
                _pct(select.value(ctx.reach, "share_completed"), ctx.wording),
                _pct(typical("share_completed"), ctx.wording),
            ],
        ],
        caption="How people used the service",
        what_it_means="Completion counts episodes that ended as planned rather than people "
        "stopping early. The typical service is the middle one when all services are put in "
        "order.",
    )
    return Section(
        "Who the service reaches",
        intro="Compare the ages of the people you support with those supported across the "
        "network: gaps can show who might be missing out.",
        blocks=[Figure(chart, _reach_meaning(rows)), table],
    )


def _pct(value: Any, wording: SuppressionWording) -> Any:
    return value if not isinstance(value, float) else fmt.percent(value, wording=wording)


def _reach_meaning(rows: list[dict[str, Any]]) -> str:
    gaps = [
        (float(r["service_share"]) - float(r["population_share"]), str(r["category"]))
        for r in rows
        if isinstance(r["service_share"], float) and isinstance(r["population_share"], float)
    ]
    if not gaps:
        return "Too few people to compare ages safely."
    over, under = max(gaps), min(gaps)
    if over[0] < 0.05 and under[0] > -0.05:
        return "The ages of people supported are close to the network's."
    text = f"The biggest difference: people aged {over[1].lower()} make up "
    text += f"{fmt.number(over[0] * 100)} percentage points more of this service than of all "
    text += "services"
    if under[0] <= -0.05:
        text += (
            f", and people aged {under[1].lower()} {fmt.number(-under[0] * 100)} percentage "
            "points less"
        )
    return text + "."


def _change(ctx: _Context) -> Section | None:
    if ctx.headline is None:
        return None
    instrument, timepoint = ctx.headline
    blocks: list[Block] = []
    if bands_for(instrument):
        rows = band_rows(
            ctx.data.paired,
            instrument,
            timepoint,
            [ctx.service_id],
            ctx.data.policy,
            owner=ctx.owner,
        )
        chart = charts.before_after_distribution(
            rows,
            score_label=band_axis_label(instrument),
            baseline_label="At the start",
            followup_label=timepoint_phrase(timepoint).capitalize(),
            title=f"{instrument_topic(instrument).capitalize()} scores at the start and "
            f"{timepoint_phrase(timepoint)}",
        )
        blocks.append(
            Figure(
                chart,
                "Each pair of bars shows the same people at the start and later, so the "
                "shift between them is change, not a different group of people.",
            )
        )
    table_rows = []
    for code, tp in ctx.measures[:MEASURES_SHOWN]:
        own = select.outcome(ctx.result, ctx.service_id, code, tp)
        pooled = select.pooled(ctx.result, code, tp)
        table_rows.append(
            [
                instrument_name(code),
                select.value(own, "n_paired"),
                phrases.change_text(own, ctx.wording),
                phrases.improved_text(own, ctx.wording),
                phrases.change_text(pooled, ctx.wording).split(" (")[0],
            ]
        )
    blocks.append(
        Table(
            columns=[
                "Measure",
                "People with both scores",
                "Average change",
                "Share improved",
                "All services: average change",
            ],
            rows=table_rows,
            caption="Change on each measure the service uses",
            what_it_means="A plus sign means things got better. Where the bracketed range "
            "does not include zero, the change is very unlikely to be chance.",
        )
    )
    return Section(
        f"How people's {instrument_topic(instrument)} changed",
        intro=f"Change is measured between the first score and the score "
        f"{timepoint_phrase(timepoint)}, for people with both.",
        blocks=blocks,
    )


def _progress(ctx: _Context) -> Section | None:
    """For a service without reportable change: how close each measure is to 10 pairs."""
    if ctx.headline is not None:
        return None
    rows = []
    for row in sorted(
        select.where(ctx.result.outcomes, service_id=ctx.service_id, period=ALL_PERIODS),
        key=lambda r: (r.instrument, r.timepoint),
    ):
        if "." in row.instrument or row.timepoint != select.headline_timepoint(
            ctx.result, row.instrument
        ):
            continue
        rows.append(
            [
                instrument_name(row.instrument),
                select.value(row, "n_baseline"),
                select.value(row, "n_paired"),
                timepoint_phrase(row.timepoint),
            ]
        )
    if not rows:
        return None
    return Section(
        "Progress towards reporting change",
        intro=f"Change is reported once at least {ctx.data.policy.min_n} people have filled in "
        "the same questionnaire at the start and again later.",
        blocks=[
            Table(
                columns=["Measure", "People with a first score", "People with a later score",
                         "Later score taken"],
                rows=rows,
                caption="Questionnaires filled in so far",
                what_it_means="These are your own figures, shown in full; they are hidden from "
                "other readers until they reach the minimum.",
                numeric=frozenset({1, 2}),
            )
        ],
    )  # fmt: skip


def _compare(ctx: _Context) -> Section | None:
    if ctx.headline is None:
        return None
    instrument, timepoint = ctx.headline
    metric = "reliable_improvement"
    found = funnel_inputs(ctx.result, instrument, timepoint, metric)
    if found is None:
        metric = "mean_change"
        found = funnel_inputs(ctx.result, instrument, timepoint, metric)
    if found is None:
        return None
    units, curves, target = found
    own = select.first(
        ctx.result.funnel_points,
        service_id=ctx.service_id,
        instrument=instrument,
        timepoint=timepoint,
        metric=metric,
    )
    is_share = metric == "reliable_improvement"
    chart = charts.funnel_plot(
        units,
        curves,
        target=target,
        highlight=ctx.name,
        value_label=f"Share whose {instrument_topic(instrument)} improved"
        if is_share
        else f"Average change in {instrument_topic(instrument)}",
        precision_label="People with both scores" if is_share else "Precision (more people →)",
        value_format="percent" if is_share else "number",
        title=f"{ctx.name} among all services: {instrument_topic(instrument)}",
    )
    flag = own.flag if own is not None and own.flag else None
    meaning = (
        f"{ctx.name} is {phrases.FLAG_MEANINGS[flag]}."
        if flag in phrases.FLAG_MEANINGS
        else f"{ctx.name} is not on the plot because too few of its people have both scores."
    )
    return Section(
        "How the service compares",
        intro="Each dot is a service. Small services naturally vary more, so the limits "
        "widen to the left: only dots outside the lines differ by more than chance.",
        blocks=[Figure(chart, meaning)],
    )


def _individual(ctx: _Context) -> Section | None:
    counted = [
        (code, tp)
        for code, tp in ctx.measures
        if select.counts_improvement(select.outcome(ctx.result, ctx.service_id, code, tp))
    ]
    if not counted:
        return None
    rows = []
    for code, tp in counted[:3]:
        topic = instrument_topic(code).capitalize()
        rows.append(change_row(f"{topic}: {OWN.lower()}", select.outcome(
            ctx.result, ctx.service_id, code, tp)))  # fmt: skip
        rows.append(change_row(f"{topic}: {ALL.lower()}", select.pooled(ctx.result, code, tp)))
    chart = charts.individual_change_bars(rows, group_label="Measure and group")
    return Section(
        "Individual change",
        intro="Averages can hide people who got worse. These bars count people, using each "
        "measure's margin of error to separate real change from day-to-day ups and downs.",
        blocks=[
            Figure(
                chart,
                "Most people improved or stayed about the same; the orange part shows people "
                "who got worse, who may need more or different support.",
            )
        ],
    )


def _lasting(ctx: _Context) -> Section | None:
    if ctx.headline is None:
        return None
    instrument, _ = ctx.headline
    rows = retention_rows(ctx.result, instrument, {OWN: ctx.service_id, ALL: None})
    if not any(r["series"] == OWN for r in rows):
        return None
    chart = charts.retention_curve(
        rows,
        title=f"Of people whose {instrument_topic(instrument)} improved by 3 months, how many "
        "had a later score",
        series_order=[OWN, ALL],
    )
    later = select.sustainment(ctx.result, instrument, ctx.service_id)
    published = [r for r in later if select.number(r, "share_sustained") is not None]
    last = published[-1] if published else (later[-1] if later else None)
    sustained = select.value(last, "share_sustained")
    blocks: list[Block] = [
        Figure(
            chart,
            "Improvements can only be shown to last for people who fill in a later "
            "questionnaire; the higher the line, the stronger the evidence.",
        ),
        key_figure(
            "Still improved at the last check-in",
            sustained,
            fmt.percent(sustained, wording=ctx.wording),
            "Of the people who had improved by 3 months and filled in a questionnaire "
            f"{timepoint_phrase(last.horizon) if last else 'later'}, the share "
            "still improved.",
        ),
    ]
    return Section("Do improvements last?", blocks=blocks)


def _quality(ctx: _Context) -> tuple[Section, float | None]:
    tables = {
        rt: t.filter(pc.equal(t["service_id"], ctx.service_id))
        if "service_id" in t.column_names
        else t
        for rt, t in ctx.data.tables.items()
        if rt != "organisation"
    }
    profile = quality_profile(tables)
    score = profile.overall
    rows: list[list[TableCell]] = [
        [RECORD_NAMES.get(rt, rt), q.rows, _score(q.completeness), _score(q.validity)]
        for rt, q in profile.record_types.items()
        if q.rows
    ]
    section = Section(
        "Data quality",
        blocks=[
            KeyFigure(
                "Follow-up coverage",
                _score(profile.follow_up_coverage),
                "Of the people with a first score, the share who filled in the same "
                "questionnaire again later.",
            ),
            Table(
                columns=["File", "Rows", "Filled in", "Valid values"],
                rows=rows,
                caption="Completeness and validity of this service's data",
                what_it_means="The data-quality report for your organisation lists the "
                "fields most often left empty and how to fix any problems.",
            ),
        ],
    )
    return section, score


def _score(value: float | None) -> str:
    return fmt.NOT_AVAILABLE if value is None else fmt.percent(value / 100)


def _voices(ctx: _Context) -> Section:
    quotes = select_quotes(ctx.data.feedback, [ctx.service_id])
    available = quotable(ctx.data.feedback, [ctx.service_id]).num_rows
    if not quotes:
        return Section(
            "In their own words",
            blocks=[
                Callout(
                    "No feedback from this service has yet been both agreed for quoting and "
                    "released after review.",
                    "info",
                )
            ],
        )
    return Section(
        "In their own words",
        intro=f"Quotes from feedback that people agreed could be quoted and that was released "
        f"after review ({fmt.number(available)} such comments so far).",
        blocks=list(quotes),
    )


def build_service_report(data: ReportData, service_id: str, *, owner: bool = True) -> Report:
    """The report for one service: for the organisation that runs it, or for its network.

    Args:
        data: Loaded report data (see :func:`~peerbench.reports.builders.inputs.load_report_data`).
        service_id: The service.
        owner: True for the organisation that runs the service (its own figures in
            full); False for anyone else, such as its network's analysts (every figure
            under disclosure control, and no figures still below the minimum).

    Returns:
        The report content.

    Raises:
        KeyError: If the service is not in the data.
    """
    ctx = _Context(data, service_id, owner)
    quality_section, quality = _quality(ctx)
    sections = [_in_brief(ctx, quality), _reach(ctx)]
    # Progress below the minimum is shown to the service's own organisation only.
    progress = _progress(ctx) if owner else None
    optional = (_change(ctx), progress, _compare(ctx), _individual(ctx), _lasting(ctx))
    sections += [s for s in optional if s is not None]
    sections += [quality_section, _voices(ctx)]
    organisation = data.organisation_names.get(ctx.organisation_id, ctx.organisation_id)
    others = len(ctx.result.services) - 1
    return Report(
        kind="service",
        title=f"{ctx.name}: outcomes up to {long_date(data.as_of)}",
        subtitle=f"Run by {organisation}; compared with {others} other peer-support services",
        generated_for=ctx.name,
        sections=sections,
        assumptions=_assumptions(data, owner),
        notes=[
            "Your own service's figures are shown in full because they are your data. "
            "Figures for other services and for all services together are rounded and small "
            "numbers hidden, as for any reader outside your organisation."
            if owner
            else f"This is the view for readers outside {organisation}: every figure, the "
            "service's own included, is rounded and small numbers are hidden.",
        ],
        generated_on=long_date(data.as_of),
        wording=ctx.wording,
    )


def _assumptions(data: ReportData, owner: bool = True) -> list[str]:
    policy = data.policy
    where = "Outside your own service, counts" if owner else "Counts"
    return [
        "Change compares each person's first score with their score at the stated time; "
        "only people with both are counted.",
        "'Improved' and 'got worse' mean a change larger than the measure's margin of error "
        "(its reliable-change threshold), so small day-to-day ups and downs do not count.",
        "The range in brackets after a figure is its 95% confidence interval.",
        f"Results resting on fewer than {policy.min_n} people are not shown (CORC and ONS "
        "practice).",
        f"{where} of {policy.small_count_min} to "
        f"{policy.small_count_max} people are hidden and other counts rounded to the nearest "
        f"{policy.rounding_base} ({policy.name}).",
    ]
