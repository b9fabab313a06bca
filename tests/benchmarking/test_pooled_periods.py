"""Submissions across periods never break a read, and repeats count once (issue 11).

A model of the pooled store (one current version per organisation, period and record
type; a later submission for the same period supersedes the earlier one) is driven by
random sequences of submissions: cumulative snapshots, increments, resubmissions of a
period, overlapping periods, across three organisations. Every read the server serves
from the pool (the benchmark, controlled for each viewer) must succeed, and the pool
must read as one combined submission of the records it holds.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peerbench.aggregate import BenchmarkSource
from peerbench.aggregate.lineage import LINEAGE_COLUMNS, latest_rows
from peerbench.aggregate.sources import BENCHMARK_RECORD_TYPES
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, controlled
from peerbench.benchmarking.compute import compute
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth import SynthConfig, generate
from tests.compare import assert_json_close

pytestmark = pytest.mark.filterwarnings(
    "ignore:The design matrix is rank-deficient", "ignore::RuntimeWarning"
)

PERIODS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
CHUNKS = 3
"""Each organisation's participants fall in this many chunks (what one quarter adds)."""
READ = (*BENCHMARK_RECORD_TYPES, "service_use")
OPTIONS = BenchmarkOptions()

Submission = tuple[int, int, frozenset[int]]
"""(organisation index, period index, chunks sent)."""


@functools.cache
def _data() -> tuple[tuple[str, ...], dict[str, pa.Table]]:
    """Small synthetic data: organisation ids and, per record type, rows tagged with
    their owner (``__org``) and chunk (``__chunk``; -1 = sent with every chunk)."""
    tables = generate(SynthConfig(organisations=3, outcome_rows=300, seed=11)).tables
    services = tables["service"].to_pylist()
    owner = {s["service_id"]: s["organisation_id"] for s in services}
    people = tables["participant"]
    pairs = zip(
        people["participant_key"].to_pylist(), people["service_id"].to_pylist(), strict=True
    )
    keys = sorted(pairs)
    chunk_of = {k: i % CHUNKS for i, k in enumerate(keys)}
    tagged = {}
    for record_type in READ:
        table = tables[record_type]
        if record_type == "service":
            orgs, chunks = table["organisation_id"].to_pylist(), [-1] * table.num_rows
        else:
            services_ = table["service_id"].to_pylist()
            orgs = [owner[s] for s in services_]
            who = "worker_key" if record_type == "peer_worker" else "participant_key"
            person = zip(table[who].to_pylist(), services_, strict=True)
            chunks = [chunk_of.get(k, 0) for k in person]
        table = table.append_column("__org", pa.array(orgs, pa.string()))
        tagged[record_type] = table.append_column("__chunk", pa.array(chunks, pa.int64()))
    return tuple(sorted(set(owner.values()))), tagged


def _rows(record_type: str, org: str, chunks: frozenset[int]) -> pa.Table:
    table = _data()[1][record_type]
    mine = pc.equal(table["__org"], org)
    wanted = pc.is_in(table["__chunk"], pa.array([-1, *sorted(chunks)], pa.int64()))
    return table.filter(pc.and_(mine, wanted))


def _lineage(table: pa.Table, submission: str, org: str, period: str) -> pa.Table:
    table = table.drop_columns(["__org", "__chunk"])
    for name, value in zip(LINEAGE_COLUMNS, (submission, org, period, "1.0"), strict=True):
        table = table.append_column(name, pa.repeat(pa.scalar(value, pa.string()), table.num_rows))
    return table


def _pool(submissions: Sequence[Submission]) -> dict[tuple[str, str, str], pa.Table]:
    """The current versions after ``submissions``, as the store keeps them."""
    orgs = _data()[0]
    current: dict[tuple[str, str, str], pa.Table] = {}
    for number, (o, p, chunks) in enumerate(submissions):
        org, period = orgs[o], PERIODS[p]
        for record_type in READ:
            rows = _rows(record_type, org, chunks)
            if rows.num_rows:  # a record type not sent leaves its version current
                current[(org, period, record_type)] = _lineage(rows, f"s{number}", org, period)
    return current


def _held(pool: Mapping[tuple[str, str, str], pa.Table]) -> dict[tuple[str, str, str], pa.Table]:
    """One combined submission per organisation of every record the pool holds."""
    combined = {}
    for org in {owner for owner, _, _ in pool}:
        for record_type in READ:
            chunks: set[int] = set()
            for (owner, _period, rt), table in pool.items():
                if owner == org and rt == record_type:
                    chunks.update(_chunks_of(table, rt, org))
            rows = _rows(record_type, org, frozenset(chunks)) if chunks else None
            if rows is not None and rows.num_rows:
                combined[(org, PERIODS[-1], record_type)] = _lineage(rows, "all", org, PERIODS[-1])
    return combined


