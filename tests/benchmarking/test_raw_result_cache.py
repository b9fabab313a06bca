"""The raw benchmark result cache: same result as computing, recomputed when inputs change."""

from __future__ import annotations

import importlib
import os
import pickle
from pathlib import Path

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, compute, controlled, open_source
from peerbench.benchmarking.raw_result_cache import result_key
from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, generate, write_dataset

compute_module = importlib.import_module("peerbench.benchmarking.compute")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    config = SynthConfig(seed=7, organisations=3, outcome_rows=1500)
    write_dataset(generate(config), out, FileFormat("parquet"))
    return out


def _no_compute(*args: object, **kwargs: object) -> None:
    raise AssertionError("computed instead of read from the cache")


def test_cached_result_equals_a_fresh_computation(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    loaded = open_source(folder)
    first = compute(loaded.source, service_use=loaded.service_use, generated_from="f")
    assert list((tmp_path / "cache" / "benchmark").glob("result-*.pickle"))
    monkeypatch.setattr(compute_module, "_compute", _no_compute)
    again = open_source(folder)
    cached = compute(again.source, service_use=again.service_use, generated_from="f")
    assert repr(cached) == repr(first)  # every value exactly, NaN markers included
    monkeypatch.undo()
    fresh = BenchmarkSource.from_folder(folder, cache=False)
    assert fresh.cache_dir is None
    uncached = compute(fresh, service_use=loaded.service_use, generated_from="f")
    assert controlled(cached).to_dict() == controlled(uncached).to_dict()
    assert (
        controlled(cached, viewer_organisation_id="org-0001").to_dict()
        == controlled(uncached, viewer_organisation_id="org-0001").to_dict()
    )


def test_key_changes_with_files_options_and_service_use(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    loaded = open_source(folder)
    options = BenchmarkOptions()
    key = result_key(loaded.source, options, loaded.service_use, "f")
    assert key is not None
    assert key == result_key(open_source(folder).source, options, loaded.service_use, "f")
    assert key != result_key(loaded.source, BenchmarkOptions(min_n=12), loaded.service_use, "f")
    assert key != result_key(loaded.source, options, None, "f")
    assert key != result_key(loaded.source, options, loaded.service_use, "g")
    outcomes = folder / "outcomes.parquet"
    stat = outcomes.stat()
    os.utime(outcomes, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert key != result_key(open_source(folder).source, options, loaded.service_use, "f")


def test_no_key_without_a_cache_folder_or_for_tables(folder: Path) -> None:
    tables = generate(SynthConfig(seed=7, organisations=2, outcome_rows=300)).tables
    assert result_key(BenchmarkSource.from_tables(tables), BenchmarkOptions(), None, "t") is None
    uncached = BenchmarkSource.from_folder(folder, cache=False)
    assert result_key(uncached, BenchmarkOptions(), None, "t") is None


def test_a_damaged_entry_is_computed_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    loaded = open_source(folder)
    first = compute(loaded.source, generated_from="f")
    (entry,) = (tmp_path / "cache" / "benchmark").glob("result-*.pickle")
    entry.write_bytes(b"not a pickle")
    again = compute(open_source(folder).source, generated_from="f")
    assert controlled(again).to_dict() == controlled(first).to_dict()
    assert pickle.loads(entry.read_bytes()) is not None  # written again


def test_empty_cache_setting_turns_caching_off(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", "")
    assert open_source(folder).source.cache_dir is None
