"""Small pieces of the report builders: quotes, shares, periods, wording, chart inputs."""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pytest

from peerbench.benchmarking import ALL_PERIODS, FunnelSummary
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports import charts
from peerbench.reports.builders.chart_inputs import bands_for, limit_curves
from peerbench.reports.builders.figures import key_figures
from peerbench.reports.builders.periods import financial_year, financial_years, year_label
from peerbench.reports.builders.quotes import quotable, select_quotes
from peerbench.reports.builders.shares import (
    controlled_count,
    controlled_rate,
    controlled_shares,
)
from peerbench.reports.builders.wording import agreement, instrument_name, label
from peerbench.reports.sample import sample_report
from peerbench.reports.suppression import SuppressedValue
from peerbench.stats import funnel_means, funnel_proportions


def _feedback() -> pa.Table:
    return pa.table(
        {
            "feedback_id": ["f1", "f2", "f3", "f4", "f5", "f6"],
            "service_id": ["s1", "s1", "s1", "s2", "s1", "s1"],
            "feedback_date": [dt.date(2025, 1, d) for d in range(1, 7)],
            "themes": [["hope"], ["connection"], ["hope"], ["hope"], ["hope"], ["confidence"]],
            "consent_to_quote": [True, True, False, True, True, True],
            "free_text": ["released", "not released", "no consent", "other service", None, "x"],
            "released_after_review": [True, False, True, True, True, True],
        }
    )


def test_only_consented_and_released_feedback_is_quotable() -> None:
    rows = quotable(_feedback(), ["s1"])
    assert rows["free_text"].to_pylist() == ["x", "released"]  # newest first


def test_quotes_carry_their_themes_in_words() -> None:
    quotes = select_quotes(_feedback(), ["s1"], limit=5)
    assert [(q.text, list(q.themes)) for q in quotes] == [
        ("x", ["Confidence to self-manage"]),
        ("released", ["Hope and motivation"]),
    ]


def test_quotes_are_distinct_and_limited() -> None:
    table = _feedback().filter(pa.array([True, False, False, True, False, False]))
    doubled = pa.concat_tables([table, table])
    assert [q.text for q in select_quotes(doubled, limit=5)] == ["other service", "released"]
    assert len(select_quotes(doubled, limit=1)) == 1


def test_feedback_without_the_consent_columns_gives_no_quotes() -> None:
    assert select_quotes(pa.table({"free_text": ["a"]})) == []


def test_shares_hide_small_counts_and_protect_them_from_the_total() -> None:
    shares, total = controlled_shares({"a": 12, "b": 3, "c": 40}, DisclosurePolicy(), owner=False)
    assert shares["b"] == SuppressedValue("small-count")
    assert shares["a"] == SuppressedValue("secondary")  # else b = total − a − c
    assert shares["c"] == pytest.approx(40 / 55)
    assert total == 55


def test_the_owner_sees_true_shares() -> None:
    shares, total = controlled_shares({"a": 12, "b": 3}, DisclosurePolicy(), owner=True)
    assert shares == {"a": pytest.approx(0.8), "b": pytest.approx(0.2)}
    assert total == 15


def test_counts_and_rates_follow_the_policy() -> None:
    policy = DisclosurePolicy()
    assert controlled_count(3, policy, owner=False) == SuppressedValue("small-count")
    assert controlled_count(13, policy, owner=False) == 15
    assert controlled_count(13, policy, owner=True) == 13
    assert controlled_rate(5, 8, policy, owner=False) == SuppressedValue("below-min-n")
    assert controlled_rate(10, 15, policy, owner=False) == pytest.approx(10 / 15)
    assert controlled_rate(0, 0, policy, owner=True) == SuppressedValue("below-min-n")


def test_financial_years_start_in_april() -> None:
    assert financial_year(dt.date(2025, 3, 31)) == 2024
    assert financial_year(dt.date(2025, 4, 1)) == 2025
    dates = pa.array([dt.date(2025, 3, 31), None, dt.date(2025, 4, 1)])
    assert financial_years(dates).tolist() == [2024, -1, 2025]
    assert year_label(2024) == "2024–25"
    assert year_label(2026, dt.date(2026, 9, 30)) == "2026–27 (to 30 Sep 2026)"
    assert year_label(2025, dt.date(2026, 9, 30)) == "2025–26"


def test_plain_names() -> None:
    assert instrument_name("SWEMWBS") == "Wellbeing (SWEMWBS)"
    assert instrument_name("XYZ") == "XYZ"
    assert label("facilitator_model", "volunteer_peers") == "Volunteer peers"
    assert label("deprivation_quintile", "1") == "1 (most deprived)"
    assert label("age_band", None) == "Not recorded"
    assert "chance" in agreement(0.4) and "more than chance" in agreement(0.01)
    assert "strong" in agreement(0.0001) and "too few" in agreement(None)


@pytest.mark.parametrize("code", ["SWEMWBS", "PHQ9", "PAM13", "SEMCD6", "ONS4.happiness"])
def test_bands_cover_the_whole_scale_without_gaps(code: str) -> None:
    bands = bands_for(code)
    assert len(bands) >= 3
    # Each band ends where the next begins: no score falls between two bands.
    assert all(a[2] == pytest.approx(b[1]) or a[2] + 1 == b[1] for a, b in pairwise(bands))


def test_mean_funnel_curves_match_the_stats_module() -> None:
    values, se = np.array([1.0, 2.0, 3.5, 0.2, 2.2]), np.array([0.5, 0.3, 0.8, 0.4, 0.25])
    result = funnel_means(values, se, adjust="always")
    summary = FunnelSummary(
        instrument="X",
        period=ALL_PERIODS,
        timepoint="end",
        metric="mean_change",
        target=result.target,
        tau2=result.overdispersion.tau2,
        adjusted=True,
    )
    curves = limit_curves(summary, result.precision)
    assert [c["upper_95"] for c in curves] == pytest.approx(list(result.upper_95))
    assert [c["lower_998"] for c in curves] == pytest.approx(list(result.lower_998))


def test_proportion_funnel_curves_match_the_stats_module() -> None:
    events, n = np.array([10, 30, 22, 50]), np.array([30, 80, 50, 120])
    result = funnel_proportions(events, n, adjust="never")
    summary = FunnelSummary(
        instrument="X",
        period=ALL_PERIODS,
        timepoint="end",
        metric="reliable_improvement",
        target=result.target,
        tau2=0.0,
        adjusted=False,
    )
    curves = limit_curves(summary, result.precision)
    assert [c["upper_95"] for c in curves] == pytest.approx(list(result.upper_95))
    assert [c["lower_95"] for c in curves] == pytest.approx(list(result.lower_95))


def test_score_trend_lists_hidden_points_in_its_table() -> None:
    chart = charts.score_trend(
        [
            {"period": "2024–25", "series": "Completeness", "value": 80.0},
            {"period": "2025–26", "series": "Completeness", "value": SuppressedValue()},
        ]
    )
    assert "<svg" in chart.svg and "1 value is hidden" in chart.alt
    assert chart.data[1]["Completeness"] == SuppressedValue()


def test_key_figures_summarise_structure() -> None:
    summary = key_figures(sample_report())
    assert summary["sections"][0] == "In brief"
    assert summary["key_figures"][3]["suppressed"] == "small-count"
    assert len(summary["figures"]) == 6 and len(summary["tables"]) == 1
    assert all(not math.isnan(f["rows"]) for f in summary["figures"])
