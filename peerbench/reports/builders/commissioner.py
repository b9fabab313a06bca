"""The commissioner summary: the case for investing in peer support, in two printed pages.

Content: four headline figures (people supported, people who felt better, the value of
their wellbeing gain, the change in their use of NHS services); one chart of who
improved; a value-for-money table where every pound figure sits next to its
assumptions and range; two quotes. Plain words throughout ("likely range" rather than
"confidence interval"); a pound figure is never shown without what it rests on. Every
per-person figure and headline share says how many people it rests on and what share of
the people supported that is (both the published, rounded counts), because a figure
resting on 12% of the people supported reads differently from one resting on all.
"""

from __future__ import annotations

from typing import Any

from peerbench.benchmarking import BenchmarkResult, EconomicsRow
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.blocks import key_figure
from peerbench.reports.builders.cache import controlled_view
from peerbench.reports.builders.chart_inputs import change_row
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.network import total_people
from peerbench.reports.builders.network_access import access_panel
from peerbench.reports.builders.network_workforce import PANEL_TITLE as WORKFORCE_PANEL
from peerbench.reports.builders.network_workforce import workforce_panel
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.quotes import select_quotes
from peerbench.reports.builders.shares import controlled_count
from peerbench.reports.builders.wording import instrument_topic, timepoint_phrase
from peerbench.reports.content import Block, Figure, Report, Section, Table
from peerbench.reports.suppression import SuppressionWording, as_suppressed

WELLBY = ("wellby", "wellby_value_per_participant")
LIFE_SATISFACTION = ("wellby", "life_satisfaction_change")
SERVICE_USE = ("service_use", "saving_per_participant_per_year")
MEASURES_SHOWN = 3
_ITEMS = {
    "gp_appointments": "GP visit",
    "ae_attendances": "A&E visit",
    "emergency_admissions": "emergency admission",
    "bed_days": "extra bed day",
    "outpatient_attendances": "outpatient visit",
}


def base_text(n: Any, people: Any, who: str) -> str:
    """What a figure rests on: "Rests on 430 people (12% of the 3,475 people supported),
    those who ...". ``n`` and ``people`` are published counts (or suppression markers)."""
    if as_suppressed(n) is not None or not isinstance(n, int | float) or isinstance(n, bool):
        return f"Rests on too few people to show how many: those {who}."
    share = ""
    if isinstance(people, int | float) and not isinstance(people, bool) and people > 0:
        share = f" ({fmt.percent(n / people)} of the {fmt.people(people)} supported)"
    return f"Rests on {fmt.people(n)}{share}, those {who}."


def _answered(follow_up: str) -> str:
    return f"who answered the same questions at the start and {timepoint_phrase(follow_up)}"


def _follow_up(row: EconomicsRow | None) -> str:
    return str((row.assumptions if row is not None else {}).get("follow_up", "month_6"))


def likely(value: Any, low: Any, high: Any, show: Any, wording: SuppressionWording) -> str:
    """An interval in plain words: "38% (likely between 36% and 41%)"."""
    if as_suppressed(value) is not None or value is None:
        return str(show(value) if value is not None else fmt.NOT_AVAILABLE)
    if not isinstance(low, float | int) or not isinstance(high, float | int):
        return str(show(value))
    return f"{show(value)} (likely between {show(low)} and {show(high)})"


def wellby_assumptions(row: EconomicsRow | None) -> str:
    """The assumptions behind the wellbeing value, in one sentence."""
    if row is None or not row.assumptions:
        return "No wellbeing value could be worked out."
    a = row.assumptions
    wellby = a.get("wellby", {})
    return (
        f"Each point of life satisfaction (0–10) gained for a year is worth "
        f"{fmt.money(a.get('adjusted_value'))} ({fmt.money(a.get('adjusted_low'))} to "
        f"{fmt.money(a.get('adjusted_high'))}; HM Treasury Green Book "
        f"{fmt.money(wellby.get('value'))} at {wellby.get('price_year')} prices, updated to "
        f"{a.get('target_price_year')}). Lasts one year; all due to peer support."
    )


def short_wellby(row: EconomicsRow | None, wording: SuppressionWording) -> str:
    """One-line assumptions and uncertainty for the wellbeing key figure."""
    if row is None or not row.assumptions:
        return "No wellbeing value could be worked out."
    # The assumptions themselves are in Table 1: repeating them here pushed the summary
    # past its two printed pages once every figure stated its base.
    return (
        f"Allowing for chance, {_uncertainty(row)}. A value to society, not cash, at "
        f"{row.assumptions.get('target_price_year')} prices; assumes all the change is due to "
        "peer support (assumptions: Table 1)."
    )


