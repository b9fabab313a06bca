"""Read audits are committed in batches, and none is ever lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.db.models import AuditEvent
from peerbench.server.db.session import Database
from peerbench.server.read_audit import ReadAudit


def _count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count(AuditEvent.id))) or 0)


def test_queued_reads_are_committed_and_seen_by_queries(db: Database) -> None:
    reads = ReadAudit(db, batch=3)
    try:
        for n in range(7):
            reads.record(actor=f"key_{n}", action="benchmark.read", details={"n": n})
        with db.session() as session:
            # A query of the log waits for the reads queued before it.
            events = audit.query(session, action="benchmark.read")
        assert sorted(int(str(e.details["n"])) for e in events) == list(range(7))
        assert all(e.at.tzinfo is not None for e in events)
    finally:
        reads.close()


def test_close_commits_everything_queued_then_writes_directly(db: Database) -> None:
    reads = ReadAudit(db, batch=2)
    for n in range(25):
        reads.record(actor="k", action="report.read", target=str(n))
    reads.close()
    assert _count(db) == 25
    reads.record(actor="k", action="report.read")  # after shutdown: committed at once
    assert _count(db) == 26
    reads.close()  # a second close changes nothing


def test_the_queue_is_bounded_and_waits_for_the_writer(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real = ReadAudit._write

    def held(self: ReadAudit, batch: list[Any], *, attempts: int | None) -> None:
        started.set()
        release.wait(10)
        real(self, batch, attempts=attempts)

    monkeypatch.setattr(ReadAudit, "_write", held)
    reads = ReadAudit(db, max_pending=2, batch=1)
    reads.record(actor="k", action="benchmark.read")  # taken by the (held) writer
    assert started.wait(10)
    reads.record(actor="k", action="benchmark.read")
    reads.record(actor="k", action="benchmark.read")
    assert reads.pending == 2 and reads.full  # a further read would wait
    release.set()
    reads.close()
    assert _count(db) == 3


def test_a_failed_batch_is_kept_and_written_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = db.session
    failures = [RuntimeError("database unavailable")]

    @contextmanager
    def flaky() -> Iterator[Session]:
        if failures:
            raise failures.pop()
        with real() as session:
            yield session

    monkeypatch.setattr("peerbench.server.read_audit.RETRY_DELAY", 0.0)
    reads = ReadAudit(db)
    monkeypatch.setattr(db, "session", flaky)
    reads.record(actor="k", action="coverage.read")
    reads.close()
    monkeypatch.setattr(db, "session", real)
    assert not failures and _count(db) == 1
