"""The network report: every service together, as the public (or a funder) sees it.

Content: headline figures; the pooled effect per measure (forest plot by service with
the random-effects estimate and its prediction interval); funnel plots; "what works for
whom" by service model (subgroup table and each test of difference in words, or why
there is none); recovery as NHS Talking Therapies counts it; reach and
equity (who is followed up compared with everyone supported); staying in touch; and data
coverage by member. Every figure is the public view of
:func:`peerbench.benchmarking.disclose.controlled` or passes the same policy.
"""

from __future__ import annotations

from typing import Any

from peerbench.benchmarking import ALL_PERIODS, BenchmarkResult
from peerbench.benchmarking.sufficiency import group_key, min_services, smallest_groups, withheld
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import phrases, select
from peerbench.reports.builders.blocks import key_figure
from peerbench.reports.builders.cache import controlled_view
from peerbench.reports.builders.chart_inputs import funnel_inputs, funnel_summary
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.network_access import access_section
from peerbench.reports.builders.network_reach import (
    coverage_section,
    equity_section,
    retention_section,
)
from peerbench.reports.builders.network_recovery import recovery_section
from peerbench.reports.builders.network_workforce import workforce_section
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.shares import controlled_count
from peerbench.reports.builders.wording import (
    ATTRIBUTES,
    INSTRUMENTS,
    agreement,
    instrument_name,
    instrument_topic,
    label,
    timepoint_phrase,
    too_few_services,
)
from peerbench.reports.content import Block, Callout, Figure, Report, Section, Table, TableCell
from peerbench.reports.suppression import SuppressionWording

FORESTS_SHOWN = 3
FUNNELS_SHOWN = 2
METHOD = "REML"
EFFECT_LABEL = "Size of improvement (0.2 small, 0.5 medium, 0.8 large)"


def effect_words(g: float | None) -> str:
    """A standardised effect in words (Cohen's rough guide)."""
    if g is None:
        return "not available"
    size = abs(g)
    words = (
        "very small" if size < 0.2 else "small" if size < 0.5 else "medium" if size < 0.8 else
        "large"
    )  # fmt: skip
    return f"{words} {'improvement' if g >= 0 else 'worsening'}"


def total_people(data: ReportData) -> int:
    """Distinct people supported across the pool (one per person and service)."""
    participant = data.tables.get("participant")
    return 0 if participant is None else participant.num_rows


class _Context:
    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.result: BenchmarkResult = controlled_view(data)
        self.wording = SuppressionWording.from_policy(data.policy)
        self.minimum = min_services(self.result)
        self.measures = select.instruments_by_evidence(self.result)
        self.headline = self.measures[0] if self.measures else None
        self.with_meta = [(i, t) for i, t in self.measures if self.meta(i, t) is not None][
            :FORESTS_SHOWN
        ]

    def meta(self, instrument: str, timepoint: str) -> Any:
        return select.first(
            self.result.meta,
            instrument=instrument,
            timepoint=timepoint,
            method=METHOD,
            period=ALL_PERIODS,
        )


def _in_brief(ctx: _Context) -> Section:
    people = controlled_count(total_people(ctx.data), ctx.data.policy, owner=False)
    blocks: list[Block] = [
        key_figure(
            "Services",
            len(ctx.result.services),
            fmt.number(len(ctx.result.services)),
            f"Peer-support services run by {len(ctx.data.organisation_names)} member "
            "organisations and pooling their data.",
        ),
        key_figure(
            "People supported",
            people,
            fmt.people(people, wording=ctx.wording),
            f"Everyone who started support up to {long_date(ctx.data.as_of)}, rounded to the "
            f"nearest {ctx.data.policy.rounding_base}.",
        ),
    ]
    if ctx.headline is not None:
        instrument, timepoint = ctx.headline
        row = select.pooled(ctx.result, instrument, timepoint)
        blocks.append(
            key_figure(
                f"People whose {instrument_topic(instrument)} improved",
                select.value(row, "share_improved"),
                phrases.improved_text(row, ctx.wording),
                phrases.improved_meaning(row, instrument, timepoint),
            )
        )
        meta = ctx.meta(instrument, timepoint)
        if meta is not None:
            blocks.append(
                key_figure(
                    f"Size of the improvement in {instrument_topic(instrument)}",
                    select.value(meta, "estimate"),
                    fmt.number_ci(meta.estimate, meta.ci_low, meta.ci_high, digits=2),
                    f"A {effect_words(meta.estimate)} on the usual scale (0.2 small, 0.5 "
                    f"medium, 0.8 large), pooling {meta.k} services so that each counts "
                    "fairly.",
                )
            )
    return Section(
        "In brief",
        intro="Results pool every service with enough people; each service's own results "
        "are in its service report.",
        blocks=blocks,
    )