def _chunks_of(table: pa.Table, record_type: str, org: str) -> set[int]:
    tagged = _data()[1][record_type]
    key = list(RECORD_TYPES[record_type].primary_key)
    sent = {tuple(r.values()) for r in table.select(key).to_pylist()}
    mine = tagged.filter(pc.equal(tagged["__org"], org))
    return {
        c
        for r, c in zip(mine.select(key).to_pylist(), mine["__chunk"].to_pylist(), strict=True)
        if tuple(r.values()) in sent
    }


def _source(pool: Mapping[tuple[str, str, str], pa.Table]) -> tuple[BenchmarkSource, pa.Table]:
    by_type: dict[str, list[pa.Table]] = {rt: [] for rt in READ}
    for (_org, _period, record_type), table in sorted(pool.items()):
        by_type[record_type].append(table)
    tables = {
        rt: pa.concat_tables(parts) if parts else _lineage(_rows(rt, "-", frozenset()), "", "", "")
        for rt, parts in by_type.items()
    }
    return BenchmarkSource({rt: tables[rt] for rt in BENCHMARK_RECORD_TYPES}), tables["service_use"]


def _read_tables(
    pool: Mapping[tuple[str, str, str], pa.Table],
) -> dict[str, list[dict[str, Any]]]:
    """What the engine reads (service use as the economics reads it), without lineage."""
    source, service_use = _source(pool)
    tables = {rt: source.read(rt) for rt in BENCHMARK_RECORD_TYPES}
    tables["service_use"] = latest_rows(service_use, "service_use")
    out = {}
    for record_type, table in tables.items():
        key = [(k, "ascending") for k in RECORD_TYPES[record_type].primary_key]
        out[record_type] = table.drop_columns(list(LINEAGE_COLUMNS)).sort_by(key).to_pylist()
    return out


def _benchmark(pool: Mapping[tuple[str, str, str], pa.Table]) -> BenchmarkResult:
    source, service_use = _source(pool)
    return compute(source, OPTIONS, service_use=service_use, generated_from="pool")


EVERYTHING = [(o, len(PERIODS) - 1, frozenset(range(CHUNKS))) for o in range(3)]
"""Every organisation sending all its data once."""


@functools.cache
def _everything() -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """What the engine reads when all data is sent once, and its benchmark."""
    pool = _pool(EVERYTHING)
    return _read_tables(pool), _benchmark(pool).to_dict()


submission = st.tuples(
    st.integers(0, 2),
    st.integers(0, len(PERIODS) - 1),
    st.sets(st.integers(0, CHUNKS - 1), min_size=1).map(frozenset),
    st.booleans(),
).map(lambda t: (t[0], t[1], frozenset(range(max(t[2]) + 1)) if t[3] else t[2]))
"""One submission: an increment (some chunks) or a cumulative snapshot (chunks 0…k)."""

ALL = frozenset(range(CHUNKS))
CUMULATIVE_QUARTERS = [(o, p, ALL) for p in (2, 3) for o in range(3)]
"""The issue's case: every organisation sends its whole spreadsheet for Q3, then Q4."""
GROWING = [(o, p, frozenset(range(p))) for p in (1, 2, 3) for o in range(3)]
"""Cumulative snapshots growing by one chunk a quarter."""
SUPERSEDED = [(0, 3, frozenset({0})), (0, 3, ALL), (1, 0, ALL), (1, 1, frozenset({1})),
              (2, 2, ALL), (2, 2, frozenset({2}))]  # fmt: skip
"""Resubmissions of a period (the later replaces the earlier), overlapping periods."""


@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@example(submissions=CUMULATIVE_QUARTERS)
@example(submissions=GROWING)
@example(submissions=SUPERSEDED)
@given(submissions=st.lists(submission, min_size=1, max_size=8))
def test_every_read_succeeds_and_repeats_count_once(submissions: list[Submission]) -> None:
    pool = _pool(submissions)
    read = _read_tables(pool)
    # The pool reads as one combined submission of the records it holds: a record sent
    # again (any period, any number of times) is one record.
    assert read == _read_tables(_held(pool))
    source, _ = _source(pool)
    for record_type in BENCHMARK_RECORD_TYPES:
        table = source.read(record_type)
        key = list(RECORD_TYPES[record_type].primary_key)
        assert table.group_by(key).aggregate([]).num_rows == table.num_rows
    # Every read answers: the raw benchmark and its controlled view for each viewer.
    result = _benchmark(pool)
    assert not result.data_quality  # nothing accepted here is inconsistent
    for viewer in (None, *_data()[0]):
        view = controlled(result, viewer_organisation_id=viewer).to_dict()
        assert view["disclosure"] is not None and view["data_quality"] == []
    everything, benchmark = _everything()
    if read == everything:
        # All data is held (e.g. cumulative snapshots): the benchmark of sending it once.
        assert_json_close(result.to_dict(), benchmark)  # floats: rows come in another order


def test_the_whole_data_splits_into_every_chunk() -> None:
    """The model is not vacuous: every chunk of every organisation holds outcomes."""
    orgs, tagged = _data()
    outcome = tagged["outcome"]
    for org in orgs:
        mine = outcome.filter(pc.equal(outcome["__org"], org))
        assert set(np.unique(mine["__chunk"].to_numpy())) == set(range(CHUNKS))
