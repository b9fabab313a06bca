"""What a running server holds: settings, the metadata database and the pooled store."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peerbench.server.db.migrate import ensure_migrated
from peerbench.server.db.session import Database
from peerbench.server.read_audit import ReadAudit
from peerbench.server.settings import Settings
from peerbench.server.store import PooledStore

if TYPE_CHECKING:
    from peerbench.server.quality_process import QualityRecorder


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC: the server's default clock for timestamps."""
    return dt.datetime.now(dt.UTC)


def utc_today() -> dt.date:
    """Today's date in UTC: the server's default clock."""
    return dt.datetime.now(dt.UTC).date()


@dataclass
class ServerContext:
    """The long-lived objects shared by the API and the background worker.

    ``today`` is the one clock for date rules (agreement windows, the latest period a
    submission may be for), so tests can fix the day; ``now`` is the clock of the
    portal's sessions, one-time links and sign-in lockouts, so tests can move time on.
    Reads are audited through :meth:`read_audit` (committed in batches).
    """

    settings: Settings
    db: Database
    store: PooledStore
    today: Callable[[], dt.date] = field(default=utc_today)
    now: Callable[[], dt.datetime] = field(default=utc_now)
    quality: QualityRecorder | None = field(default=None, repr=False)
    """Where accepted organisations' quality figures are recorded (a server with
    ``quality_at_ingest`` sets it while it runs; None: they are not)."""
    _read_audit: ReadAudit | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def read_audit(self) -> ReadAudit:
        """The queue that commits read audits in batches (started on first use)."""
        with self._lock:
            if self._read_audit is None:
                self._read_audit = ReadAudit(self.db)
            return self._read_audit

    def flush_reads(self) -> None:
        """Return once every read audit queued so far is committed."""
        with self._lock:
            reads = self._read_audit
        if reads is not None:
            reads.flush()

    def close(self) -> None:
        """Commit the queued read audits and release database connections (at shutdown)."""
        with self._lock:
            reads, self._read_audit = self._read_audit, None
        if reads is not None:
            reads.close()
        self.db.dispose()


def open_server(
    settings: Settings,
    *,
    require_migrated: bool = True,
    today: Callable[[], dt.date] = utc_today,
    now: Callable[[], dt.datetime] = utc_now,
) -> ServerContext:
    """Open the database and store, ready to serve.

    Creates the data directory, refuses a database whose schema is not current (unless
    ``require_migrated`` is false), and removes crash leftovers from the pooled store.

    Raises:
        DatabaseNotMigrated: the database needs ``peerbench db upgrade``.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    try:
        if require_migrated:
            ensure_migrated(db.engine)
        store = PooledStore(settings.resolved_store_url())
        if require_migrated:
            # Without the tables there is nothing to tell referenced files from leftovers.
            with db.session() as session:
                store.cleanup(session)
    except BaseException:
        db.dispose()
        raise
    return ServerContext(settings=settings, db=db, store=store, today=today, now=now)