def _forest(ctx: _Context, instrument: str, timepoint: str) -> Figure:
    meta = ctx.meta(instrument, timepoint)
    rows = [
        {
            "label": select.service_name(ctx.result, r.service_id),
            "estimate": select.value(r, "estimate"),
            "ci_low": select.value(r, "ci_low"),
            "ci_high": select.value(r, "ci_high"),
            "n": r.n_paired,
        }
        for r in select.where(
            ctx.result.forest, instrument=instrument, timepoint=timepoint, period=ALL_PERIODS
        )
    ]

    def order(row: dict[str, Any]) -> tuple[float, str]:
        estimate = row["estimate"]
        return (-(estimate if isinstance(estimate, float) else -9.0), str(row["label"]))

    # Services are put in order of their results only when there are enough to compare.
    rows.sort(key=(lambda r: str(r["label"])) if withheld(meta) else order)
    pooled = {
        "estimate": meta.estimate,
        "ci_low": meta.ci_low,
        "ci_high": meta.ci_high,
        "pi_low": meta.pi_low,
        "pi_high": meta.pi_high,
    }
    chart = charts.forest_plot(
        rows,
        pooled,
        estimate_label=EFFECT_LABEL,
        reference=0.0,
        title=f"{instrument_name(instrument)}: each service, and all services together",
    )
    spread = ""
    if meta.pi_low is not None and meta.pi_high is not None:
        spread = (
            f" A new service like these would most likely see between "
            f"{fmt.number(meta.pi_low, 2)} and {fmt.number(meta.pi_high, 2)} (the dotted line)."
        )
    i2 = (
        f" About {fmt.percent(meta.i2)} of the differences between services' results are real "
        "differences rather than chance."
        if meta.i2 is not None
        else ""
    )
    if withheld(meta):
        i2 = (
            f" With {meta.k} services, there are too few to say how much of the spread between "
            f"them is real rather than chance (that needs at least {ctx.minimum}), so they are "
            "listed by name, not ranked."
        )
    return Figure(
        chart,
        f"All services together show a {effect_words(meta.estimate)} "
        f"({fmt.number(meta.estimate, 2)}, diamond), {timepoint_phrase(timepoint)}." + spread + i2,
    )


def _pooled_effects(ctx: _Context) -> Section | None:
    if not ctx.with_meta:
        return None
    blocks: list[Block] = [_forest(ctx, i, t) for i, t in ctx.with_meta]
    return Section(
        "Pooled effect on each measure",
        intro="Each square is a service, with a line showing the range its result probably "
        "lies in. The diamond pools every service, giving more weight to those with more "
        "people but letting services genuinely differ (a random-effects model). Sizes are "
        "standardised so different questionnaires can be compared.",
        blocks=blocks,
    )


def _funnels(ctx: _Context) -> Section | None:
    blocks: list[Block] = []
    for instrument, timepoint in ctx.measures:
        if len(blocks) >= FUNNELS_SHOWN:
            break
        found = funnel_inputs(ctx.result, instrument, timepoint, "reliable_improvement")
        summary = funnel_summary(ctx.result, instrument, timepoint, "reliable_improvement")
        if found is None and withheld(summary) and summary is not None:
            blocks.append(
                Callout(
                    f"{instrument_name(instrument)}: only {summary.k} services have enough "
                    f"people to place on a funnel plot. Too few services to compare fairly "
                    f"(at least {ctx.minimum} are needed), so no service is flagged.",
                    "info",
                )
            )
            continue
        if found is None:
            continue
        units, curves, target = found
        chart = charts.funnel_plot(
            units,
            curves,
            target=target,
            value_label=f"Share whose {instrument_topic(instrument)} improved",
            precision_label="People with both scores",
            title=f"{instrument_name(instrument)}: services compared with the pooled result",
        )
        shown = [u for u in units if isinstance(u["value"], float)]
        outside = [u for u in shown if u["flag"] != "within"]
        count = "None" if not outside else fmt.number(len(outside))
        blocks.append(
            Figure(
                chart,
                f"{count} of the {len(shown)} services shown sit outside the 95% limits. "
                "Services above the limits may have practice worth sharing; those below are "
                "worth a conversation, not a judgement, since the people they serve may "
                "differ.",
            )
        )
    if not blocks:
        return None
    return Section(
        "How services compare",
        intro="Small services vary more by chance, so the limits are wider on the left. A "
        "service outside the limits differs from the pooled result by more than chance would "
        "usually explain.",
        blocks=blocks,
    )


def _what_works(ctx: _Context) -> Section | None:
    if not ctx.with_meta:
        return None
    instrument, timepoint = ctx.with_meta[0]
    return what_works_section(ctx.result, instrument, timepoint, ctx.minimum)


