"""Read audits committed in batches by a writer thread, never one commit per read.

A read changes nothing, so its audit event shares no transaction with a change: the
request hands the event to :class:`ReadAudit` and answers, and one thread commits the
queued events together. A commit per read had cost each warm read a database commit
(an fsync on SQLite) and, with many readers at once, a wait for SQLite's write lock.

Nothing is lost: the queue is bounded (a burst of reads waits for the writer rather
than growing memory without limit), a failed batch is kept and tried again,
:meth:`ReadAudit.close` (at shutdown) writes every event queued, and reading the audit
log (:func:`peerbench.server.audit.query`) first waits for the events queued before it
(:func:`flush_pending`), so a query never misses a read that was answered.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from peerbench.server.db.models import AuditEvent, utcnow
from peerbench.server.db.session import Database

log = logging.getLogger("peerbench.server")

MAX_PENDING = 10_000
"""Events queued at most; a read beyond that waits for the writer."""
BATCH = 500
"""Events committed together at most."""
CLOSING_ATTEMPTS = 5
"""Tries of a failing batch at shutdown (while running, a batch is tried until written)."""
RETRY_DELAY = 0.05
"""Seconds before the first retry of a failed batch (doubling, up to 2 s)."""

_LIVE: weakref.WeakSet[ReadAudit] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    actor: str
    action: str
    organisation_id: str | None
    target: str | None
    details: dict[str, Any]

    def row(self) -> AuditEvent:
        return AuditEvent(
            at=self.at,
            actor=self.actor,
            action=self.action,
            organisation_id=self.organisation_id,
            target=self.target,
            details=self.details,
        )


class ReadAudit:
    """Audit events of reads, queued and committed in batches by one thread.

    Example:
        >>> reads = ReadAudit(db)  # doctest: +SKIP
        >>> reads.record(actor=key.id, action="benchmark.read")  # doctest: +SKIP
        >>> reads.close()  # every queued event is committed  # doctest: +SKIP

    Args:
        db: The database the events go to.
        max_pending: Events queued at most (then :meth:`record` waits).
        batch: Events committed together at most.
    """

    def __init__(self, db: Database, *, max_pending: int = MAX_PENDING, batch: int = BATCH) -> None:
        self._db = db
        self._batch = batch
        self._queue: queue.Queue[_Event | None] = queue.Queue(max_pending)
        self._closing = threading.Event()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="pb-read-audit", daemon=True)
        self._thread.start()
        with _LIVE_LOCK:
            _LIVE.add(self)

    @property
    def engine(self) -> Engine:
        """The engine of the database the events go to."""
        return self._db.engine

    @property
    def pending(self) -> int:
        """Events queued and not yet taken by the writer."""
        return self._queue.qsize()

    @property
    def full(self) -> bool:
        """Whether a further :meth:`record` would wait for the writer."""
        return self._queue.full()

    def record(
        self,
        *,
        actor: str,
        action: str,
        organisation_id: str | None = None,
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Queue an event (stamped now); after :meth:`close`, commit it at once instead.

        Arguments as :func:`peerbench.server.audit.record`.
        """
        event = _Event(utcnow(), actor, action, organisation_id, target, dict(details or {}))
        with self._lock:
            closed = self._closed
        if closed:
            self._write([event], attempts=CLOSING_ATTEMPTS)
            return
        self._queue.put(event)  # waits while the queue is full

    def flush(self) -> None:
        """Return once every event queued so far is committed."""
        self._queue.join()

    def close(self) -> None:
        """Commit every queued event and stop the writer (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._closing.set()
        self._queue.put(None)
        self._thread.join()
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stop = first is None
            while not stop and len(batch) < self._batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                stop = item is None
                if item is not None:
                    batch.append(item)
            if batch:
                self._write(batch, attempts=None)
            for _ in range(len(batch) + stop):
                self._queue.task_done()
            if stop:
                return

    def _write(self, batch: list[_Event], *, attempts: int | None) -> None:
        """Commit ``batch`` in one transaction, trying again after a failure.

        ``attempts=None``: until written, or (once closing) :data:`CLOSING_ATTEMPTS`.
        """
        delay, tried = RETRY_DELAY, 0
        while True:
            tried += 1
            try:
                with self._db.session() as session:
                    session.add_all([event.row() for event in batch])
                return
            except Exception:  # any failure: the events are kept and tried again
                limit = attempts if attempts is not None else None
                if limit is None and self._closing.is_set():
                    limit = CLOSING_ATTEMPTS
                if limit is not None and tried >= limit:
                    log.exception("could not write %d read audit events", len(batch))
                    return
                log.warning("read audit write failed; trying again", exc_info=True)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)


def flush_pending(engine: Engine | None) -> None:
    """Wait for the read audits queued for ``engine``'s database to be committed."""
    if engine is None:
        return
    with _LIVE_LOCK:
        live = [reads for reads in _LIVE if reads.engine is engine]
    for reads in live:
        reads.flush()
