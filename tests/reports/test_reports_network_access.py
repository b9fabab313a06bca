"""The network report's "From referral to first contact" section and the commissioner
summary's "How quickly people are seen" panel."""

from __future__ import annotations

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute, controlled
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports.builders import build, load_report_data
from peerbench.reports.builders.dashboard import FIGURE_SECTIONS, sections_titled
from peerbench.reports.builders.network_access import (
    PANEL_TITLE,
    TITLE,
    access_panel,
    access_section,
    group_label,
)
from peerbench.reports.content import Section, Table
from peerbench.reports.render import render_html
from peerbench.reports.suppression import SuppressedValue, SuppressionWording
from tests.api.test_api_benchmark_access import add_referrals
from tests.benchmarking.test_access import AS_OF, engine_tables
from tests.reports.test_reports_builders_data import small_folder

# Only zeros hidden, nothing rounded: the tables show the hand-calculated figures.
OPEN = DisclosurePolicy(small_count_min=0, small_count_max=0, rounding_base=1, min_n=1)


@pytest.fixture(scope="module")
def raw() -> BenchmarkResult:
    options = BenchmarkOptions(as_of=AS_OF, min_n=1)
    return compute(BenchmarkSource.from_tables(engine_tables()), options)


def tables(section: Section) -> dict[str, Table]:
    return {b.caption: b for b in section.blocks if isinstance(b, Table)}


def test_group_labels() -> None:
    assert group_label("route", "gp") == "GP or primary care"
    assert group_label("deprivation_quintile", "Q1") == "1 (most deprived)"
    assert group_label("condition", "not_recorded") == "Not recorded"
    assert group_label("service_model", "volunteer_peers") == "Volunteer peers"


def test_section_shows_the_hand_calculated_figures(raw: BenchmarkResult) -> None:
    section = access_section(controlled(raw, OPEN))
    assert section is not None and section.title == TITLE
    assert "31 March 2025" in section.intro
    found = tables(section)
    waits = {row[0]: row[1:] for row in found["Days from referral to first contact"].rows}
    # All: 11 referred, 6 contacted, median 7.5, p90 60, 3 waiting, 21 days so far.
    assert waits["All referrals"] == [11, 6, 7.5, 60, 3, 21]
    assert waits["Referred by: Self-referral"] == [5, 3, 4, 5, 1, 10]
    funnel = {row[0]: row[1:] for row in found["From referral to completing support"].rows}
    assert funnel["All referrals"] == [11, 5, 5 / 11, 4, 4 / 11, 2, 2 / 11]
    # Cancer: 1 referred, 1 started; this policy's small counts are 0–0, so the
    # difference 1 − 1 = 0 is "small" and the started count is hidden with it.
    assert funnel["Condition: Cancer"][0] == 1
    assert funnel["Condition: Cancer"][1] == SuppressedValue("secondary")
    reasons = {row[0]: row[1] for row in found["Referrals that have not started support"].rows}
    assert reasons == {
        "Declined the offer": 1,
        "Could not be contacted": 1,
        "Not suitable or not eligible": 1,
        "Still waiting": 3,
        "All not started": 6,
    }


def test_public_section_shows_markers_not_small_numbers(raw: BenchmarkResult) -> None:
    section = access_section(controlled(raw))
    assert section is not None
    waits = tables(section)["Days from referral to first contact"].rows
    overall = waits[0]
    assert overall[1] == 10  # 11 rounded
    assert isinstance(overall[2], SuppressedValue)  # 6 contacted: a small count
    assert isinstance(overall[3], SuppressedValue)  # median on 6 < 10 waits


def test_commissioner_panel_states_each_base(raw: BenchmarkResult) -> None:
    wording = SuppressionWording.from_policy(OPEN)
    panel = access_panel(controlled(raw, OPEN), wording)
    assert panel is not None and panel.title == PANEL_TITLE
    rows = {row[0]: row[1:] for row in tables(panel)[PANEL_TITLE].rows}
    assert rows["Typical wait for a first contact"][0] == "8 days"  # 7.5, whole days
    assert "6 people contacted" in str(rows["Typical wait for a first contact"][1])
    assert "11 referrals" in str(rows["Typical wait for a first contact"][1])
    assert rows["Nine in ten people were seen within"][0] == "60 days"
    assert rows["Still waiting for a first contact"][0] == "3"
    assert "21 days so far" in str(rows["Still waiting for a first contact"][1])
    assert rows["Referrals that led to support"][0] == "45%"
    assert "5 started support and 4 came to at least one session" in str(
        rows["Referrals that led to support"][1]
    )


def test_no_referrals_no_section() -> None:
    from tests.benchmarking.conftest import tiny_tables

    result = controlled(compute(BenchmarkSource.from_tables(tiny_tables())))
    assert access_section(result) is None
    assert access_panel(result, SuppressionWording.from_policy(DisclosurePolicy())) is None


def test_reports_of_a_pool_with_referrals() -> None:
    folder = small_folder()
    add_referrals(folder)
    data = load_report_data(folder, network_name="the test network")
    network = build(data, "network")
    assert TITLE in [s.title for s in network.sections]
    commissioner = build(data, "commissioner")
    assert PANEL_TITLE in [s.title for s in commissioner.sections[2:]]  # a pillar panel
    html = render_html(network)
    assert TITLE in html and "9 in 10 seen within (days)" in html
    # The portal's network benchmarks page shows the section (picked by title).
    assert TITLE in [s.title for s in sections_titled(network, FIGURE_SECTIONS)]
