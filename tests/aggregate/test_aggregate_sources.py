"""Benchmark sources and derived lineage (peerbench/aggregate/sources.py, lineage.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peerbench.aggregate.lineage import LINEAGE_COLUMNS, as_reduced, latest_rows, quarter
from peerbench.aggregate.sources import BenchmarkSource, pooled_schema
from peerbench.aggregate.subjects import worker_outcomes
from peerbench.benchmarking.workforce_source import WORKER_ROWS
from peerbench.io.tabular import FileFormat
from peerbench.schema.version import STANDARD_VERSION
from peerbench.synth import write_dataset
from peerbench.synth.generator import SyntheticDataset
from tests.aggregate.conftest import SYNTH_CONFIG, MakeOutcomes


def test_quarter_labels_calendar_quarters() -> None:
    dates = pa.array([dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 12, 31), None])
    assert quarter(dates).to_pylist() == ["2025-Q1", "2025-Q1", "2025-Q4", None]


def test_outcome_period_is_the_quarter_of_the_earliest_baseline(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    outcomes = make_outcomes(
        [
            ("m1", "p1", "PHQ9", "baseline", "2025-03-30", [1] * 9),
            ("m2", "p1", "GAD7", "baseline", "2025-03-20", [1] * 7),
            ("m3", "p1", "PHQ9", "month_3", "2025-06-30", [0] * 9),
            ("m4", "p2", "PHQ9", "month_3", "2025-08-01", [0] * 9),  # no baseline
        ]
    )
    read = BenchmarkSource.from_tables({"outcome": outcomes, "service": services}).read("outcome")
    assert read.column("_period").to_pylist() == ["2025-Q1", "2025-Q1", "2025-Q1", "2025-Q3"]
    assert read.column("_organisation_id").to_pylist() == ["org-a"] * 4
    assert read.column("_submission_id").null_count == 4
    assert read.column("_standard_version").to_pylist() == [STANDARD_VERSION] * 4


def test_existing_lineage_is_kept(make_outcomes: MakeOutcomes) -> None:
    rows = [("m1", "p1", "PHQ9", "baseline", "2025-03-30", [1] * 9)]
    pooled = make_outcomes(rows).append_column("_period", pa.array(["2024-Q4"]))
    pooled = pooled.append_column("_organisation_id", pa.array(["org-z"]))
    read = BenchmarkSource.from_tables({"outcome": pooled}).read("outcome")
    assert read.column("_period").to_pylist() == ["2024-Q4"]
    assert read.column("_organisation_id").to_pylist() == ["org-z"]
    assert read.column_names[-4:] == list(LINEAGE_COLUMNS)


def test_participant_and_engagement_periods(synth_tables: dict[str, pa.Table]) -> None:
    source = BenchmarkSource.from_tables(synth_tables)
    engagements = source.read("engagement")
    assert (
        engagements.column("_period").to_pylist()
        == quarter(engagements.column("start_date")).to_pylist()
    )
    participants = source.read("participant")
    assert participants.column("_period").null_count == 0
    assert pc.all(pc.starts_with(participants.column("_organisation_id"), "org")).as_py()


def test_from_folder_reads_what_synth_writes(
    tmp_path: Path, synth_tables: dict[str, pa.Table]
) -> None:
    write_dataset(SyntheticDataset(SYNTH_CONFIG, synth_tables), tmp_path, FileFormat.PARQUET)
    from_folder = BenchmarkSource.from_folder(tmp_path)
    in_memory = BenchmarkSource.from_tables(synth_tables)
    for record_type in ("service", "participant", "engagement", "outcome"):
        assert from_folder.read(record_type).equals(in_memory.read(record_type))


def test_from_folder_without_outcomes_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"outcomes\.parquet"):
        BenchmarkSource.from_folder(tmp_path)


def test_paths_from_several_files_are_concatenated(
    tmp_path: Path, make_outcomes: MakeOutcomes
) -> None:
    first = make_outcomes([("m1", "p1", "PHQ9", "baseline", "2025-03-30", [1] * 9)])
    second = make_outcomes([("m2", "p2", "GAD7", "baseline", "2025-04-02", [1] * 7)])
    pq.write_table(first, tmp_path / "a.parquet")
    pq.write_table(second, tmp_path / "b.parquet")
    source = BenchmarkSource({"outcome": [tmp_path / "a.parquet", tmp_path / "b.parquet"]})
    read = source.read("outcome")
    assert read.column("record_id").to_pylist() == ["m1", "m2"]
    assert read.schema.names == pooled_schema("outcome").names
    assert BenchmarkSource({}).read("engagement").num_rows == 0


def test_from_store_uses_the_current_read() -> None:
    class Read:
        def __init__(self, record_type: str) -> None:
            self.whole_files = [f"{record_type}/current.parquet"]
            self.segments = ()
            self.identity = "digest"

    class Store:
        scored_cache_dir = Path("store/_cache/scored")

        def current_read(self, session: object, record_type: str, orgs: object) -> Read:
            return Read(record_type)

    source = BenchmarkSource.from_store(cast(Any, Store()), cast(Any, None))
    assert source.data["outcome"] == ["outcome/current.parquet"]
    assert source.cache_dir == Path("store/_cache/scored")


def test_unknown_record_type_is_refused() -> None:
    with pytest.raises(ValueError, match="feedback"):
        BenchmarkSource({}).read("feedback")


def test_a_table_read_without_keeping_is_not_held(synth_tables: dict[str, pa.Table]) -> None:
    """Scoring reads the raw outcomes once; the source does not hold them afterwards."""
    source = BenchmarkSource.from_tables(synth_tables)
    once = source.read("outcome", keep=False)
    assert once.equals(source.read("outcome", keep=False))
    assert "outcome" not in source._cache
    kept = source.read("outcome")
    assert source.read("outcome", keep=False) is kept  # a kept table is reused


def test_scoring_does_not_keep_the_raw_outcomes(synth_tables: dict[str, pa.Table]) -> None:
    from peerbench.aggregate.scored_cache import scored_outcomes

    source = BenchmarkSource.from_tables(synth_tables)
    scored = scored_outcomes(source)
    assert scored.num_rows > 0
    assert "outcome" not in source._cache
    assert "service" in source._cache  # lineage's services are kept (small, read again)


def test_quarter_labels_equal_arrow_year_and_quarter_formatting() -> None:
    """The day-number path gives exactly the labels of pyarrow's year/quarter kernels."""
    import numpy as np

    from peerbench.aggregate.lineage import _quarter_labels

    rng = np.random.default_rng(14)
    days = rng.integers(-800_000, 2_900_000, 5_000).astype(np.int32)  # years 1 to 9900
    days[:6] = [0, -1, 59, 90, 10956, -719162]  # 1970-01-01, 1969-12-31, …, 0001-01-01
    mask = rng.random(5_000) < 0.1
    dates = pa.array(days, pa.int32(), mask=mask).cast(pa.date32())
    chunked = pa.chunked_array([dates.slice(0, 2_000), dates.slice(2_000)])
    expected = pa.chunked_array([_quarter_labels(c) for c in chunked.chunks])
    assert quarter(chunked).equals(expected)
    assert quarter(dates).equals(pa.chunked_array([_quarter_labels(dates)]))
    assert quarter(pa.nulls(3, pa.date32())).to_pylist() == [None, None, None]
    assert quarter(pa.array([], pa.date32())).to_pylist() == []
    stamps = pa.array([dt.datetime(2025, 12, 31, 23, 0), None], pa.timestamp("s"))
    assert quarter(stamps).to_pylist() == ["2025-Q4", None]  # other types: Arrow kernels


