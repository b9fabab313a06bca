"""The metadata database: one engine per process and short-lived sessions.

SQLite (the embedded default) and PostgreSQL (production, ``postgresql+psycopg://``) are
both supported. SQLite is set up for a multi-threaded server: WAL journal (readers never
block the writer), foreign keys enforced, and a busy timeout so a second writer waits
instead of failing at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

DEFAULT_BUSY_TIMEOUT_MS = 15_000
"""How long a SQLite writer waits for another writer's transaction before giving up."""


def normalise_url(url: str) -> URL:
    """Parse ``url``, choosing the psycopg 3 driver for plain PostgreSQL URLs.

    ``postgresql://`` would otherwise select psycopg2, which peerbench does not install.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_on_connect(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # WAL is persistent in the file, but setting it each time is cheap and makes a
            # database created by another tool behave the same.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        finally:
            cursor.close()

    return on_connect


class Database:
    """An engine and a session factory for one database URL.

    SQLite transactions keep the driver's default behaviour: a transaction starts at the
    first write, so plain reads never hold locks and a read-then-write session cannot
    fail with a stale-snapshot ``database is locked``. The price is that SAVEPOINTs
    (``Session.begin_nested``) are unreliable on SQLite; catch ``IntegrityError`` and
    roll back the whole session instead.

    Args:
        url: A SQLAlchemy URL, e.g. ``sqlite:///pb-data/peerbench.sqlite3`` or
            ``postgresql+psycopg://user@host/db``.
        busy_timeout_ms: SQLite only: how long a writer waits for the write lock.
        echo: Log SQL (for debugging; never enable in production logs).
    """

    def __init__(
        self, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, echo: bool = False
    ) -> None:
        self.url = normalise_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # The server shares pooled connections between threads; each is used by one
            # thread at a time, which is what check_same_thread would otherwise police.
            kwargs["connect_args"] = {"check_same_thread": False}
            if self.url.database in (None, "", ":memory:"):
                # An in-memory database exists per connection: share one so it persists.
                kwargs["poolclass"] = StaticPool
            else:
                # SQLite creates the file on first use, but not its folder.
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            # Drop connections the server (or a proxy) closed while they sat in the pool.
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect(busy_timeout_ms))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        Objects stay usable after the block (``expire_on_commit=False``), so a caller can
        return an ORM object from the block and read its attributes.

        Example:
            >>> with db.session() as session:  # doctest: +SKIP
            ...     session.add(Organisation(id="org1", name="Org One"))
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or before deleting the file)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        # Never show a password from the URL.
        return f"Database({self.url.render_as_string(hide_password=True)!r})"
