"""Sessions commit or roll back; SQLite is set up for a concurrent server."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from peerbench.server import audit
from peerbench.server.db.models import ApiKey, Organisation
from peerbench.server.db.session import Database, normalise_url


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Organisation)) or 0


def test_commits_on_success(db: Database) -> None:
    with db.session() as session:
        session.add(Organisation(id="org1", name="One"))
    assert _count(db) == 1


def test_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(Organisation(id="org1", name="One"))
        session.flush()
        raise RuntimeError("boom")
    assert _count(db) == 0


def test_objects_usable_after_the_block(db: Database) -> None:
    with db.session() as session:
        organisation = Organisation(id="org1", name="One")
        session.add(organisation)
    assert organisation.name == "One"
    assert organisation.created_at.tzinfo is not None


def test_timestamps_read_back_as_aware_utc(db: Database) -> None:
    moment = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with db.session() as session:
        session.add(Organisation(id="org1", name="One", created_at=moment))
    with db.session() as session:
        stored = session.get(Organisation, "org1")
        assert stored is not None
        assert stored.created_at == moment
        assert stored.created_at.utcoffset() == dt.timedelta(0)


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(
            ApiKey(
                id="k1",
                key_prefix="pbk_x",
                key_hash="0" * 64,
                role="submitter",
                organisation_id="missing",
            )
        )


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
    finally:
        db.dispose()


def test_sqlite_in_memory_persists_across_sessions() -> None:
    db = Database("sqlite://")
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT x FROM t").scalar() == 1
    finally:
        db.dispose()


def test_plain_postgresql_url_uses_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x").drivername == "sqlite"


def test_repr_hides_password() -> None:
    db = Database("postgresql+psycopg://user:secret@localhost/db")
    try:
        assert "secret" not in repr(db)
    finally:
        db.dispose()


def test_concurrent_read_then_write_sessions(db: Database) -> None:
    """Threads that read then write never fail with "database is locked" on SQLite."""

    def work(worker: int) -> None:
        for i in range(15):
            with db.session() as session:
                audit.query(session, limit=1)  # a read first, then a write
                audit.record(session, actor=f"w{worker}", action="download", target=str(i))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(4)))
    with db.session() as session:
        assert len(audit.query(session, limit=1000)) == 60
