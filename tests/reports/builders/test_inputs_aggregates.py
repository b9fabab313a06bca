"""The reports' participant-level tables come from the benchmark's own aggregation."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import peerbench.aggregate
from peerbench.aggregate.scored_cache import scored_outcomes
from peerbench.benchmarking import BenchmarkOptions
from peerbench.benchmarking.sources import open_source
from peerbench.reports.builders import inputs
from peerbench.synth import SynthConfig, generate, write_dataset

# The module (``peerbench.benchmarking.compute`` as an attribute is the function).
benchmark_compute = importlib.import_module("peerbench.benchmarking.compute")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny")
    write_dataset(generate(SynthConfig(organisations=2, outcome_rows=600, seed=11)), path)
    return path


def _load(folder: Path, options: BenchmarkOptions, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``_assemble`` on the folder (no validation), counting aggregations."""
    calls: list[str | None] = []
    real = peerbench.aggregate.compute_tables

    def counting(source: Any, **kwargs: Any) -> dict[str, pa.Table]:
        calls.append(kwargs.get("backend"))
        return real(source, **kwargs)

    monkeypatch.setattr(benchmark_compute, "compute_tables", counting)
    monkeypatch.setattr(peerbench.aggregate, "compute_tables", counting)
    data = inputs._assemble(open_source(folder), {}, lambda: None, options, None, "net")  # type: ignore[arg-type,return-value]
    return data, calls


def _expected(folder: Path) -> dict[str, pa.Table]:
    view, scored = benchmark_compute.period_view(open_source(folder).source, None)
    return peerbench.aggregate.compute_tables(view, scored=scored, include_paired=True)


def test_the_pool_is_aggregated_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, calls = _load(folder, BenchmarkOptions(), monkeypatch)
    assert len(calls) == 1
    expected = _expected(folder)
    assert data.paired.equals(expected["paired"])
    assert data.demographics.equals(expected["demographics"])


def test_a_period_benchmark_still_gives_every_period(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a period asked for, the benchmark's tables are that period's: the reports'
    tables (all periods) are aggregated on their own."""
    every = _expected(folder)["paired"]
    scored = scored_outcomes(open_source(folder).source)
    period = max(p for p in scored.column("_period").to_pylist() if p)
    options = dataclasses.replace(BenchmarkOptions(), period=period)
    data, calls = _load(folder, options, monkeypatch)
    assert len(calls) == 2
    assert data.paired.equals(every)