def short_service_use(row: EconomicsRow | None, wording: SuppressionWording) -> str:
    """One-line assumptions and uncertainty for the NHS-use key figure."""
    if row is None or not row.assumptions:
        return "No service-use figures were recorded."
    return (
        f"Fewer GP, A&E, hospital and outpatient contacts at NHS unit costs "
        f"({row.assumptions.get('target_price_year')} prices); allowing for chance, "
        f"{_uncertainty(row)}. Capacity freed, not cash; assumes all the change is due to peer "
        "support (assumptions: Table 1)."
    )


def service_use_assumptions(row: EconomicsRow | None) -> str:
    """The assumptions behind the NHS service-use figure, in one sentence."""
    if row is None or not row.assumptions:
        return "No service-use figures were recorded."
    a = row.assumptions
    costs = ", ".join(
        f"{_ITEMS.get(str(u['field']), str(u['field']))} {fmt.money(u['adjusted_cost'])}"
        for u in a.get("unit_costs", [])
    )
    return (
        f"NHS contacts reported before support and "
        f"{timepoint_phrase(str(a.get('follow_up', 'month_6')))}, per year, at NHS unit "
        f"costs in {a.get('target_price_year')} prices ({costs}). All of the change is put "
        "down to peer support; the range has every cost at its low and high end."
    )


def _money_range(row: EconomicsRow | None, wording: SuppressionWording) -> str:
    if row is None:
        return fmt.NOT_AVAILABLE
    text = fmt.money_per_person(
        select.value(row, "mean"), select.value(row, "low"), select.value(row, "high"),
        wording=wording,
    )  # fmt: skip
    return text.replace("(range ", "(assumptions give ")


def _uncertainty(row: EconomicsRow | None) -> str:
    low, high = select.number(row, "ci_low"), select.number(row, "ci_high")
    if low is None or high is None:
        return fmt.NOT_AVAILABLE
    # A word joiner keeps "−£171" on one line.
    return f"{fmt.money(low)} to {fmt.money(high)}".replace(f"{fmt.MINUS}£", f"{fmt.MINUS}\u2060£")


def _case(ctx: _Context) -> Section:
    people = ctx.people
    blocks: list[Block] = [
        key_figure(
            "People supported",
            people,
            fmt.people(people, wording=ctx.wording),
            f"By {len(ctx.result.services)} peer-support services, up to "
            f"{long_date(ctx.data.as_of)}.",
        )
    ]
    if ctx.headline is not None:
        instrument, timepoint = ctx.headline
        row = select.pooled(ctx.result, instrument, timepoint)
        blocks.append(
            key_figure(
                f"People whose {instrument_topic(instrument)} clearly improved",
                select.value(row, "share_improved"),
                likely(
                    select.value(row, "share_improved"),
                    select.value(row, "improved_ci_low"),
                    select.value(row, "improved_ci_high"),
                    fmt.percent,
                    ctx.wording,
                ),
                f"Of people who answered the same questions at the start and "
                f"{timepoint_phrase(timepoint)}, the share who felt clearly better: more than "
                "ordinary ups and downs. "
                + base_text(select.value(row, "n_paired"), people, _answered(timepoint)),
            )
        )
    wellby = select.economics(ctx.result, *WELLBY)
    blocks.append(
        key_figure(
            "Value of the wellbeing gained",
            select.value(wellby, "mean"),
            _money_range(wellby, ctx.wording),
            ctx.base(wellby, "life satisfaction") + " " + short_wellby(wellby, ctx.wording),
        )
    )
    use = select.economics(ctx.result, *SERVICE_USE)
    low = select.number(use, "ci_low")
    blocks.append(
        key_figure(
            "NHS costs avoided" + (" (not yet certain)" if low is not None and low < 0 else ""),
            select.value(use, "mean"),
            _money_range(use, ctx.wording),
            ctx.base(use, "use of NHS services") + " " + short_service_use(use, ctx.wording),
        )
    )
    outcome = _outcomes(ctx)
    if outcome is not None:
        blocks.append(outcome)
    return Section("The case in brief", blocks=blocks)


