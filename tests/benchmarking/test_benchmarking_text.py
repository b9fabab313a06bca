"""The benchmark's text report."""

from __future__ import annotations

from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, DataQualityNote
from peerbench.benchmarking.text import render_text


def test_the_text_report_names_who_was_left_out() -> None:
    note = DataQualityNote("economics", "org-bad", "service use: why")
    text = render_text(BenchmarkResult(BenchmarkOptions(), "example", data_quality=(note,)))
    assert "Left out of economics: organisation org-bad (service use: why)." in text
    assert "Left out" not in render_text(BenchmarkResult(BenchmarkOptions(), "example"))