def test_a_subset_is_the_same_from_tables_files_and_a_reduced_read(
    tmp_path: Path, synth_tables: dict[str, pa.Table]
) -> None:
    """The peer workers' questionnaires, however the outcomes are held, and only those."""
    tables = BenchmarkSource.from_tables(synth_tables)
    pooled = {rt: tables.read(rt) for rt in ("service", "outcome")}
    workers = latest_rows(worker_outcomes(pooled["outcome"]), "outcome")
    assert 0 < workers.num_rows < pooled["outcome"].num_rows

    pq.write_table(pooled["outcome"], tmp_path / "outcomes.parquet")
    files = BenchmarkSource({"outcome": [tmp_path / "outcomes.parquet"]})

    class Read:
        record_type = "outcome"
        whole_files = None
        segments = (SimpleNamespace(path="segment-0.parquet", latest="segment-0.latest.parquet"),)
        reducible = True
        identity = "digest"
        asked = 0

        def reduced(self) -> pa.Table:
            Read.asked += 1
            return as_reduced(pooled["outcome"])

    reduced = BenchmarkSource.from_reads(cast(Any, {"outcome": Read()}))
    held = reduced.data["outcome"]
    assert isinstance(held, pa.Table) and held.num_rows == 0  # one meaning: nothing read yet
    for source in (tables, files, reduced):
        subset = source.raw_subset("outcome", WORKER_ROWS)  # lineage or not, as held
        standard = [c for c in subset.column_names if c not in LINEAGE_COLUMNS]
        assert subset.select(standard).equals(workers.select(standard))
    assert reduced.read("outcome").equals(pooled["outcome"])
    assert Read.asked == 1  # the reduced form is read once for both


def test_a_subset_of_files_without_its_column_is_empty(
    tmp_path: Path, make_outcomes: MakeOutcomes
) -> None:
    """Files written before standard 1.2 have no ``subject``: they hold no worker rows."""
    old = make_outcomes([("m1", "p1", "PHQ9", "baseline", "2025-03-30", [1] * 9)])
    pq.write_table(old.drop_columns(["subject"]), tmp_path / "old.parquet")
    source = BenchmarkSource({"outcome": [tmp_path / "old.parquet"]})
    assert source.raw_subset("outcome", WORKER_ROWS).num_rows == 0
    with pytest.raises(ValueError, match="feedback"):
        source.raw_subset("feedback", WORKER_ROWS)
