"""The snapshot read equals the per-file read, row for row, at every moment."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from peerbench.aggregate import BenchmarkSource
from peerbench.aggregate.lineage import latest_rows
from peerbench.server import compaction
from peerbench.server.compaction import collect, compact, compact_all
from peerbench.server.db.models import Organisation, PoolSegment, PoolVersion, Submission
from peerbench.server.db.session import Database
from peerbench.server.snapshot import latest_path
from peerbench.server.store import PooledStore, conform, pool_schema

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ORGS = ("org-a", "org-b", "org-c", "org-d", "org-e", "orgZ")
PERIODS = ("2025-Q1", "2025-Q2", "2025-Q3")


def services(rng: random.Random, org: str) -> pa.Table:
    """A few services of ``org`` (ids shared across periods: a cumulative re-send)."""
    ids = sorted(rng.sample(range(6), rng.randint(0, 4)))
    n = len(ids)
    return pa.table(
        {
            "service_id": [f"{org}-s{i}" for i in ids],
            "organisation_id": [org] * n,
            "name": [f"Service {i} v{rng.randint(0, 99)}" for i in ids],
            "condition_focus": ["mental_health"] * n,
            "delivery_format": ["group"] * n,
            "facilitator_model": ["peer_led"] * n,
            "structure": ["open"] * n,
        }
    )


class Pool:
    """A store and database driven by a seeded sequence of submissions."""

    def __init__(self, db: Database, store: PooledStore) -> None:
        self.db, self.store, self.count = db, store, 0
        with db.session() as session:
            session.add_all(Organisation(id=o, name=o.upper()) for o in ORGS)

    def submit(self, org: str, period: str, table: pa.Table, *, order: int | None = None) -> str:
        """Register, write and activate one submission (``order``: its registration rank)."""
        self.count += 1
        sid = f"sub{self.count:04d}"
        created = T0 + dt.timedelta(minutes=order if order is not None else self.count)
        with self.db.session() as session:
            session.add(Submission(id=sid, organisation_id=org, period=period,
                                   content_hash=sid, created_at=created))  # fmt: skip
        path = self.store.write_version(table, record_type="service", organisation_id=org,
                                        period=period, submission_id=sid,
                                        standard_version="1.0.0")  # fmt: skip
        with self.db.session() as session:
            self.store.activate(session, submission_id=sid, organisation_id=org, period=period,
                                record_type="service", path=path, rows=table.num_rows)  # fmt: skip
        return sid


def per_file(db: Database, store: PooledStore, orgs: Collection[str] | None) -> pa.Table:
    """The old read: every current file, by organisation then period, concatenated."""
    schema = pool_schema("service")
    if orgs is not None and not orgs:
        return schema.empty_table()
    with db.session() as session:
        rows = session.execute(
            select(PoolVersion.organisation_id, PoolVersion.period, PoolVersion.path).where(
                PoolVersion.record_type == "service", PoolVersion.is_current.is_(True)
            )
        ).all()
    picked = sorted((r for r in rows if orgs is None or r.organisation_id in orgs),
                    key=lambda r: (r.organisation_id, r.period))  # fmt: skip
    tables = [conform(pq.read_table(Path(store.root, r.path)), schema) for r in picked]
    return pa.concat_tables([schema.empty_table(), *tables])


SCOPES: list[Collection[str] | None] = [
    None,
    set(),
    {"org-b"},
    {"org-a", "org-d", "orgZ"},
    {"nobody"},
]


def assert_same(db: Database, store: PooledStore) -> None:
    for scope in SCOPES:
        expected = per_file(db, store, scope)
        with db.session() as session:
            read = store.current_read(session, "service", scope)
        got = read.table()
        assert got.schema.equals(expected.schema, check_metadata=True)
        assert got.to_pylist() == expected.to_pylist(), scope
        # The latest rows, read from the segments' reduced forms where they have them.
        latest = read.latest()
        assert latest.schema.equals(expected.schema, check_metadata=True)
        assert latest.to_pylist() == latest_rows(expected, "service").to_pylist(), scope


@pytest.fixture
def store(tmp_path: Path) -> PooledStore:
    store = PooledStore(str(tmp_path / "pool"))
    store.direct_files = 0  # always plan through the snapshot
    return store


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_read_equals_the_per_file_read(
    db: Database, store: PooledStore, seed: int
) -> None:
    rng = random.Random(seed)
    pool = Pool(db, store)
    for _ in range(30):
        org, period = rng.choice(ORGS), rng.choice(PERIODS)
        # Now and then an older registration finishes last: stored already superseded.
        order = pool.count - 5 if rng.random() < 0.15 else None
        pool.submit(org, period, services(rng, org), order=order)
        if rng.random() < 0.3:
            compact(store, db, "service", now=T0, segment_rows=rng.choice([3, 7, 1000]))
        assert_same(db, store)
    compact(store, db, "service", now=T0, segment_rows=5)
    assert_same(db, store)


def test_reads_open_the_snapshot_not_every_file(db: Database, store: PooledStore) -> None:
    rng = random.Random(7)
    pool = Pool(db, store)
    for org in ORGS:
        for period in PERIODS:
            pool.submit(org, period, services(rng, org))
    with db.session() as session:
        before = store.current_read(session, "service").files_opened
    compact(store, db, "service", now=T0)
    with db.session() as session:
        after = store.current_read(session, "service")
    assert before == len(ORGS) * len(PERIODS)
    assert after.files_opened == 1
    assert after.whole_files == [store.uri(after.segments[0].path)]
    pool.submit("org-c", "2025-Q2", services(rng, "org-c"))  # org-c changed since
    with db.session() as session:
        mixed = store.current_read(session, "service")
    assert mixed.files_opened == 1 + len(PERIODS)
    assert mixed.whole_files is None  # org-c's old rows are filtered out of the segment
    assert_same(db, store)


def test_benchmark_source_from_the_snapshot_equals_the_files(
    db: Database, store: PooledStore
) -> None:
    rng = random.Random(11)
    pool = Pool(db, store)
    for _ in range(12):
        org = rng.choice(ORGS)
        pool.submit(org, rng.choice(PERIODS), services(rng, org))
    compact(store, db, "service", now=T0, segment_rows=4)
    pool.submit("org-a", "2025-Q3", services(rng, "org-a"))
    with db.session() as session:
        new = BenchmarkSource.from_store(store, session).read("service")
        old = BenchmarkSource({"service": store.current_paths(session, "service")}).read("service")
    assert new.to_pylist() == old.to_pylist()


def test_a_crash_mid_compaction_keeps_the_previous_snapshot(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    pool = Pool(db, store)
    for org in ORGS:
        pool.submit(org, "2025-Q1", services(rng, org))
    compact(store, db, "service", now=T0)
    with db.session() as session:
        first = session.scalars(
            select(PoolSegment.path).where(PoolSegment.state == "current")
        ).all()
    pool.submit("org-b", "2025-Q2", services(rng, "org-b"))

    def crash(*args: object, **kwargs: object) -> bool:
        raise OSError("killed")

    monkeypatch.setattr(compaction, "_swap", crash)
    with pytest.raises(OSError):
        compact(store, db, "service", now=T0)
    with db.session() as session:
        states = {
            r.path: r.state for r in session.execute(select(PoolSegment.path, PoolSegment.state))
        }
    assert [p for p, s in states.items() if s == "current"] == list(first)
    assert sorted(states.values()) == ["building", "current"]
    assert_same(db, store)
    monkeypatch.undo()
    # The leftover is removed once its grace time has passed, never before.
    assert collect(store, db, now=T0 + dt.timedelta(minutes=1)) == []
    leftover = [p for p, s in states.items() if s == "building"]
    # Its reduced form, written beside it when org-b's re-sent services were reduced, too.
    both = (leftover[0], latest_path(leftover[0]))
    files = sorted(p for p in both if Path(store.root, p).exists())
    assert collect(store, db, now=T0 + compaction.GRACE * 2) == files
    assert not Path(store.root, leftover[0]).exists()
    compact(store, db, "service", now=T0 + compaction.GRACE * 2)
    assert_same(db, store)


def test_retired_segments_stay_for_the_grace_time(db: Database, store: PooledStore) -> None:
    rng = random.Random(9)
    pool = Pool(db, store)
    pool.submit("org-a", "2025-Q1", services(rng, "org-a"))
    compact(store, db, "service", now=T0)
    with db.session() as session:
        planned = store.current_read(session, "service")  # a reader plans before the swap
    pool.submit("org-a", "2025-Q2", services(rng, "org-a"))
    compact(store, db, "service", now=T0)
    assert collect(store, db, now=T0) == []
    assert planned.table().num_rows >= 0  # its file is still there
    assert collect(store, db, now=T0 + compaction.GRACE * 2) == [planned.segments[0].path]
    assert_same(db, store)


def test_compaction_is_incremental(db: Database, store: PooledStore) -> None:
    rng = random.Random(3)
    pool = Pool(db, store)
    for org in ORGS:
        pool.submit(org, "2025-Q1", services(rng, org))
    built = compact(store, db, "service", now=T0, segment_rows=2)
    assert built.written > 1
    assert compact(store, db, "service", now=T0, segment_rows=2).rewritten == 0
    pool.submit("orgZ", "2025-Q2", services(rng, "orgZ"))
    again = compact(store, db, "service", now=T0, segment_rows=2)
    assert again.rewritten == 1  # only orgZ's segment
    assert_same(db, store)


def test_generation_changes_exactly_with_the_current_pool(db: Database, store: PooledStore) -> None:
    rng = random.Random(4)
    pool = Pool(db, store)
    with db.session() as session:
        empty = store.generation(session)
    pool.submit("org-a", "2025-Q1", services(rng, "org-a"))
    with db.session() as session:
        one = store.generation(session)
    compact_all(store, db, now=T0)
    with db.session() as session:
        assert store.generation(session) == one  # compaction changes no row
    pool.submit("org-a", "2025-Q1", services(rng, "org-a"))  # supersedes
    with db.session() as session:
        two = store.generation(session)
        assert store.generation(session) == two
    assert len({empty, one, two}) == 3


def test_segments_keep_small_row_groups_sorted_by_organisation(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compaction, "ROW_GROUP", 2)
    rng = random.Random(8)
    pool = Pool(db, store)
    for org in ORGS:
        pool.submit(org, "2025-Q1", services(rng, org))
    compact(store, db, "service", now=T0)
    with db.session() as session:
        read = store.current_read(session, "service", {"org-c"})
    parquet = pq.ParquetFile(Path(store.root, read.segments[0].path))
    assert parquet.metadata.num_row_groups > 1
    organisations = parquet.read(columns=["_organisation_id"]).column(0).to_pylist()
    assert organisations == sorted(organisations)
    assert_same(db, store)


def test_a_segment_built_without_a_reduced_form_is_read_whole_then_rebuilt(
    db: Database, store: PooledStore
) -> None:
    rng = random.Random(12)
    pool = Pool(db, store)
    for org in ORGS[:2]:
        for period in PERIODS[:2]:
            pool.submit(org, period, services(rng, org))
    compact(store, db, "service", now=T0)
    with db.session() as session:
        read = store.current_read(session, "service")
        assert read.reducible and read.segments[0].latest == latest_path(read.segments[0].path)
        segment = session.scalars(select(PoolSegment).where(PoolSegment.state == "current")).one()
        # As an earlier version wrote it: no reduced form recorded.
        segment.versions = {k: v for k, v in segment.versions.items() if k in ("versions", "rows")}
    store.segment_cache.clear()
    with db.session() as session:
        old = store.current_read(session, "service")
    assert not old.reducible
    assert_same(db, store)  # latest() falls back to latest_rows over the whole rows
    assert [c.rewritten for c in compaction.compact_stale(store, db, now=T0, min_files=10**6)
            if c.record_type == "service"] == [1]  # fmt: skip
    with db.session() as session:
        assert store.current_read(session, "service").reducible
    assert_same(db, store)
