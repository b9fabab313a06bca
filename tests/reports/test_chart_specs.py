"""Every chart's Vega-Lite spec is byte for byte the one Altair built before the charts
wrote their specs as plain dicts, and each is still valid Vega-Lite.

``golden/chart_specs.json`` holds, per case, ``json.dumps`` of the spec (key order and
all) that ``chart.to_dict(validate=False)`` gave from the Altair charts (Altair 6.3,
Vega-Lite 6.4.1): the SVG cache key and vl-convert's input stay the same, so published
reports keep their bytes. The SVG itself is stubbed: rendering is tested elsewhere.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from altair.vegalite.v6.schema.core import Root

from peerbench.reports import chart as chart_module
from peerbench.reports import charts, sample

GOLDEN = Path(__file__).parent / "golden" / "chart_specs.json"
SMALL = {"value": None, "suppressed": "small-count"}
LOW_N = {"value": None, "suppressed": "below-min-n"}
STUB_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def _curves(pooled: float, stop: int) -> list[dict[str, float]]:
    rows = []
    for precision in range(10, stop, 40):
        se = math.sqrt(pooled * (1 - pooled) / precision)
        rows.append(
            {
                "precision": float(precision),
                "lower_95": pooled - 1.96 * se,
                "upper_95": pooled + 1.96 * se,
                "lower_998": pooled - 3.09 * se,
                "upper_998": pooled + 3.09 * se,
            }
        )
    return rows


def _forest_plain() -> charts.Chart:
    rows = [
        {"label": "B", "estimate": 0.4, "ci_low": 0.3, "ci_high": 0.5},
        {"label": "A", "estimate": LOW_N, "ci_low": None, "ci_high": None},
        {"label": "C", "estimate": -0.1, "ci_low": -0.4, "ci_high": 0.2, "n": 12},
    ]
    pooled = {"estimate": 0.3, "ci_low": 0.1, "ci_high": 0.5, "pi_low": float("nan")}
    return charts.forest_plot(rows, pooled, value_format="percent", title="Plain")


def _funnel_numbers() -> charts.Chart:
    units = [
        {"unit": "A", "value": 2.5, "precision": 40.0, "flag": "within"},
        {"unit": "B", "value": 3.5, "precision": 90.0, "flag": "above_95"},
        {"unit": "C", "value": SMALL, "precision": 3.0, "flag": "within"},
    ]
    curves = [
        {"precision": p, "lower_95": 2.0, "upper_95": 4.0, "lower_998": None, "upper_998": 5.0}
        for p in (10.0, 50.0, 100.0)
    ]
    return charts.funnel_plot(units, curves, target=3.0, value_format="number")


def _funnel_unclamped_empty() -> charts.Chart:
    return charts.funnel_plot([], [], target=0.5, highlight="Nobody")


def _retention_one() -> charts.Chart:
    rows = [{"months": m, "share": s} for m, s in ((0, 1.0), (3, 0.7), (6, SMALL), (12, 0.4))]
    return charts.retention_curve(rows)


def _change_one() -> charts.Chart:
    rows = [{"group": "Us", "improved": 0.05, "no_change": 0.9, "deteriorated": LOW_N}]
    return charts.individual_change_bars(rows, group_label="Service")


def _trend(series: int) -> Callable[[], charts.Chart]:
    names = ["Completeness", "Timeliness", "Validity"][:series]

    def make() -> charts.Chart:
        rows = [
            {"period": p, "series": s, "value": None if (p, s) == ("2024", names[-1]) else v}
            for p, v in (("2023", 61.5), ("2024", 70.0), ("2025", 88.25))
            for s in names
        ]
        return charts.score_trend(rows, series_order=list(reversed(names)))

    return make


CASES: dict[str, Callable[[], charts.Chart]] = {
    "forest_sample": sample._forest,
    "forest_plain": _forest_plain,
    "funnel_sample": sample._funnel,
    "funnel_numbers": _funnel_numbers,
    "funnel_empty": _funnel_unclamped_empty,
    "before_after_sample": sample._before_after,
    "change_sample": sample._change,
    "change_one": _change_one,
    "retention_sample": sample._retention,
    "retention_one": _retention_one,
    "reach_sample": sample._reach,
    "trend_one": _trend(1),
    "trend_three": _trend(3),
}


def built_specs(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Each case's spec, without rendering SVG."""
    monkeypatch.setattr(chart_module, "render_svg", lambda spec, cache=None: STUB_SVG)
    return {name: make().spec for name, make in CASES.items()}


def test_specs_equal_altairs_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    specs = built_specs(monkeypatch)
    assert sorted(specs) == sorted(golden)
    for name, spec in specs.items():
        assert json.dumps(spec) == golden[name], name


def test_specs_are_valid_vega_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    for spec in built_specs(monkeypatch).values():
        Root.validate(spec)
