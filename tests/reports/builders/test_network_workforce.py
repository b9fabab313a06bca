"""The peer-workers section of the network report and the commissioner panel.

Built from the controlled result of the 31-worker pool of
``tests/benchmarking/test_workforce_disclose.py`` (as_of 2025-12-31). Published figures
there: retained at 12 months 20 of 30 (all), 10 of 20 (volunteers), 10 of 10 (paid);
the 6-month n_yes is hidden (its complement, 6 early leavers, is a small count).
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute, controlled
from peerbench.reports.builders import ReportData, load_report_data
from peerbench.reports.builders.commissioner import build_commissioner_summary
from peerbench.reports.builders.network import build_network_report
from peerbench.reports.builders.network_workforce import (
    PANEL_TITLE,
    SECTION_TITLE,
    workforce_panel,
    workforce_section,
)
from peerbench.reports.content import Report, Section, Table
from peerbench.reports.render import render_html
from peerbench.reports.suppression import SuppressedValue, SuppressionWording
from peerbench.synth import SynthConfig, generate, write_dataset
from tests.api.test_api_workforce import with_workers
from tests.benchmarking.test_workforce_disclose import AS_OF, workforce_tables


@functools.cache
def public() -> BenchmarkResult:
    source = BenchmarkSource.from_tables(workforce_tables())
    return controlled(compute(source, BenchmarkOptions(as_of=AS_OF, min_n=5)))


def _tables(section: object) -> dict[str, Table]:
    blocks = getattr(section, "blocks", ())
    return {b.caption: b for b in blocks if isinstance(b, Table)}


def test_section_shows_each_measure_with_its_base() -> None:
    section = workforce_section(public())
    assert section is not None and section.title == SECTION_TITLE
    tables = _tables(section)
    measures = tables["Peer workers on 31 December 2025, every service together"]
    # Rows after the first of a measure leave the measure blank; find 12-month retention.
    titles = [r[0] for r in measures.rows]
    start = titles.index("Still in post 12 months after starting")
    twelve = {r[1]: r[2:] for r in measures.rows[start : start + 3]}
    assert twelve["All workers"] == [20 / 30, 20, 30]
    assert twelve["Volunteers"] == [0.5, 10, 20]
    assert twelve["Paid"] == [1.0, 10, 10]
    # A hidden share reads as a suppression marker, never blank.
    six = measures.rows[titles.index("Still in post 6 months after starting")]
    assert isinstance(six[2], SuppressedValue)
    assert "50% of volunteers and 100% of paid peer workers" in measures.what_it_means
    assert "(out of 20 and 10" in measures.what_it_means
    ends = tables["Roles that had ended by 31 December 2025"]
    assert ends.rows[-1] == ["All", 10]
    well = tables["Peer workers' own wellbeing, first score to latest"]
    assert well.rows[0][:3] == ["Wellbeing (SWEMWBS)", "All workers", 20]


def test_no_per_service_figure_in_the_public_section() -> None:
    section = workforce_section(public())
    text = str([getattr(b, "rows", "") for b in section.blocks]) if section else ""
    for service in ("s1", "s2", "s3"):
        assert service not in text


def test_no_section_or_panel_without_workers() -> None:
    empty = public().replace(workforce=(), worker_wellbeing=(), worker_end_reasons=())
    assert workforce_section(empty) is None
    assert workforce_panel(empty, SuppressionWording()) is None


def test_commissioner_panel_in_plain_words_with_bases() -> None:
    panel = workforce_panel(public(), SuppressionWording())
    assert panel is not None and panel.caption == PANEL_TITLE
    rows = {r[0]: r[1:] for r in panel.rows}
    figure, rests = rows["Still in their role a year after starting"]
    assert figure == "67%"
    assert "Rests on 30 peer workers, those who started a year or more before" in str(rests)
    assert "50% of volunteers and 100% of paid peer workers" in str(rests)
    figure, rests = rows["Supervised at least once a month"]
    assert figure == SuppressionWording().short("secondary")  # hidden: said in words
    assert str(rests) == "Rests on 20 peer workers, those in post on 31 December 2025."
    figure, rests = rows["Change in their own wellbeing"]
    assert figure == "+2.1 points"
    assert "Rests on 20 peer workers, those who answered the questionnaire twice." in str(rests)


@functools.cache
def data_with_workers() -> ReportData:
    """A small synthetic pool with nine peer workers per service, loaded for the reports."""
    folder = Path(tempfile.mkdtemp(prefix="peerbench-workforce-report-")) / "data"
    write_dataset(generate(SynthConfig(organisations=3, outcome_rows=1500)), folder)
    with_workers({"pool": folder})
    return load_report_data(folder, network_name="the test network")


def test_reports_carry_the_workforce_and_the_summary_adds_its_panel() -> None:
    data = data_with_workers()
    network = build_network_report(data)
    assert SECTION_TITLE in [s.title for s in network.sections]
    summary = build_commissioner_summary(data)
    # The case and the value, then one panel per pillar with data (synth has both).
    titles = [s.title for s in summary.sections]
    assert titles[-1] == PANEL_TITLE and "How quickly people are seen" in titles[2:]
    panels = [b for b in summary.sections[-1].blocks if isinstance(b, Table)]
    assert PANEL_TITLE in [p.caption for p in panels]
    text = render_html(summary)
    for word in ("confidence interval", "95% CI", "Hedges", "SWEMWBS", "p-value"):
        assert word not in text


def test_section_and_panel_render_to_html() -> None:
    section = workforce_section(public())
    panel = workforce_panel(public(), SuppressionWording())
    assert section is not None and panel is not None
    shown = Section(PANEL_TITLE, blocks=[panel])
    html = render_html(Report(kind="network", title="t", sections=[section, shown]))
    assert SECTION_TITLE in html and PANEL_TITLE in html
    assert "Own health or demands of the role" in html
