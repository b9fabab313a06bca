"""The pooled store on an object store (S3 API, moto's server on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from peerbench.server.db.models import Submission
from peerbench.server.db.session import Database
from peerbench.server.store import COPY_ATTEMPTS, PooledStore, pool_schema

from .conftest import add_submission
from .test_store import current_ids, put, services


@pytest.fixture
def store(object_store_url: str) -> PooledStore:
    return PooledStore(object_store_url)


def _exists(store: PooledStore, relative: str) -> bool:
    info = store.filesystem.get_file_info(f"{store.root}/{relative}")
    return bool(info.type == pafs.FileType.File)


def test_write_activate_read(db: Database, store: PooledStore) -> None:
    assert not store.is_local and store.scored_cache_dir is None
    path = put(db, store, "sub1", "s1", "s2")
    assert _exists(store, path)
    with db.session() as session:
        (uri,) = store.current_paths(session, "service")
        table = store.read_current(session, "service")
    # The URI carries the endpoint options, so any pyarrow reader reaches the same store.
    assert uri.startswith("s3://") and "endpoint_override=" in uri
    assert pq.read_table(uri).column("service_id").to_pylist() == ["s1", "s2"]
    assert table.schema.equals(pool_schema("service"), check_metadata=True)
    assert table.column("_submission_id").to_pylist() == ["sub1", "sub1"]


def test_versions_and_scopes(db: Database, store: PooledStore) -> None:
    old = put(db, store, "sub1", "a1", "a2")
    put(db, store, "sub2", "a3")
    put(db, store, "sub3", "b1", org="org2")
    assert current_ids(db, store) == ["a3", "b1"]
    assert current_ids(db, store, ["org2"]) == ["b1"]
    assert current_ids(db, store, []) == []
    assert _exists(store, old)  # superseded, kept for lineage


def test_local_files_are_copies_removed_afterwards(db: Database, store: PooledStore) -> None:
    put(db, store, "sub1", "s1")
    put(db, store, "sub2", "b1", org="org2")
    with db.session() as session, store.local_files(session, ["org2"]) as files:
        (copy,) = files
        assert copy.is_file() and copy.name == "sub2.parquet"
        assert pq.read_table(copy).column("service_id").to_pylist() == ["b1"]
    assert not copy.exists() and not copy.parent.exists()


def test_cleanup_and_discard(db: Database, store: PooledStore) -> None:
    kept = put(db, store, "sub1", "s1")
    orphans = []
    for submission_id in ("sub2", "sub3"):
        add_submission(db, submission_id)
        orphans.append(
            store.write_version(
                services("s9"),
                record_type="service",
                organisation_id="org1",
                period="2025-Q1",
                submission_id=submission_id,
                standard_version="1.0.0",
            )
        )
    with db.session() as session:
        assert store.discard(session, [kept, orphans[0]]) == [orphans[0]]
        assert store.cleanup(session) == []  # sub3 is in flight: another process owns it
        session.get(Submission, "sub3").status = "failed"  # type: ignore[union-attr]
        session.flush()
        assert store.cleanup(session) == [orphans[1]]
    assert _exists(store, kept) and not any(_exists(store, o) for o in orphans)
    assert current_ids(db, store) == ["s1"]


def test_a_short_copy_is_made_again_and_then_refused(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(db, store, "sub1", "s1")
    copy_files = pafs.copy_files
    short: list[int] = [1]

    def flaky(source: str, target: str, **kwargs: Any) -> None:
        copy_files(source, target, **kwargs)
        if short[0] > 0:  # as if the connection dropped mid-body
            short[0] -= 1
            Path(target).write_bytes(Path(target).read_bytes()[:10])

    monkeypatch.setattr(pafs, "copy_files", flaky)
    with db.session() as session, store.local_files(session) as files:
        (copy,) = files
        assert pq.read_table(copy).column("service_id").to_pylist() == ["s1"]
    short[0] = COPY_ATTEMPTS
    with (
        pytest.raises(OSError, match="in 3 attempts"),
        db.session() as session,
        store.local_files(session),
    ):
        pass


def test_snapshot_on_an_object_store(db: Database, store: PooledStore) -> None:
    import datetime as dt

    from peerbench.server.compaction import compact

    for number, org in enumerate(("org1", "org2", "org3")):
        put(db, store, f"sub{number}", f"s{number}a", f"s{number}b", org=org)
    with db.session() as session:
        before = store.read_current(session, "service")
    store.direct_files = 0
    done = compact(store, db, "service", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert done.swapped and done.rows == 6
    with db.session() as session:
        read = store.current_read(session, "service")
    assert read.files_opened == 1 and _exists(store, read.segments[0].path)
    assert read.table().to_pylist() == before.to_pylist()
