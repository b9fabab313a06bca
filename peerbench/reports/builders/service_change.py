"""The outcome sections of a service report: change, progress, comparison, individual
change and whether improvements last."""

from __future__ import annotations

from peerbench.benchmarking import ALL_PERIODS
from peerbench.benchmarking.sufficiency import min_services, withheld
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
    funnel_summary,
    retention_rows,
)
from peerbench.reports.builders.service_context import ALL, MEASURES_SHOWN, OWN, ServiceContext
from peerbench.reports.builders.wording import (
    instrument_name,
    instrument_topic,
    timepoint_phrase,
)
from peerbench.reports.content import (
    Block,
    Callout,
    Figure,
    Section,
    Table,
)


def change_section(ctx: ServiceContext) -> Section | None:
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


def progress_section(ctx: ServiceContext) -> Section | None:
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


def compare_section(ctx: ServiceContext) -> Section | None:
    if ctx.headline is None:
        return None
    instrument, timepoint = ctx.headline
    metric = "reliable_improvement"
    found = funnel_inputs(ctx.result, instrument, timepoint, metric)
    if found is None:
        metric = "mean_change"
        found = funnel_inputs(ctx.result, instrument, timepoint, metric)
    if found is None:
        return _too_few(ctx, instrument, timepoint)
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


def _too_few(ctx: ServiceContext, instrument: str, timepoint: str) -> Section | None:
    """Why there is no funnel plot, when it is because too few services can be compared."""
    summaries = [
        funnel_summary(ctx.result, instrument, timepoint, metric)
        for metric in ("reliable_improvement", "mean_change")
    ]
    thin = [s for s in summaries if s is not None and withheld(s)]
    if not thin:
        return None
    k = max(s.k for s in thin)
    return Section(
        "How the service compares",
        blocks=[
            Callout(
                f"Only {k} services have enough people with both scores on "
                f"{instrument_name(instrument)} to be compared. That is too few to compare "
                f"services fairly (at least {min_services(ctx.result)} are needed), so this "
                "service is not placed among the others yet.",
                "info",
            )
        ],
    )


def individual_section(ctx: ServiceContext) -> Section | None:
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


def lasting_section(ctx: ServiceContext) -> Section | None:
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
