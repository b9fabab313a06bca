"""Each chart renders static SVG with the expected marks, and leaves suppressed values off."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from altair.vegalite.v6.schema.core import Root

from peerbench.io.content_cache import ContentCache
from peerbench.reports import charts
from peerbench.reports.chart import Chart, render_svg
from peerbench.reports.suppression import SuppressedValue

SMALL = {"value": None, "suppressed": "small-count"}
LOW_N = {"value": None, "suppressed": "below-min-n"}
ROLE = re.compile(r'aria-roledescription="([^"]*)"')


def marks(chart: Chart) -> Counter[str]:
    """How many of each kind of mark item (point, bar, rule mark, …) the SVG draws."""
    return Counter(ROLE.findall(chart.svg))


def labels(chart: Chart) -> str:
    """Every per-item aria-label, joined (to look for data that must not be drawn)."""
    return "\n".join(re.findall(r'aria-label="([^"]*)"', chart.svg))


def assert_accessible(chart: Chart) -> None:
    # render() skips Altair's schema check for speed: the spec must still be valid.
    Root.validate(chart.spec)
    assert chart.svg.startswith("<svg")
    assert chart.svg.rstrip().endswith("</svg>")
    root = re.match(r"<svg[^>]*>", chart.svg)
    assert root is not None
    assert 'role="img"' in root.group(0)
    assert "aria-labelledby=" in root.group(0)
    assert "<title" in chart.svg
    assert chart.alt.endswith(".")
    assert chart.alt.count(". ") <= 3  # a sentence or two, not an essay
    assert chart.data
    assert "<script" not in chart.svg
    assert not re.search(r'(?:src|href)="https?:', chart.svg)


def funnel(units: list[dict[str, object]] | None = None) -> Chart:
    rows = units or [
        {"unit": "Alpha", "value": 0.5, "precision": 40, "flag": "within"},
        {"unit": "Beta", "value": 0.8, "precision": 100, "flag": "above_99.8"},
        {"unit": "Gamma", "value": SMALL, "precision": 5, "flag": "within"},
    ]
    curves = [
        {"precision": p, "lower_95": 0.3, "upper_95": 0.7, "lower_998": 0.2, "upper_998": 0.8}
        for p in (10, 50, 100)
    ]
    return charts.funnel_plot(rows, curves, target=0.55, highlight="Alpha")


def test_funnel_plot() -> None:
    chart = funnel()
    assert_accessible(chart)
    counts = marks(chart)
    assert counts["point"] == 2 + 1  # two shown services and the highlight ring
    assert counts["line mark"] == 4  # lower and upper limits at two levels
    assert counts["rule mark"] == 1  # pooled target
    assert "Gamma" not in labels(chart)
    assert "Alpha" in chart.svg  # the highlighted service is named on the plot
    gamma = chart.data[2]
    assert gamma["Service"] == "Gamma"
    assert gamma["Result"] == SuppressedValue("small-count")
    # The size of a hidden service is hidden too, or the small count could be read off.
    assert gamma["Number of people"] == SuppressedValue("small-count")
    assert chart.data[0]["Service"] == "Alpha (you)"
    assert "1 service is hidden" in chart.alt


def test_funnel_rejects_unknown_flags() -> None:
    bad = [{"unit": "A", "value": 0.5, "precision": 40, "flag": "below_998"}]
    with pytest.raises(ValueError, match="unknown funnel flag"):
        funnel(bad)


def test_forest_plot() -> None:
    rows = [
        {"label": "Alpha", "estimate": 2.0, "ci_low": 1.0, "ci_high": 3.0, "n": 50},
        {"label": "Beta", "estimate": 3.0, "ci_low": 2.5, "ci_high": 3.5, "n": 200},
        {"label": "Gamma", "estimate": LOW_N, "ci_low": None, "ci_high": None},
        {"label": "Delta", "estimate": 1.0, "ci_low": 0.0, "ci_high": 2.0, "n": 60},
    ]
    pooled = {"estimate": 2.1, "ci_low": 1.5, "ci_high": 2.7, "pi_low": 0.2, "pi_high": 4.0}
    chart = charts.forest_plot(rows, pooled, reference=0.0, highlight="Beta")
    assert_accessible(chart)
    counts = marks(chart)
    assert counts["point"] == 3
    assert counts["area mark"] == 1  # the pooled diamond
    assert counts["rule mark"] == 3 + 1 + 1  # intervals, prediction interval, reference
    for name in ("Alpha", "Beta", "Delta", "All services (pooled)"):
        assert f">{name}</text>" in chart.svg  # every row is labelled
    assert ">Gamma</text>" not in chart.svg
    assert chart.data[2]["Estimate"] == SuppressedValue("below-min-n")
    assert chart.data[-1]["95% prediction interval"] == "0.2 to 4.0"
    assert "95% prediction interval" in chart.columns


def test_forest_plot_without_prediction_interval() -> None:
    rows = [{"label": "A", "estimate": 0.4, "ci_low": 0.3, "ci_high": 0.5}]
    pooled = {"estimate": 0.4, "ci_low": 0.3, "ci_high": 0.5, "pi_low": float("nan")}
    chart = charts.forest_plot(rows, pooled, value_format="percent")
    assert marks(chart)["rule mark"] == 1
    assert chart.data[0]["Estimate"] == "40%"


def test_before_after_distribution() -> None:
    rows = [
        {"band": "Low", "timepoint": "baseline", "share": 0.6},
        {"band": "Low", "timepoint": "follow-up", "share": 0.3},
        {"band": "High", "timepoint": "baseline", "share": SMALL},
        {"band": "High", "timepoint": "follow-up", "share": 0.7},
    ]
    chart = charts.before_after_distribution(rows)
    assert_accessible(chart)
    assert marks(chart)["bar"] == 3
    assert chart.data == [
        {"Wellbeing score": "Low", "First score (before)": "60%", "Latest score (after)": "30%"},
        {
            "Wellbeing score": "High",
            "First score (before)": SuppressedValue("small-count"),
            "Latest score (after)": "70%",
        },
    ]


def test_individual_change_bars() -> None:
    rows = [
        {"group": "Us", "improved": 0.5, "no_change": 0.45, "deteriorated": 0.05, "n": 80},
        {"group": "Men", "improved": 0.6, "no_change": 0.4, "deteriorated": SMALL},
    ]
    chart = charts.individual_change_bars(rows)
    assert_accessible(chart)
    assert marks(chart)["bar"] == 5
    assert marks(chart)["text mark"] == 4  # shares of 7% or more are labelled in the bar
    assert chart.data[1]["Got worse"] == SuppressedValue("small-count")
    assert chart.data[0]["People"] == "80"


def test_retention_curve() -> None:
    rows = [
        {"months": 0, "share": 1.0},
        {"months": 3, "share": 0.8},
        {"months": 6, "share": SMALL},
        {"months": 12, "share": 0.5},
    ]
    chart = charts.retention_curve(rows)
    assert_accessible(chart)
    assert marks(chart)["point"] == 3
    assert marks(chart)["line mark"] == 1
    assert [r["Time point"] for r in chart.data] == ["Start", "3 months", "6 months", "12 months"]
    assert chart.data[2]["All people"] == SuppressedValue("small-count")


def test_reach_vs_population() -> None:
    rows = [
        {"category": "Young", "service_share": 0.3, "population_share": 0.2},
        {"category": "Old", "service_share": SMALL, "population_share": 0.8},
    ]
    chart = charts.reach_vs_population(rows)
    assert_accessible(chart)
    assert marks(chart)["bar"] == 3
    assert chart.data[1]["People supported"] == SuppressedValue("small-count")
    assert chart.data[1]["Local population"] == "80%"


def test_tables_and_frames_give_the_same_chart() -> None:
    rows = [
        {"category": "Young", "service_share": 0.3, "population_share": 0.2},
        {"category": "Old", "service_share": 0.7, "population_share": 0.8},
    ]
    expected = charts.reach_vs_population(rows)
    for table in (pd.DataFrame(rows), pa.Table.from_pylist(rows)):
        chart = charts.reach_vs_population(table)
        assert chart.svg == expected.svg
        assert chart.data == expected.data


def test_ids_are_unique_across_charts() -> None:
    first = charts.retention_curve([{"months": 0, "share": 1.0}, {"months": 3, "share": 0.5}])
    second = charts.retention_curve([{"months": 0, "share": 1.0}, {"months": 6, "share": 0.4}])
    ids = re.findall(r'\bid="([^"]+)"', first.svg + second.svg)
    assert ids
    assert len(ids) == len(set(ids))
    for chart in (first, second):
        for ref in re.findall(r"url\(#([^)]+)\)", chart.svg):
            assert f'id="{ref}"' in chart.svg


def test_labels_from_data_are_escaped() -> None:
    rows = [
        {"category": "<script>alert(1)</script>", "service_share": 0.3, "population_share": 0.2}
    ]
    chart = charts.reach_vs_population(rows)
    assert "<script" not in chart.svg
    assert "&lt;script&gt;" in chart.svg


def test_svg_from_the_cache_equals_a_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = funnel().spec
    cache = ContentCache(tmp_path)
    rendered = render_svg(spec, cache)
    assert rendered == render_svg(spec, ContentCache(None))

    def fail(*args: object, **kwargs: object) -> str:
        raise AssertionError("rendered again")

    monkeypatch.setattr("vl_convert.vegalite_to_svg", fail)
    assert render_svg(spec, cache) == rendered
    with pytest.raises(AssertionError, match="rendered again"):
        render_svg({**spec, "description": "another chart"}, cache)
