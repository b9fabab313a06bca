"""Portal dashboard content: the benchmark tables and report sections as a fragment."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from peerbench.benchmarking import ALL_PERIODS, BenchmarkResult, controlled
from peerbench.benchmarking.sufficiency import withheld
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import build
from peerbench.reports.builders.chart_inputs import funnel_inputs
from peerbench.reports.builders.dashboard import (
    FIGURE_SECTIONS,
    OUTCOME_COLUMNS,
    WHAT_WORKS_SECTIONS,
    funnel_section,
    measures,
    outcome_section,
    outcome_table,
    sections_titled,
)
from peerbench.reports.content import Callout, Figure, Table
from peerbench.reports.render import render_fragment
from peerbench.reports.suppression import SuppressionWording, as_suppressed
from tests.reports.test_reports_builders_data import small_data


@pytest.fixture(scope="module")
def result() -> BenchmarkResult:
    data = small_data()
    return controlled(data.raw, data.policy)


def test_outcome_table_follows_the_result(result: BenchmarkResult) -> None:
    instrument, timepoint = measures(result)[0]
    table = outcome_table(result, instrument, timepoint)
    assert list(table.columns) == list(OUTCOME_COLUMNS)
    rows = [
        r
        for r in result.outcomes
        if (r.instrument, r.timepoint, r.period) == (instrument, timepoint, ALL_PERIODS)
    ]
    assert len(table.rows) == len(rows) > 0
    by_name = {str(row[0]): row for row in table.rows}
    hidden = 0
    for r in rows:
        names = [s.name or s.service_id for s in result.services if s.service_id == r.service_id]
        cells = by_name[names[0]]
        if "hedges_g" in r.suppressed:
            hidden += 1
            assert as_suppressed(cells[5]) is not None
        elif r.hedges_g is not None:
            assert cells[5] == fmt.number(r.hedges_g, 2)
        if "n_paired" not in r.suppressed and r.n_paired is not None:
            assert cells[1] == fmt.number(r.n_paired, 0)


def test_fragment_hides_suppressed_values_and_explains_them(result: BenchmarkResult) -> None:
    section = outcome_section(result)
    html = render_fragment([section], SuppressionWording(), anchor_prefix="bench")
    soup = BeautifulSoup(html, "html.parser")
    tables = soup.find_all("table")
    assert len(tables) == len(measures(result))
    assert all(t.caption and t.find("th", scope="col") for t in tables)
    hidden = soup.select("td.suppressed")
    blocks = [b for b in section.blocks if isinstance(b, Table)]
    markers = [as_suppressed(c) for b in blocks for row in b.rows for c in row]
    assert len(hidden) == sum(m is not None for m in markers)
    if hidden:
        assert soup.find(id="bench-hidden-numbers") is not None
        assert all(cell.get_text().startswith("suppressed") for cell in hidden)
    assert soup.find("section", id="bench-1") is not None


def test_funnel_section_draws_the_report_chart_or_says_why_not(result: BenchmarkResult) -> None:
    section = funnel_section(result, 5)
    assert section is not None
    figures = [b for b in section.blocks if isinstance(b, Figure)]
    callouts = [b for b in section.blocks if isinstance(b, Callout)]
    summaries = [f for f in result.funnels if f.period == ALL_PERIODS]
    assert len(figures) == sum(
        not withheld(f) and f.target is not None and funnel_inputs(
            result, f.instrument, f.timepoint, f.metric) is not None
        for f in summaries
    )  # fmt: skip
    assert len(callouts) == sum(withheld(f) for f in summaries)
    assert figures, "the small pool has at least one funnel with enough services"
    for figure in figures:
        assert figure.chart.svg.startswith("<svg") and "Funnel plot of" in figure.chart.alt


def test_report_sections_are_picked_by_title() -> None:
    report = build(small_data(), "network")
    figures = sections_titled(report, FIGURE_SECTIONS)
    assert [s.title for s in figures] == [s for s in FIGURE_SECTIONS if s in
                                          {x.title for x in report.sections}]  # fmt: skip
    html = render_fragment(figures + sections_titled(report, WHAT_WORKS_SECTIONS))
    soup = BeautifulSoup(html, "html.parser")
    for svg in soup.find_all("svg"):
        assert svg.find("title") is not None  # the chart's text alternative
    assert soup.find("h2") is not None
