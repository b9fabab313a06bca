"""Cached benchmarks of a folder equal computed ones, and follow files and options."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.benchmarking import (
    BenchmarkOptions,
    BenchmarkResult,
    compute,
    controlled,
    open_source,
)
from peerbench.benchmarking.result_cache import (
    NAMESPACE,
    BenchmarkAnswer,
    SourceError,
    benchmark_answer,
    benchmark_key,
    cached_benchmark,
    folder_inputs,
)
from peerbench.benchmarking.text import render_text
from peerbench.disclosure import DisclosurePolicy
from peerbench.io.content_cache import ContentCache
from peerbench.io.json_text import dumps_indented
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


def test_a_hit_is_the_stored_text_with_no_object_round_trip(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions(disclosure_policy=DisclosurePolicy())
    cold = benchmark_answer(tiny_dir, options, viewer_organisation_id="org-a", cache=cache)
    expected = dumps_indented(_direct(tiny_dir, options, "org-a"))
    assert cold.json_text == expected
    key = benchmark_key(cache, tiny_dir, options, "org-a")
    assert key is not None and cache.get(NAMESPACE, key, ".json") == expected.encode()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a hit went through the result object")

    monkeypatch.setattr(BenchmarkResult, "from_dict", fail)
    monkeypatch.setattr(BenchmarkResult, "to_dict", fail)
    warm = benchmark_answer(tiny_dir, options, viewer_organisation_id="org-a", cache=cache)
    assert warm.json_text == cold.json_text  # byte-identical cold and warm
    monkeypatch.undo()
    assert warm.result == cold.result  # rebuilt from the text only when asked for


def test_a_computed_result_becomes_json_once(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    to_dict = BenchmarkResult.to_dict

    def counted(self: BenchmarkResult) -> dict[str, object]:
        calls.append(1)
        return to_dict(self)

    monkeypatch.setattr(BenchmarkResult, "to_dict", counted)
    answer = benchmark_answer(tiny_dir, BenchmarkOptions(), cache=ContentCache(tmp_path / "c"))
    assert answer.json_text == answer.json_text and len(calls) == 1  # cache and output share it
    off = benchmark_answer(tiny_dir, BenchmarkOptions(), cache=ContentCache(None))
    assert len(calls) == 1  # caching off and no JSON asked for: never turned into JSON
    assert off.json_text == answer.json_text and len(calls) == 2


def test_an_entry_cut_short_is_computed_again(tiny_dir: Path, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    options = BenchmarkOptions()
    text = benchmark_answer(tiny_dir, options, cache=cache).json_text
    key = benchmark_key(cache, tiny_dir, options, None)
    assert key is not None
    cache.put(NAMESPACE, key, text.encode()[: len(text) // 2], ".json")
    assert benchmark_answer(tiny_dir, options, cache=cache).json_text == text
    cache.put(NAMESPACE, key, b"\xff{}", ".json")
    assert benchmark_answer(tiny_dir, options, cache=cache).json_text == text


def test_an_answer_needs_its_text_or_its_result() -> None:
    with pytest.raises(ValueError, match="text or its result"):
        BenchmarkAnswer()


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


def test_a_folders_extract_date_is_the_day_workforce_and_access_are_measured(
    tiny_dir: Path, tmp_path: Path
) -> None:
    cache = ContentCache(tmp_path / "cache")
    (tiny_dir / "peerbench.json").write_text('{"standard_version": "1.2.0", "as_of": "2025-06-30"}')
    answer = benchmark_answer(tiny_dir, BenchmarkOptions(), cache=cache)
    assert answer.result.options.as_of == dt.date(2025, 6, 30)
    named = BenchmarkOptions(as_of=dt.date(2025, 1, 31))  # a day the caller names wins
    assert benchmark_answer(tiny_dir, named, cache=cache).result.options.as_of == named.as_of
    (tiny_dir / "peerbench.json").unlink()
    assert benchmark_answer(tiny_dir, BenchmarkOptions(), cache=cache).result.options.as_of is None