def _outcomes(ctx: _Context) -> Figure | None:
    counted = [
        (i, t)
        for i, t in ctx.measures
        if select.counts_improvement(select.pooled(ctx.result, i, t))
    ][:MEASURES_SHOWN]
    if not counted:
        return None
    rows = [
        change_row(instrument_topic(i).capitalize(), select.pooled(ctx.result, i, t))
        for i, t in counted
    ]
    chart = charts.individual_change_bars(
        rows, group_label="What was measured", title="How many people got better"
    )
    best = rows[0]
    better = all(
        isinstance(r["improved"], float)
        and isinstance(r["deteriorated"], float)
        and r["improved"] > r["deteriorated"]
        for r in rows
    )
    lead = "far more people got clearly better than got worse" if better else "results vary"
    return Figure(
        chart,
        f"On each of {len(counted)} measures, {lead}: for {str(best['group']).lower()}, "
        f"{fmt.percent(best['improved'])} improved and {fmt.percent(best['deteriorated'])} got "
        "worse. " + base_text(best["n"], ctx.people, _answered(counted[0][1])),
    )


def _value(ctx: _Context, quotes: list[Block]) -> Section:
    wellby = select.economics(ctx.result, *WELLBY)
    use = select.economics(ctx.result, *SERVICE_USE)
    rows = [
        [
            "Wellbeing gained (value to society)",
            _money_range(wellby, ctx.wording),
            _uncertainty(wellby),
            ctx.base(wellby, "life satisfaction") + " " + wellby_assumptions(wellby),
        ],
        [
            "NHS contacts avoided (GP, A&E, hospital, outpatients)",
            _money_range(use, ctx.wording),
            _uncertainty(use),
            ctx.base(use, "use of NHS services") + " " + service_use_assumptions(use),
        ],
    ]
    meaning = (
        "The first range shows the effect of the assumptions, the second the effect of chance."
    )
    uncertain = [
        name
        for name, row in (("wellbeing value", wellby), ("NHS saving", use))
        if (low := select.number(row, "ci_low")) is not None and low < 0
    ]
    if uncertain:
        meaning += (
            f" The {' and '.join(uncertain)} could, by chance, be below £0: promising but not "
            "yet certain; more services recording this would settle it."
        )
    blocks: list[Block] = [
        Table(
            columns=["Value", "Per person per year", "Allowing for chance", "What it rests on"],
            rows=rows,
            caption="The value of peer support, per person supported",
            what_it_means=meaning,
            numeric=frozenset(),
        )
    ]
    return Section("Value for money, and what people say", blocks=blocks + quotes)


class _Context:
    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.result: BenchmarkResult = controlled_view(data)
        self.wording = SuppressionWording.from_policy(data.policy)
        self.measures = select.instruments_by_evidence(self.result)
        self.headline = self.measures[0] if self.measures else None
        self.people = controlled_count(total_people(data), data.policy, owner=False)

    def base(self, row: EconomicsRow | None, topic: str) -> str:
        """What an economic value rests on (its published ``n``)."""
        if row is None:
            return ""
        who = f"who reported their {topic} at the start and {timepoint_phrase(_follow_up(row))}"
        return base_text(select.value(row, "n"), self.people, who)


def build_commissioner_summary(data: ReportData) -> Report:
    """The two-page summary for commissioners (public view).

    Args:
        data: Loaded report data.

    Returns:
        The report content.
    """
    ctx = _Context(data)
    # The case and the value fit two A4 pages; the pillar panels share a third.
    quotes: list[Block] = list(select_quotes(ctx.data.feedback, limit=2))
    sections = [_case(ctx), _value(ctx, quotes)]
    # Then one plain-words panel per pillar the pool holds data for (issue 16).
    workforce = workforce_panel(ctx.result, ctx.wording)
    panels = (
        access_panel(ctx.result, ctx.wording),
        None if workforce is None else Section(WORKFORCE_PANEL, blocks=[workforce]),
    )
    sections += [s for s in panels if s is not None]
    name = data.network_name
    return Report(
        kind="commissioner",
        title="Peer support: the case for investment",
        subtitle=f"Evidence from {len(ctx.result.services)} services in {name}, up to "
        f"{long_date(data.as_of)}",
        generated_for="Commissioners and funders",
        sections=sections,
        assumptions=[
            "Figures come from questionnaires people filled in at the start of support and "
            "again later; only people with both are counted.",
            "No comparison group: some change might have happened anyway, so every value "
            "assumes all of it is due to peer support.",
            f"Small numbers are hidden and counts rounded to protect privacy ({data.policy.name}).",
        ],
        generated_on=long_date(data.produced_on),
        data_up_to=long_date(data.as_of),
        wording=ctx.wording,
    )
