"""Each report builder on a small synthetic pool: sections, disclosure and plain words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from peerbench.benchmarking import BenchmarkOptions, controlled
from peerbench.benchmarking.attack import attack, small_published
from peerbench.benchmarking.sufficiency import group_key, smallest_groups
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports.builders import (
    build,
    build_network_report,
    build_service_report,
    key_figures,
    largest_and_smallest,
    load_report_data,
    write,
)
from peerbench.reports.builders.network import _Context as network_context
from peerbench.reports.builders.quotes import quotable
from peerbench.reports.content import Callout, Figure, KeyFigure, Quote, Report, Table
from peerbench.reports.render import render_html
from peerbench.reports.suppression import as_suppressed
from tests.reports.test_reports_builders_data import small_data, small_folder

VALUE_TITLE = "Value for money, and what people say"


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    data = small_data()
    big, small = largest_and_smallest(data)
    return {
        "network": build(data, "network"),
        "commissioner": build(data, "commissioner"),
        "quality": build(data, "quality"),
        "service": build(data, "service", big),
        "small": build(data, "service", small),
    }


def test_service_report_sections(reports: dict[str, Report]) -> None:
    titles = [s.title for s in reports["service"].sections]
    assert titles[:2] == ["In brief", "Who the service reaches"]
    assert {"How the service compares", "Individual change", "In their own words"} <= set(titles)
    assert reports["service"].kind == "service"


def test_every_key_figure_and_block_has_a_plain_reading(reports: dict[str, Report]) -> None:
    for report in reports.values():
        for block in report.blocks():
            if isinstance(block, KeyFigure | Figure | Table):
                assert block.what_it_means.strip(), (report.title, block)


def test_service_report_is_the_owner_view_of_its_own_service(reports: dict[str, Report]) -> None:
    data = small_data()
    big, _ = largest_and_smallest(data)
    people = next(r.participants for r in data.raw.reach if r.service_id == big)
    brief = reports["service"].sections[0].blocks[0]
    assert isinstance(brief, KeyFigure)
    assert brief.value_text == f"{people:,} people"  # unrounded: it is their own data


def test_outsiders_read_a_service_report_under_disclosure_control() -> None:
    """The network's view of a member service: its own figures rounded like any other."""
    data = small_data()
    big, small = largest_and_smallest(data)
    for service in (big, small):
        owner = build_service_report(data, service)
        outsider = build_service_report(data, service, owner=False)
        people = next(r.participants for r in data.raw.reach if r.service_id == service)
        assert people is not None
        own, shown = owner.sections[0].blocks[0], outsider.sections[0].blocks[0]
        assert isinstance(own, KeyFigure) and isinstance(shown, KeyFigure)
        assert own.value_text == f"{people:,} people"
        digits = re.sub(r"[^0-9]", "", shown.value_text)
        if 1 <= people <= 7:
            assert not digits  # hidden
        else:
            assert digits and int(digits) % 5 == 0  # rounded to the nearest 5
        assert "Progress towards reporting change" not in [s.title for s in outsider.sections]
        assert any("readers outside" in note for note in outsider.notes)
        assert not any("your data" in note for note in outsider.notes)


def test_network_counts_of_people_are_rounded(reports: dict[str, Report]) -> None:
    people = next(
        b for b in reports["network"].blocks() if isinstance(b, KeyFigure) and "People" in b.label
    )
    count = int(people.value_text.split()[0].replace(",", ""))
    assert count % 5 == 0


def test_network_report_pools_with_a_prediction_interval(reports: dict[str, Report]) -> None:
    forests = [
        b for b in reports["network"].blocks()
        if isinstance(b, Figure) and "each service, and all services" in b.chart.title
    ]  # fmt: skip
    assert forests
    pooled = forests[0].chart.data[-1]
    assert pooled["Service"] == "All services (pooled)"
    assert "95% prediction interval" in pooled
    what_works = next(s for s in reports["network"].sections if s.title == "What works for whom")
    test_table = what_works.blocks[1]
    assert isinstance(test_table, Table)
    # A test in words, or in words why there is none.
    assert all(
        "chance" in str(row[-1]) or str(row[-1]).startswith("Too few services to compare")
        for row in test_table.rows
    )


def _what_works_words(report: Report) -> list[str]:
    section = next(s for s in report.sections if s.title == "What works for whom")
    table = section.blocks[1]
    assert isinstance(table, Table)
    return [str(row[-1]) for row in table.rows]


