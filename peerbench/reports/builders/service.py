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

from peerbench.benchmarking import ServiceInfo
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import phrases, select
from peerbench.reports.builders.blocks import key_figure
from peerbench.reports.builders.chart_inputs import (
    reach_rows,
)
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.quality_data import RECORD_NAMES
from peerbench.reports.builders.quotes import quotable, select_quotes
from peerbench.reports.builders.service_change import (
    change_section,
    compare_section,
    individual_section,
    lasting_section,
    progress_section,
)
from peerbench.reports.builders.service_context import ALL, OWN, ServiceContext
from peerbench.reports.builders.wording import (
    instrument_topic,
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


def _in_brief(ctx: ServiceContext, quality: float | None) -> Section:
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


def _reach(ctx: ServiceContext) -> Section:
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


def _quality(ctx: ServiceContext) -> tuple[Section, float | None]:
    recorded = ctx.data.recorded_quality
    if recorded is not None and ctx.service_id in recorded.services:
        profile = recorded.services[ctx.service_id]  # recorded at ingest: no GX run
    else:
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


def _voices(ctx: ServiceContext) -> Section:
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
    ctx = ServiceContext(data, service_id, owner)
    quality_section, quality = _quality(ctx)
    sections = [_in_brief(ctx, quality), _reach(ctx)]
    # Progress below the minimum is shown to the service's own organisation only.
    progress = progress_section(ctx) if owner else None
    optional = (
        change_section(ctx),
        progress,
        compare_section(ctx),
        individual_section(ctx),
        lasting_section(ctx),
    )
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
        generated_on=long_date(data.produced_on),
        data_up_to=long_date(data.as_of),
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
