"""The scaling benchmark's fit, tables and chart (no timings: those live in the benchmark)."""

from __future__ import annotations

import pytest

from benchmarks.bench_scaling import Measured, chart, fit, tables
from benchmarks.common import ProcessRun
from benchmarks.scaling_chart import Series, svg_chart


def _run(seconds: float, mb: float, code: int = 0) -> ProcessRun:
    return ProcessRun(code, seconds, mb, b"", b"")


def test_fit_recovers_a_line() -> None:
    fixed, slope = fit([(0.01, 1.02), (0.1, 1.2), (1.0, 3.0), (10.0, 21.0)]) or (0, 0)
    assert fixed == pytest.approx(1.0)
    assert slope == pytest.approx(2.0)
    assert fit([(1.0, 2.0)]) is None


def test_tables_show_every_size_and_mark_failures() -> None:
    results = [
        Measured("validate", 10_000, _run(0.5, 100)),
        Measured("validate", 1_000_000, _run(1.5, 300)),
        Measured("ingest", 10_000, _run(2.0, 200, code=1)),
    ]
    per_size, fitted = tables(results)
    assert "10k s / MB" in per_size and "1M s / MB" in per_size
    assert "0.50 s / 100 MB" in per_size
    assert "(failed)" in per_size
    validate = next(line for line in fitted.splitlines() if line.startswith("| validate"))
    assert "1.010" in validate  # cost per million rows: (1.5 - 0.5) / 0.99


def test_chart_is_deterministic_svg() -> None:
    results = [
        Measured("validate", 10_000, _run(0.5, 100)),
        Measured("validate", 100_000, _run(0.8, 150)),
    ]
    first = chart(results)
    assert first == chart(results)
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
    assert "validate" in first and "<polyline" in first
    empty = svg_chart("t", [("s", [Series("a", [])])], x_label="x")
    assert "<polyline" not in empty
