"""The peer-workers section of the network report and the commissioner panel.

Built from the controlled result of the 31-worker pool of
``tests/benchmarking/test_workforce_disclose.py`` (as_of 2025-12-31). Published figures
there: retained at 12 months 20 of 30 (all), 10 of 20 (volunteers), 10 of 10 (paid);
the 6-month n_yes is hidden (its complement, 6 early leavers, is a small count).
"""

from __future__ import annotations

import functools

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute, controlled
from peerbench.reports.builders.network_workforce import (
    PANEL_TITLE,
    SECTION_TITLE,
    workforce_panel,
    workforce_section,
)
from peerbench.reports.content import KeyFigure, Report, Table
from peerbench.reports.render import render_html
from peerbench.reports.suppression import SuppressedValue, SuppressionWording
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
    assert panel is not None and panel.title == PANEL_TITLE
    figures = {b.label: b for b in panel.blocks if isinstance(b, KeyFigure)}
    kept = figures["Peer workers still in their role a year after starting"]
    assert kept.value_text == "67%"
    assert "Rests on 30 peer workers, those who started a year or more before" in (
        kept.what_it_means
    )
    supervised = figures["Peer workers supervised at least once a month"]
    assert supervised.value_text == "" and supervised.suppressed_reason == "secondary"
    assert "Rests on 20 peer workers, those in post on 31 December 2025." in (
        supervised.what_it_means
    )
    wellbeing = figures["Change in peer workers' own wellbeing (SWEMWBS)"]
    assert wellbeing.value_text == "+2.1"
    assert "Rests on 20 peer workers, those who answered it twice." in wellbeing.what_it_means


def test_section_and_panel_render_to_html() -> None:
    section = workforce_section(public())
    panel = workforce_panel(public(), SuppressionWording())
    assert section is not None and panel is not None
    html = render_html(Report(kind="network", title="t", sections=[section, panel]))
    assert SECTION_TITLE in html and PANEL_TITLE in html
    assert "Own health or demands of the role" in html
