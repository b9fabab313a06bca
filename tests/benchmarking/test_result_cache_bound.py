"""The benchmark result cache is bounded: least recently used entries go first."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from peerbench.benchmarking.result import BenchmarkOptions
from peerbench.benchmarking.result_cache import (
    DEFAULT_MAX_MB,
    MAX_MB_ENV,
    NAMESPACE,
    benchmark_answer,
    benchmark_key,
    max_bytes,
    prune,
)
from peerbench.io.content_cache import ContentCache
from tests.benchmarking.conftest import tiny_tables

MB = 1024 * 1024


def _entry(cache: ContentCache, key: str) -> Path:
    assert cache.folder is not None
    return cache.folder / NAMESPACE / key[:2] / f"{key}.json"


def _put(cache: ContentCache, key: str, size: int, used_at_s: int) -> Path:
    """An entry of ``size`` bytes last used at ``used_at_s`` (seconds since the epoch)."""
    cache.put(NAMESPACE, key, b"{" + b" " * (size - 2) + b"}", ".json")
    path = _entry(cache, key)
    os.utime(path, ns=(used_at_s * 10**9, used_at_s * 10**9))
    return path


def _keys(cache: ContentCache) -> set[str]:
    assert cache.folder is not None
    return {p.stem for p in (cache.folder / NAMESPACE).glob("*/*.json")}


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    out = tmp_path / "tiny"
    out.mkdir()
    tables = tiny_tables()
    pq.write_table(tables["outcome"], out / "outcomes.parquet")
    pq.write_table(tables["service"], out / "services.parquet")
    return out


def test_prune_deletes_the_least_recently_used_down_to_the_limit(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    for n, used in enumerate([300, 100, 400, 200]):
        _put(cache, f"{n:02d}" + "a" * 62, 1000, used)
    assert prune(cache, 4000) == 0 and len(_keys(cache)) == 4
    assert prune(cache, 2500) == 2  # used at 100 and 200 go
    assert _keys(cache) == {"00" + "a" * 62, "02" + "a" * 62}
    assert prune(ContentCache(None), 0) == 0  # caching off: nothing to do


def test_the_entry_just_written_stays_even_alone_over_the_limit(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    newest = "ff" + "b" * 62
    _put(cache, "00" + "b" * 62, 10, 500)
    _put(cache, newest, 5000, 100)  # an older clock reading: keep still wins
    assert prune(cache, 1000, keep=newest) == 1
    assert _keys(cache) == {newest}


def test_a_hit_makes_its_entry_the_most_recently_used(tiny_dir: Path, tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    first, second = BenchmarkOptions(instrument="PHQ9"), BenchmarkOptions()
    keys = [str(benchmark_key(cache, tiny_dir, o, None)) for o in (first, second)]
    a = _put(cache, keys[0], 100, 1)  # stored results (no computing): a used long ago
    b = _put(cache, keys[1], 100, 2)
    assert benchmark_answer(tiny_dir, first, cache=cache).json_text.startswith("{ ")  # a hit
    assert a.stat().st_mtime_ns > b.stat().st_mtime_ns
    assert prune(cache, 150) == 1
    assert a.exists() and not b.exists()


def test_each_new_entry_is_followed_by_pruning(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ContentCache(tmp_path / "cache")
    monkeypatch.setenv(MAX_MB_ENV, "0.000001")  # one byte: only the newest entry fits
    # The statistics stubbed (importing them costs seconds): a miss stores a result.
    result = SimpleNamespace(to_dict=lambda: {"computed": True})
    stubs = {
        "compute": SimpleNamespace(compute=lambda *args, **kwargs: "raw"),
        "disclose": SimpleNamespace(controlled=lambda *args, **kwargs: result),
        "sources": SimpleNamespace(open_source=lambda folder: SimpleNamespace(
            source=None, service_use=None, description=str(folder))),
    }  # fmt: skip
    for name, stub in stubs.items():
        monkeypatch.setitem(sys.modules, f"peerbench.benchmarking.{name}", stub)
    _put(cache, "00" + "c" * 62, 100, 1)
    answer = benchmark_answer(tiny_dir, BenchmarkOptions(), cache=cache)  # a miss
    assert answer.json_text == '{\n  "computed": true\n}'
    assert _keys(cache) == {benchmark_key(cache, tiny_dir, BenchmarkOptions(), None)}


def test_the_bound_is_a_setting_with_a_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(MAX_MB_ENV, raising=False)
    assert max_bytes() == int(DEFAULT_MAX_MB * MB)
    monkeypatch.setenv(MAX_MB_ENV, "64")
    assert max_bytes() == 64 * MB
    for wrong in ("lots", "0", "-5", "nan"):
        monkeypatch.setenv(MAX_MB_ENV, wrong)
        assert max_bytes() == int(DEFAULT_MAX_MB * MB)
    assert MAX_MB_ENV in caplog.text