def what_works_section(
    result: BenchmarkResult, instrument: str, timepoint: str, minimum: int
) -> Section:
    """ "What works for whom" on one measure: pooled improvement by kind of service, and
    each test of difference in words (or why there is none: too few services).

    Args:
        result: The controlled benchmark result.
        instrument, timepoint: The measure.
        minimum: Fewest services every compared group needs
            (:func:`peerbench.benchmarking.sufficiency.min_services`).
    """
    match = {"instrument": instrument, "timepoint": timepoint, "period": ALL_PERIODS}
    levels = select.where(result.subgroups, **match)
    tests = select.where(result.subgroup_tests, **match)
    fewest = smallest_groups(levels)
    compared = {t.attribute: not withheld(t) for t in tests}
    rows: list[list[TableCell]] = []
    for attribute in result.options.by:
        # Groups are put in order of their results only when they can be compared.
        ranked = compared.get(attribute, False)
        for level in sorted(
            (r for r in levels if r.attribute == attribute),
            key=lambda r: -(r.estimate if r.estimate is not None else -9) if ranked else 0,
        ):
            rows.append(
                [
                    f"{ATTRIBUTES.get(attribute, attribute)}: {label(attribute, level.level)}",
                    level.k,
                    select.value(level, "n_paired"),
                    fmt.number_ci(level.estimate, level.ci_low, level.ci_high, digits=2),
                ]
            )
    test_rows: list[list[TableCell]] = [
        [
            ATTRIBUTES.get(t.attribute, t.attribute),
            t.levels,
            t.k,
            too_few_services(fewest[group_key(t)], minimum)
            if withheld(t)
            else agreement(t.p_value),
        ]
        for t in tests
        if t.attribute in result.options.by
    ]
    return Section(
        "What works for whom",
        intro=f"Services grouped by how they work, for {instrument_topic(instrument)} "
        f"({INSTRUMENTS.get(instrument, ('', instrument))[1]}), "
        f"{timepoint_phrase(timepoint)}. Each group's figure pools its services in the same way "
        "as the diamond above.",
        blocks=[
            Table(
                columns=["Kind of service", "Services", "People with both scores",
                         "Size of improvement"],
                rows=rows,
                caption="Improvement by kind of service",
                what_it_means="Compare groups within the same heading. Groups with few "
                "services rest on those services alone, so read them with care; groups are "
                "put in order of their results only where they can be compared.",
            ),
            Table(
                columns=["Compared by", "Groups", "Services", "Is there a real difference?"],
                rows=test_rows,
                caption="Do the groups really differ?",
                what_it_means="A difference is only called real when it is larger than the "
                "variation between services would produce by chance (5% test), and groups are "
                f"only compared when each has at least {minimum} services.",
                numeric=frozenset({1, 2}),
            ),
        ],
    )  # fmt: skip


def build_network_report(data: ReportData) -> Report:
    """The network report (public view).

    Args:
        data: Loaded report data.

    Returns:
        The report content.
    """
    ctx = _Context(data)
    optional = (
        _pooled_effects(ctx),
        _funnels(ctx),
        _what_works(ctx),
        recovery_section(ctx.result),
        equity_section(data, ctx.headline),
        retention_section(ctx.result, ctx.measures),
        access_section(ctx.result),
        coverage_section(data),
        workforce_section(ctx.result),
    )
    sections = [_in_brief(ctx), *(s for s in optional if s is not None)]
    policy = data.policy
    name = data.network_name
    return Report(
        kind="network",
        title=f"{name[0].upper()}{name[1:]}: peer-support outcomes up to {long_date(data.as_of)}",
        subtitle=f"{len(ctx.result.services)} services pooling their data",
        generated_for=f"Members and funders of {name}",
        sections=sections,
        assumptions=[
            "Change compares each person's first score with a later one; only people with "
            "both are counted.",
            "Sizes of improvement are Hedges' g: the average change divided by how much "
            "scores vary at the start, so different questionnaires can be compared.",
            "Services are pooled with a random-effects model (REML), which allows services to "
            "differ; the prediction interval shows where a new service would likely fall.",
            "Funnel-plot limits follow Spiegelhalter (2005), widened when services differ more "
            "than chance allows.",
            f"Results resting on fewer than {policy.min_n} people are not shown; counts of "
            f"{policy.small_count_min} to {policy.small_count_max} people are hidden and other "
            f"counts rounded to the nearest {policy.rounding_base} ({policy.name}).",
        ],
        generated_on=long_date(data.produced_on),
        data_up_to=long_date(data.as_of),
        wording=ctx.wording,
    )
