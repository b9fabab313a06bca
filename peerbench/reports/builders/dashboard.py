"""Benchmark tables and report sections for the portal's network pages.

The portal shows the same figures as ``/v1/benchmarks`` and ``/v1/reports/network``:
:func:`outcome_table` lays out the controlled result's per-service outcome rows (withheld
values stay suppression markers, so a page shows "suppressed", never the number), and
:func:`sections_titled` picks sections out of the built network report (the forest and
funnel plots, "what works for whom"), made by the same chart functions and worded the
same way as the report.
"""

from __future__ import annotations

from collections.abc import Sequence

from peerbench.benchmarking import ALL_PERIODS, BenchmarkResult
from peerbench.benchmarking.sufficiency import withheld
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.chart_inputs import funnel_inputs, funnel_summary
from peerbench.reports.builders.network_workforce import SECTION_TITLE as WORKFORCE_SECTION
from peerbench.reports.builders.wording import instrument_name, timepoint_phrase
from peerbench.reports.content import Block, Callout, Figure, Report, Section, Table, TableCell
from peerbench.reports.suppression import as_suppressed

OUTCOME_COLUMNS = (
    "Service",
    "People with both scores",
    "Followed up",
    "Average change",
    "95% CI of change",
    "Size of improvement (g)",
    "Improved reliably",
)
"""Columns of :func:`outcome_table` (the first is the row header)."""
NOT_AVAILABLE = "n/a"
"""A value the benchmark does not define here (unlike a withheld one, which says so)."""

FIGURE_SECTIONS = (
    "Pooled effect on each measure",
    "From referral to first contact",
    WORKFORCE_SECTION,
)
"""Network-report sections the benchmarks page shows (the forest plots; waits and uptake
when the pool holds referrals; peer workers when it holds worker records)."""
FUNNEL_METRICS = {
    "reliable_improvement": ("Share who improved reliably", "People with both scores", "percent"),
    "mean_change": ("Average change in score", "Precision (1 / squared standard error)", "number"),
}
"""Funnel plots the benchmarks page draws: metric → (value label, precision label, format)."""
WHAT_WORKS_SECTIONS = ("What works for whom",)
"""Network-report sections the "what works for whom" page shows."""


def _number(value: object, digits: int) -> TableCell:
    marker = as_suppressed(value)
    if marker is not None:
        return marker
    if value is None:
        return NOT_AVAILABLE
    assert isinstance(value, int | float)
    return fmt.number(value, digits)


def _percent(value: object) -> TableCell:
    marker = as_suppressed(value)
    if marker is not None:
        return marker
    if value is None:
        return NOT_AVAILABLE
    assert isinstance(value, int | float)
    return fmt.percent(value, 0)


def _interval(low: object, high: object) -> TableCell:
    for value in (low, high):
        marker = as_suppressed(value)
        if marker is not None:
            return marker
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return NOT_AVAILABLE
    return f"{fmt.number(low, 2)} to {fmt.number(high, 2)}"


def measures(result: BenchmarkResult) -> list[tuple[str, str]]:
    """``(instrument, timepoint)`` pairs with outcome rows over every period, in order."""
    pairs = {(r.instrument, r.timepoint) for r in result.outcomes if r.period == ALL_PERIODS}
    order = {t: i for i, t in enumerate(select.TIMEPOINTS)}
    return sorted(pairs, key=lambda p: (p[0], order.get(p[1], len(order)), p[1]))


def measure_key(instrument: str, timepoint: str) -> str:
    """``"SWEMWBS:month_3"``: how a page names a measure in a link or a form."""
    return f"{instrument}:{timepoint}"


def measure_label(instrument: str, timepoint: str) -> str:
    """``"Wellbeing (SWEMWBS), 3 months after starting"``."""
    return f"{instrument_name(instrument)}, {timepoint_phrase(timepoint)}"


def headline_measure(result: BenchmarkResult) -> tuple[str, str] | None:
    """The measure with the most people with both scores (every period pooled)."""
    totals: dict[tuple[str, str], int] = {}
    for r in result.outcomes:
        if r.period == ALL_PERIODS and isinstance(r.n_paired, int):
            key = (r.instrument, r.timepoint)
            totals[key] = totals.get(key, 0) + r.n_paired
    if not totals:
        found = measures(result)
        return found[0] if found else None
    order = {m: i for i, m in enumerate(measures(result))}
    return min(totals, key=lambda m: (-totals[m], order.get(m, 0)))


