"""The pooled store: atomic writes, versions switched by the database, crash cleanup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from peerbench.schema.version import PARQUET_RECORD_TYPE_KEY, PARQUET_VERSION_KEY
from peerbench.server.db.models import PoolVersion, Submission
from peerbench.server.db.session import Database
from peerbench.server.store import PooledStore, pool_schema

from .conftest import add_submission


def services(*ids: str, organisation_id: str = "org1") -> pa.Table:
    """A small valid ``service`` table (columns out of order, an extra one, int ids)."""
    n = len(ids)
    return pa.table(
        {
            "name": [f"Service {i}" for i in ids],
            "service_id": list(ids),
            "organisation_id": [organisation_id] * n,
            "condition_focus": ["mental_health"] * n,
            "delivery_format": ["group"] * n,
            "facilitator_model": ["peer_led"] * n,
            "structure": ["open"] * n,
            "not_in_the_standard": [1] * n,
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> PooledStore:
    return PooledStore(str(tmp_path / "pool"))


def put(db: Database, store: PooledStore, submission_id: str, *ids: str, org: str = "org1") -> str:
    """Register, write and activate one submission of services; returns its path."""
    add_submission(db, submission_id, org)
    path = store.write_version(
        services(*ids, organisation_id=org),
        record_type="service",
        organisation_id=org,
        period="2025-Q1",
        submission_id=submission_id,
        standard_version="1.0.0",
    )
    with db.session() as session:
        store.activate(
            session,
            submission_id=submission_id,
            organisation_id=org,
            period="2025-Q1",
            record_type="service",
            path=path,
            rows=len(ids),
        )
    return path


def current_ids(db: Database, store: PooledStore, orgs: Any = None) -> list[str]:
    with db.session() as session:
        table = store.read_current(session, "service", orgs)
    return sorted(table.column("service_id").to_pylist())


def test_write_activate_read(db: Database, store: PooledStore) -> None:
    path = put(db, store, "sub1", "s1", "s2")
    assert path == "service/organisation=org1/period=2025-Q1/sub1.parquet"
    with db.session() as session:
        assert store.current_paths(session, "service") == [str(Path(store.root) / path)]
        table = store.read_current(session, "service")
    assert table.schema.equals(pool_schema("service"), check_metadata=True)
    assert table.schema.metadata[PARQUET_RECORD_TYPE_KEY] == b"service"
    assert PARQUET_VERSION_KEY in table.schema.metadata
    assert "not_in_the_standard" not in table.column_names
    assert table.column("_submission_id").to_pylist() == ["sub1", "sub1"]
    assert set(table.column("_organisation_id").to_pylist()) == {"org1"}
    assert set(table.column("_period").to_pylist()) == {"2025-Q1"}
    assert set(table.column("_standard_version").to_pylist()) == {"1.0.0"}
    on_disk = pq.read_schema(Path(store.root) / path)
    assert on_disk.metadata[PARQUET_RECORD_TYPE_KEY] == b"service"


def test_nothing_pooled_gives_an_empty_table(db: Database, store: PooledStore) -> None:
    with db.session() as session:
        table = store.read_current(session, "outcome")
        assert store.current_paths(session, "outcome") == []
    assert table.num_rows == 0
    assert table.schema.equals(pool_schema("outcome"))


def test_new_version_supersedes_the_old(db: Database, store: PooledStore) -> None:
    old_path = put(db, store, "sub1", "s1", "s2")
    new_path = put(db, store, "sub2", "s3")
    assert current_ids(db, store) == ["s3"]
    with db.session() as session:
        versions = {v.submission_id: v for v in session.scalars(select(PoolVersion))}
        assert store.current_paths(session, "service") == [store.uri(new_path)]
    assert versions["sub1"].path == old_path
    assert not versions["sub1"].is_current
    assert versions["sub1"].superseded_by == "sub2"
    assert versions["sub2"].is_current
    assert (Path(store.root) / old_path).exists()  # kept for lineage


def test_activate_is_idempotent(db: Database, store: PooledStore) -> None:
    path = put(db, store, "sub1", "s1")
    with db.session() as session:
        again = store.activate(
            session,
            submission_id="sub1",
            organisation_id="org1",
            period="2025-Q1",
            record_type="service",
            path=path,
            rows=1,
        )
        assert again.is_current
    with db.session() as session:
        assert len(list(session.scalars(select(PoolVersion)))) == 1


def test_database_allows_one_current_version(db: Database, store: PooledStore) -> None:
    put(db, store, "sub1", "s1")
    add_submission(db, "sub2")
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(
            PoolVersion(
                submission_id="sub2",
                organisation_id="org1",
                period="2025-Q1",
                record_type="service",
                path="x.parquet",
                rows=0,
            )
        )


def test_organisation_filter(db: Database, store: PooledStore) -> None:
    put(db, store, "sub1", "a1", org="org1")
    put(db, store, "sub2", "b1", org="org2")
    assert current_ids(db, store) == ["a1", "b1"]
    assert current_ids(db, store, ["org2"]) == ["b1"]
    assert current_ids(db, store, []) == []  # an empty scope is no data, not all data


def test_crash_while_writing_keeps_the_old_version(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(db, store, "sub1", "s1")
    add_submission(db, "sub2")

    real_write = pq.write_table

    def write_then_crash(table: pa.Table, where: Any, **kwargs: Any) -> None:
        real_write(table, where, **kwargs)
        assert list(Path(where).parent.glob(".sub2.parquet.*.tmp"))  # the temp file exists
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", write_then_crash)
    with pytest.raises(OSError, match="disk full"):
        store.write_version(
            services("s9"),
            record_type="service",
            organisation_id="org1",
            period="2025-Q1",
            submission_id="sub2",
            standard_version="1.0.0",
        )
    monkeypatch.undo()
    assert current_ids(db, store) == ["s1"]
    files = sorted(p.name for p in Path(store.root).rglob("*") if p.is_file())
    assert files == ["sub1.parquet"]


def _set_status(db: Database, submission_id: str, status: str) -> None:
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        submission.status = status


def test_cleanup_removes_crash_leftovers_whatever_their_age(
    db: Database, store: PooledStore
) -> None:
    kept = put(db, store, "sub1", "s1")
    _set_status(db, "sub1", "accepted")
    add_submission(db, "sub2")
    # Crashed after the rename, before the commit: written but never activated.
    orphan = store.write_version(
        services("s9"),
        record_type="service",
        organisation_id="org1",
        period="2025-Q1",
        submission_id="sub2",
        standard_version="1.0.0",
    )
    _set_status(db, "sub2", "failed")  # what start-up recovery makes of it
    # Crashed mid-write: a temporary file beside the target.
    temp = Path(store.root) / "service/organisation=org1/period=2025-Q1/.sub3.parquet.x1.tmp"
    temp.write_bytes(b"PAR1 half")
    # Another process's submission, still validating: its files are in flight.
    add_submission(db, "sub4")
    _set_status(db, "sub4", "validating")
    flying = store.write_version(
        services("s4"),
        record_type="service",
        organisation_id="org1",
        period="2025-Q1",
        submission_id="sub4",
        standard_version="1.0.0",
    )
    flying_temp = Path(store.root) / "service/organisation=org1/period=2025-Q1/.sub4.parquet.y.tmp"
    flying_temp.write_bytes(b"PAR1 half")
    # The benchmark's scored-outcome cache lives in the store but is not pool data.
    assert store.scored_cache_dir is not None
    store.scored_cache_dir.mkdir(parents=True)
    cached = store.scored_cache_dir / "scored-0.parquet"
    cached.write_bytes(b"PAR1 cache")
    assert current_ids(db, store) == ["s1"]  # leftovers are invisible
    with db.session() as session:
        removed = store.cleanup(session)  # seconds old: no waiting for an hour
    assert removed == sorted([orphan, str(temp.relative_to(store.root))])
    assert not temp.exists()
    assert not (Path(store.root) / orphan).exists()
    assert (Path(store.root) / kept).exists()
    assert (Path(store.root) / flying).exists() and flying_temp.exists()
    assert cached.exists()
    assert current_ids(db, store) == ["s1"]
    _set_status(db, "sub4", "failed")
    with db.session() as session:
        assert store.cleanup(session) == sorted([flying, str(flying_temp.relative_to(store.root))])


def test_discard_spares_referenced_files(db: Database, store: PooledStore) -> None:
    kept = put(db, store, "sub1", "s1")
    add_submission(db, "sub2")
    orphan = store.write_version(
        services("s9"),
        record_type="service",
        organisation_id="org1",
        period="2025-Q1",
        submission_id="sub2",
        standard_version="1.0.0",
    )
    with db.session() as session:
        assert store.discard(session, [kept, orphan, "service/missing.parquet"]) == [orphan]
    assert (Path(store.root) / kept).exists()
    assert not (Path(store.root) / orphan).exists()


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (services("s1"), {"record_type": "nope"}, "unknown record type"),
        (services("s1"), {"organisation_id": "../x"}, "cannot be used in a store path"),
        (services("s1"), {"period": "2025/Q1"}, "cannot be used in a store path"),
        (services("s1").drop_columns(["name"]), {}, "required column name is missing"),
        (services("s1").set_column(1, "service_id", pa.array([[1]])), {}, "cannot be stored"),
    ],
)
def test_write_refusals(
    store: PooledStore, table: pa.Table, kwargs: dict[str, str], message: str
) -> None:
    arguments: dict[str, str] = {
        "record_type": "service",
        "organisation_id": "org1",
        "period": "2025-Q1",
        "submission_id": "sub1",
        "standard_version": "1.0.0",
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        store.write_version(table, **arguments)


def test_file_uri(db: Database, tmp_path: Path) -> None:
    store = PooledStore((tmp_path / "uri-pool").as_uri())
    assert store.is_local
    put(db, store, "sub1", "s1")
    assert current_ids(db, store) == ["s1"]
    with db.session() as session:
        [path] = store.current_paths(session, "service")
    assert Path(path).is_file()