def test_groups_of_too_few_services_are_not_compared(reports: dict[str, Report]) -> None:
    data = small_data()
    public = controlled(data.raw, data.policy)
    fewest = smallest_groups(public.subgroups)
    withheld_tests = [t for t in public.subgroup_tests if t.p_value is None]
    assert withheld_tests and all(fewest[group_key(t)] < 5 for t in withheld_tests)
    words = _what_works_words(reports["network"])
    assert any("Too few services to compare" in w for w in words)
    text = render_html(reports["network"])
    # No claim of a real difference between groups when one group holds too few services.
    assert "The groups differ by" not in text
    # The minimum is the policy's: lowered to 2, only groups of one service stop a test.
    lax = DisclosurePolicy(min_services=2)
    relaxed = load_report_data(
        small_folder(), BenchmarkOptions(disclosure_policy=lax), network_name="the test network"
    )
    instrument, timepoint = network_context(relaxed).with_meta[0]
    tests = [
        t
        for t in controlled(relaxed.raw, lax).subgroup_tests
        if (t.instrument, t.timepoint, t.period) == (instrument, timepoint, "all")
    ]
    fewest = smallest_groups(relaxed.raw.subgroups)
    words = _what_works_words(build_network_report(relaxed))
    assert len(words) == len(tests)
    for test, word in zip(tests, words, strict=True):
        if fewest[group_key(test)] >= 2:
            assert test.p_value is not None and "chance" in word
        else:
            assert "has one service" in word and "at least 2 in every group" in word


def test_a_funnel_of_too_few_services_is_not_drawn(reports: dict[str, Report]) -> None:
    data = small_data()
    public = controlled(data.raw, data.policy)
    for key in ("service", "small"):
        section = next(
            (s for s in reports[key].sections if s.title == "How the service compares"), None
        )
        if section is None:
            continue
        (block,) = section.blocks
        if isinstance(block, Callout):
            assert "too few to compare services fairly" in block.text
        else:
            assert isinstance(block, Figure)
            assert len(block.chart.data) >= 5
    assert any(s.k < 5 and s.phi is None for s in public.funnels)


def test_a_small_service_shows_progress_not_suppressed_change(reports: dict[str, Report]) -> None:
    titles = [s.title for s in reports["small"].sections]
    if "Progress towards reporting change" in titles:
        assert "How the service compares" not in titles


def test_commissioner_summary_is_short_and_every_pound_has_its_assumptions(
    reports: dict[str, Report],
) -> None:
    report = reports["commissioner"]
    # Two sections, then a plain-words panel per pillar the pool holds data for.
    assert [s.title for s in report.sections][:2] == ["The case in brief", VALUE_TITLE]
    panels = {"How quickly people are seen", "How well peer workers are supported"}
    assert {s.title for s in report.sections[2:]} <= panels
    for block in report.blocks():
        if isinstance(block, KeyFigure) and "£" in block.value_text:
            assert "assum" in block.what_it_means and "chance" in block.what_it_means
        if isinstance(block, Table):
            for row in block.rows:
                if any("£" in str(c) for c in row[1:3]):
                    assert "prices" in str(row[-1])  # the assumption sits beside the £


def test_commissioner_language_is_non_clinical(reports: dict[str, Report]) -> None:
    text = render_html(reports["commissioner"])
    for word in ("confidence interval", "95% CI", "Hedges", "caseness", "p-value", "PHQ"):
        assert word not in text


def test_quotes_come_only_from_released_consented_feedback(reports: dict[str, Report]) -> None:
    allowed = set(quotable(small_data().feedback)["free_text"].to_pylist())
    quotes = [b for r in reports.values() for b in r.blocks() if isinstance(b, Quote)]
    assert quotes
    assert {q.text for q in quotes} <= allowed


def test_quality_report_has_a_trend_by_financial_year(reports: dict[str, Report]) -> None:
    figures = [b for b in reports["quality"].blocks() if isinstance(b, Figure)]
    assert figures
    periods = [row["Financial year (April to March)"] for row in figures[0].chart.data]
    assert all(re.fullmatch(r"\d{4}–\d{2}( \(to .+\))?", str(p)) for p in periods)


def test_suppressed_cells_are_markers_not_blanks(reports: dict[str, Report]) -> None:
    report = reports["network"]
    for block in report.blocks():
        if isinstance(block, Table):
            for row in block.rows:
                assert all(c is not None or as_suppressed(c) for c in row)
    assert key_figures(report)["hidden_reasons"] == report.suppression_reasons()


def test_unknown_service_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        build_service_report(small_data(), "no-such-service")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report kind"):
        build(small_data(), "annual")
    with pytest.raises(ValueError, match="needs a service"):
        build(small_data(), "service")


def test_builders_are_deterministic() -> None:
    first = render_html(build_network_report(small_data()))
    assert first == render_html(build_network_report(small_data()))


def test_report_figures_survive_the_attack(reports: dict[str, Report], tmp_path: Path) -> None:
    """What the network and commissioner reports (and their .figures.json) are built from
    pins no count, and every number of people they print is a published (rounded) count."""
    data = small_data()
    public = controlled(data.raw, data.policy).to_dict()
    assert [c for c in attack(public) if c.pinned] == []
    assert small_published(public) == []
    for kind in ("network", "commissioner"):
        (_, summary) = write(reports[kind], tmp_path, kind)
        figures = json.loads(summary.read_text(encoding="utf-8"))
        people = [
            int(n.replace(",", ""))
            for figure in figures["key_figures"]
            for n in re.findall(r"([\d,]+) people", figure["value"] or "")
        ]
        assert people, kind
        assert all(n % 5 == 0 and not 1 <= n <= 7 for n in people), (kind, people)
