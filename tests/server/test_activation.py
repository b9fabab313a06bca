"""Concurrent activations for one organisation and period: newest current, never a failure."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from peerbench.server.activation import registered_later
from peerbench.server.db.models import Organisation, PoolVersion, Submission
from peerbench.server.db.session import Database
from peerbench.server.store import PooledStore

from .test_store import services

RACERS = 8
T0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def _register(db: Database, count: int) -> list[str]:
    """``count`` submissions for org1, 2025-Q1, registered one second apart."""
    ids = [f"sub{i:02d}" for i in range(count)]
    with db.session() as session:
        session.add(Organisation(id="org1", name="Org 1"))
        session.flush()
        for i, submission_id in enumerate(ids):
            session.add(
                Submission(
                    id=submission_id,
                    organisation_id="org1",
                    period="2025-Q1",
                    content_hash=f"hash-{i}",
                    created_at=T0 + dt.timedelta(seconds=i),
                )
            )
    return ids


def _activate(db: Database, store: PooledStore, submission_id: str, gate: threading.Barrier) -> str:
    path = store.write_version(
        services(submission_id),
        record_type="service",
        organisation_id="org1",
        period="2025-Q1",
        submission_id=submission_id,
        standard_version="1.0.0",
    )
    gate.wait(timeout=30)
    with db.session() as session:
        store.activate(
            session,
            submission_id=submission_id,
            organisation_id="org1",
            period="2025-Q1",
            record_type="service",
            path=path,
            rows=1,
        )
    return submission_id


def test_racing_activations_leave_the_newest_current(db: Database, tmp_path: Path) -> None:
    store = PooledStore(str(tmp_path / "pool"))
    ids = _register(db, RACERS)
    gate = threading.Barrier(RACERS)
    with ThreadPoolExecutor(RACERS) as pool:
        done = list(pool.map(lambda s: _activate(db, store, s, gate), ids))
    assert sorted(done) == ids  # no activation raised
    with db.session() as session:
        versions = {v.submission_id: v for v in session.scalars(select(PoolVersion))}
    assert sorted(versions) == ids
    current = [s for s, v in versions.items() if v.is_current]
    assert current == [ids[-1]]  # the newest, whatever order they finished in
    superseded = sorted(s for s, v in versions.items() if v.superseded_by is not None)
    assert superseded == ids[:-1]
    with db.session() as session:
        table = store.read_current(session, "service")
    assert table.column("service_id").to_pylist() == [ids[-1]]


def test_older_submission_finishing_last_is_stored_superseded(db: Database, tmp_path: Path) -> None:
    store = PooledStore(str(tmp_path / "pool"))
    old, new = _register(db, 2)
    gate = threading.Barrier(1)
    _activate(db, store, new, gate)
    _activate(db, store, old, gate)
    with db.session() as session:
        versions = {v.submission_id: v for v in session.scalars(select(PoolVersion))}
        assert registered_later(session, new, old) and not registered_later(session, old, new)
    assert versions[new].is_current and versions[new].superseded_by is None
    assert not versions[old].is_current and versions[old].superseded_by == new
    _activate(db, store, old, gate)  # activating again changes nothing
    with db.session() as session:
        assert len(list(session.scalars(select(PoolVersion)))) == 2


@pytest.mark.parametrize("missing", ["nobody", ""])
def test_unknown_submission_is_never_later(db: Database, missing: str) -> None:
    [only] = _register(db, 1)
    with db.session() as session:
        assert not registered_later(session, missing, only)
        assert not registered_later(session, only, missing)