def outcome_table(result: BenchmarkResult, instrument: str, timepoint: str) -> Table:
    """Each service's outcome on one measure, every period pooled.

    Cells are formatted with :mod:`peerbench.reports.formatting` (change and effect to 2
    decimals, shares as whole percentages); withheld values are suppression markers.
    """
    rows: list[list[TableCell]] = []
    for r in sorted(
        select.where(result.outcomes, instrument=instrument, timepoint=timepoint,
                     period=ALL_PERIODS),
        key=lambda r: select.service_name(result, r.service_id),
    ):  # fmt: skip
        rows.append(
            [
                select.service_name(result, r.service_id),
                _number(select.value(r, "n_paired"), 0),
                _percent(select.value(r, "coverage")),
                _number(select.value(r, "mean_change"), 2),
                _interval(select.value(r, "change_ci_low"), select.value(r, "change_ci_high")),
                _number(select.value(r, "hedges_g"), 2),
                _percent(select.value(r, "share_improved")),
            ]
        )
    return Table(
        columns=list(OUTCOME_COLUMNS),
        rows=rows,
        caption=f"{measure_label(instrument, timepoint)}: each service",
        what_it_means="Change is the later score minus the first, for people with both; "
        "the size of improvement divides it by how much first scores vary, so measures can "
        "be compared. Hidden values rest on too few people to show safely; n/a marks a "
        "value not defined here (e.g. a questionnaire with no threshold for reliable "
        "improvement).",
    )


def outcome_section(
    result: BenchmarkResult, only: Sequence[tuple[str, str]] | None = None
) -> Section:
    """One table per measure (see :func:`outcome_table`), or per measure in ``only``."""
    chosen = measures(result) if only is None else [m for m in measures(result) if m in only]
    return Section(
        "Benchmark tables",
        intro="Every service's results, each period pooled, as the benchmark API gives them.",
        blocks=[outcome_table(result, i, t) for i, t in chosen],
    )


def funnel_section(
    result: BenchmarkResult, min_services: int, only: Sequence[tuple[str, str]] | None = None
) -> Section | None:
    """A funnel plot per measure and metric with enough services (the report's chart).

    Drawn by :func:`peerbench.reports.charts.funnel_plot` from
    :func:`~peerbench.reports.builders.chart_inputs.funnel_inputs`, as in the network
    report; a funnel withheld because too few services are on it is said so in words.
    """
    blocks: list[Block] = []
    for instrument, timepoint in measures(result):
        if only is not None and (instrument, timepoint) not in only:
            continue
        for metric, (value_label, precision_label, value_format) in FUNNEL_METRICS.items():
            found = funnel_inputs(result, instrument, timepoint, metric)
            summary = funnel_summary(result, instrument, timepoint, metric)
            where = measure_label(instrument, timepoint)
            if found is None:
                if summary is not None and withheld(summary):
                    blocks.append(
                        Callout(
                            f"{where} ({value_label.lower()}): only {summary.k} services are "
                            f"on this comparison; at least {min_services} are needed to "
                            "compare fairly, so no funnel plot is drawn and no service is "
                            "flagged.",
                            "info",
                        )
                    )
                continue
            units, curves, target = found
            chart = charts.funnel_plot(
                units,
                curves,
                target=target,
                value_label=value_label,
                precision_label=precision_label,
                value_format=value_format,
                title=f"{where}, {value_label.lower()}: services compared with the pooled result",
            )
            shown = [u for u in units if isinstance(u["value"], int | float)]
            outside = sum(u["flag"] != "within" for u in shown)
            blocks.append(
                Figure(
                    chart,
                    f"{outside} of the {len(shown)} services shown sit outside the 95% limits. "
                    "A service outside the limits differs from the pooled result by more "
                    "than chance would usually explain: worth a conversation, not a "
                    "judgement, since the people services support differ.",
                )
            )
    if not blocks:
        return None
    return Section(
        "How services compare",
        intro="Small services vary more by chance, so the limits are wider on the left.",
        blocks=blocks,
    )


def what_works_measures(result: BenchmarkResult) -> list[tuple[str, str]]:
    """Measures with a pooled (meta-analysed) effect, in the network report's order.

    The first is the one the network report's "What works for whom" section uses.
    """
    with_meta = {(m.instrument, m.timepoint) for m in result.meta if m.period == ALL_PERIODS}
    return [m for m in select.instruments_by_evidence(result) if m in with_meta]


def sections_titled(report: Report, titles: Sequence[str]) -> list[Section]:
    """The report's sections with these titles, in the report's order."""
    return [s for s in report.sections if s.title in titles]
