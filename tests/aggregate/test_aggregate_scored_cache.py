"""Scored outcomes are scored once per set of input files, and a stale entry is never read."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peerbench.aggregate import BenchmarkSource, compute_tables, scored_cache
from peerbench.aggregate.scored_cache import SCORING_INPUTS
from peerbench.aggregate.scoring import read_scored, score_outcomes
from peerbench.aggregate.subjects import participant_outcomes
from peerbench.schema.instruments import InstrumentRegistry, default_registry
from peerbench.schema.records import RECORD_TYPES
from tests.compare import assert_tables_close


@pytest.fixture
def folder(tmp_path: Path, synth_tables: dict[str, pa.Table]) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for record_type in SCORING_INPUTS:
        pq.write_table(
            synth_tables[record_type], data / f"{RECORD_TYPES[record_type].file_stem}.parquet"
        )
    return data


def _source(folder: Path, cache: Path | None) -> BenchmarkSource:
    found = BenchmarkSource.from_folder(folder)
    return BenchmarkSource(found.data, cache_dir=cache)


def _count_scoring(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counting(
        outcomes: pa.Table,
        registry: InstrumentRegistry | None = None,
        *,
        rows: pa.ChunkedArray | None = None,
        compact: bool = False,
    ) -> pa.Table:
        # Rows scored: the masked ones.
        calls.append(outcomes.num_rows if rows is None else int(pc.sum(rows).as_py()))
        return score_outcomes(outcomes, registry, rows=rows, compact=compact)

    monkeypatch.setattr(scored_cache, "score_outcomes", counting)
    return calls


def test_a_second_run_reads_the_scores_from_disk(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    calls = _count_scoring(monkeypatch)
    first = scored_cache.scored_outcomes(_source(folder, cache))
    scored_cache.wait_for_writes()  # the entry is written in the background
    assert len(calls) == 1 and len(list(cache.glob("scored-*.parquet"))) == 1
    again = scored_cache.scored_outcomes(_source(folder, cache))
    assert len(calls) == 1  # no scoring the second time
    assert again.equals(first)
    # And the benchmark tables from the cached scores equal those scored afresh.
    cached = compute_tables(_source(folder, cache))
    fresh = compute_tables(_source(folder, None))
    assert cached.keys() == fresh.keys()
    for name, table in fresh.items():
        assert_tables_close(cached[name], table)  # DuckDB's threads add in any order


def test_a_changed_file_is_scored_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    calls = _count_scoring(monkeypatch)
    first = scored_cache.scored_outcomes(_source(folder, cache))
    outcomes = folder / "outcomes.parquet"
    table = pq.read_table(outcomes)
    pq.write_table(table.slice(10), outcomes)  # ten participants' rows fewer
    later = os.stat(outcomes).st_mtime_ns + 1_000_000_000
    os.utime(outcomes, ns=(later, later))  # even a rewrite within the same tick is seen
    rescored = scored_cache.scored_outcomes(_source(folder, cache))
    scored_cache.wait_for_writes()
    # Only participants' questionnaires are scored (workers' own come after them).
    assert len(calls) == 2 and calls[1] == participant_outcomes(table).num_rows - 10
    assert rescored.num_rows < first.num_rows
    assert len(list(cache.glob("scored-*.parquet"))) == 2


def test_another_registry_is_another_entry(folder: Path, tmp_path: Path) -> None:
    source = _source(folder, tmp_path / "cache")
    builtin = default_registry()
    smaller = InstrumentRegistry([d for d in builtin if d.code != "PHQ9"])
    assert scored_cache.cache_key(source, builtin) != scored_cache.cache_key(source, smaller)


def test_in_memory_sources_are_never_cached(
    synth_tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    source = BenchmarkSource(BenchmarkSource.from_tables(synth_tables).data, cache_dir=cache)
    assert scored_cache.cache_key(source, default_registry()) is None
    scored_cache.scored_outcomes(source)
    assert not cache.exists()


def test_a_damaged_entry_is_scored_again_and_replaced(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = scored_cache.scored_outcomes(_source(folder, cache))
    scored_cache.wait_for_writes()
    (entry,) = cache.glob("scored-*.parquet")
    entry.write_bytes(b"not parquet")
    calls = _count_scoring(monkeypatch)
    again = scored_cache.scored_outcomes(_source(folder, cache))
    assert len(calls) == 1 and again.equals(first)
    scored_cache.wait_for_writes()
    assert pq.read_table(entry).num_rows == first.num_rows


def test_only_the_newest_entries_are_kept(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(scored_cache, "KEEP", 2)
    outcomes = folder / "outcomes.parquet"
    stamp = os.stat(outcomes).st_mtime_ns
    for step in range(4):  # four versions of the file, four entries written
        os.utime(outcomes, ns=(stamp + step * 10**9, stamp + step * 10**9))
        scored_cache.scored_outcomes(_source(folder, cache))
        scored_cache.wait_for_writes()
    assert len(list(cache.glob("scored-*.parquet"))) == 2


def test_an_unwritable_cache_only_costs_time(folder: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")  # the cache folder cannot be made inside a file
    scored = scored_cache.scored_outcomes(_source(folder, blocked / "cache"))
    scored_cache.wait_for_writes()  # the failed write is logged, not raised
    assert scored.num_rows > 0


def test_an_entry_being_written_is_taken_from_memory(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run while the first one's entry is still being written scores nothing."""
    cache = tmp_path / "cache"
    release = threading.Event()
    write = scored_cache._write

    def slow_write(scored: pa.Table, where: Path, name: str) -> None:
        release.wait(timeout=30)
        write(scored, where, name)

    monkeypatch.setattr(scored_cache, "_write", slow_write)
    calls = _count_scoring(monkeypatch)
    first = scored_cache.scored_outcomes(_source(folder, cache))
    again = scored_cache.scored_outcomes(_source(folder, cache))
    assert not cache.exists()  # still being written
    release.set()
    scored_cache.wait_for_writes()
    assert len(calls) == 1 and again is first
    (entry,) = cache.glob("scored-*.parquet")
    assert read_scored(entry).equals(first)


def test_a_pooled_table_is_cached_by_the_versions_it_came_from() -> None:
    """A table read from the pooled store is keyed on its versions; any other table never."""
    table = pa.table({"record_id": ["r1"]})
    registry = default_registry()
    same = {rt: f"{rt}-v1" for rt in SCORING_INPUTS}
    assert scored_cache.cache_key(BenchmarkSource({"outcome": table}), registry) is None
    first = scored_cache.cache_key(BenchmarkSource({"outcome": table}, identity=same), registry)
    again = scored_cache.cache_key(BenchmarkSource({"outcome": table}, identity=same), registry)
    changed = {**same, "outcome": "outcome-v2"}  # a submission accepted or superseded
    other = scored_cache.cache_key(BenchmarkSource({"outcome": table}, identity=changed), registry)
    assert first is not None and first == again and other not in (None, first)
