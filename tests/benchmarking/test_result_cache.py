"""Cached benchmarks of a folder equal computed ones, and follow files and options."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.benchmarking import BenchmarkOptions, compute, controlled, open_source
from peerbench.benchmarking.result_cache import (
    NAMESPACE,
    SourceError,
    benchmark_key,
    cached_benchmark,
    folder_inputs,
)
from peerbench.benchmarking.text import render_text
from peerbench.disclosure import DisclosurePolicy
from peerbench.io.content_cache import ContentCache
from tests.benchmarking.conftest import tiny_tables


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    out = tmp_path / "tiny"
    out.mkdir()
    tables = tiny_tables()
    pq.write_table(tables["outcome"], out / "outcomes.parquet")
    pq.write_table(tables["service"], out / "services.parquet")
    return out


def _direct(folder: Path, options: BenchmarkOptions, owner: str | None = None) -> dict[str, object]:
    loaded = open_source(folder)
    raw = compute(
        loaded.source, options, service_use=loaded.service_use, generated_from=loaded.description
    )
    policy = options.disclosure_policy or DisclosurePolicy()
    return controlled(raw, policy, viewer_organisation_id=owner).to_dict()


def test_cached_equals_computed(tiny_dir: Path, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions(instrument="PHQ9", disclosure_policy=DisclosurePolicy())
    first = cached_benchmark(tiny_dir, options, viewer_organisation_id="org-a", cache=cache)
    key = benchmark_key(cache, tiny_dir, options, "org-a")
    assert key is not None and cache.get_json(NAMESPACE, key) is not None
    second = cached_benchmark(tiny_dir, options, viewer_organisation_id="org-a", cache=cache)
    assert first.to_dict() == second.to_dict() == _direct(tiny_dir, options, "org-a")
    assert render_text(first) == render_text(second)
    for name, table in first.tables().items():
        assert second.tables()[name].equals(table), name


def test_a_hit_is_read_not_computed(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions()
    expected = cached_benchmark(tiny_dir, options, cache=cache).to_dict()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(importlib.import_module("peerbench.benchmarking.compute"), "compute", fail)
    assert cached_benchmark(tiny_dir, options, cache=cache).to_dict() == expected


def test_key_follows_contents_options_viewer_and_place(tiny_dir: Path, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions()
    key = benchmark_key(cache, tiny_dir, options, None)
    assert key == benchmark_key(cache, tiny_dir, BenchmarkOptions(), None)
    assert key != benchmark_key(cache, tiny_dir, BenchmarkOptions(min_n=11), None)
    stricter = BenchmarkOptions(disclosure_policy=DisclosurePolicy(rounding_base=10))
    assert key != benchmark_key(cache, tiny_dir, stricter, None)
    assert key != benchmark_key(cache, tiny_dir, options, "org-a")
    moved = shutil.copytree(tiny_dir, tmp_path / "moved")
    assert key != benchmark_key(cache, moved, options, None)  # the result names its folder
    outcomes = pq.read_table(tiny_dir / "outcomes.parquet")
    pq.write_table(outcomes.slice(1), tiny_dir / "outcomes.parquet")
    assert key != benchmark_key(cache, tiny_dir, options, None)


def test_changed_files_are_benchmarked_again(tiny_dir: Path, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions()
    cached_benchmark(tiny_dir, options, cache=cache)
    outcomes = pq.read_table(tiny_dir / "outcomes.parquet")
    keep = pa.array([s != "s3" for s in outcomes["service_id"].to_pylist()])
    pq.write_table(outcomes.filter(keep), tiny_dir / "outcomes.parquet")
    again = cached_benchmark(tiny_dir, options, cache=cache).to_dict()
    assert again == _direct(tiny_dir, options)


def test_not_cached_off_or_for_a_server_directory(tiny_dir: Path, tmp_path: Path) -> None:
    assert benchmark_key(ContentCache(None), tiny_dir, BenchmarkOptions(), None) is None
    (tiny_dir / "peerbench.sqlite3").write_bytes(b"")
    assert folder_inputs(tiny_dir) is None
    assert benchmark_key(ContentCache(tmp_path), tiny_dir, BenchmarkOptions(), None) is None
    pool = tmp_path / "server" / "pool"
    pool.mkdir(parents=True)
    (pool.parent / "peerbench.sqlite3").write_bytes(b"")
    assert folder_inputs(pool) is None


def test_folder_inputs_are_the_standard_files_and_manifest(tiny_dir: Path) -> None:
    (tiny_dir / "peerbench.json").write_text("{}")
    (tiny_dir / "notes.txt").write_text("not an input")
    names = sorted(p.name for p in folder_inputs(tiny_dir) or [])
    assert names == ["outcomes.parquet", "peerbench.json", "services.parquet"]


def test_a_missing_folder_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        cached_benchmark(tmp_path / "nowhere", BenchmarkOptions(), cache=ContentCache(tmp_path))
    with pytest.raises(SourceError, match="outcomes"):
        cached_benchmark(tmp_path, BenchmarkOptions(), cache=ContentCache(tmp_path / "c"))


def test_the_package_keeps_compute_the_function() -> None:
    import peerbench.benchmarking as package
    from peerbench.benchmarking import compute as exported

    module = importlib.import_module("peerbench.benchmarking.compute")
    assert exported is module.compute is package.compute
    assert callable(exported) and not isinstance(exported, type(module))
