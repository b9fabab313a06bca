"""A per-key sliding-window rate limit for submissions, counted in the server database.

Each allowed request is a :class:`~peerbench.server.db.models.RateEvent` row, so every
server process sharing the database shares each key's limit (several ``peerbench
serve`` processes behind a load balancer on one PostgreSQL database allow the limit, not
the limit times the processes). Rows older than the window are deleted as keys are
counted.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable

from sqlalchemy import delete, select

from peerbench.server.db.models import ApiKey, RateEvent, utcnow
from peerbench.server.db.session import Database


class RateLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each API key.

    Example:
        >>> limiter = RateLimiter(db, 2, window=60.0)  # doctest: +SKIP
        >>> limiter.hit("key-1"), limiter.hit("key-1"), limiter.hit("key-1") > 0  # doctest: +SKIP
        (0.0, 0.0, True)

    Args:
        db: The server database (keys' events are counted there).
        limit: Events allowed in any window.
        window: Window length in seconds.
        clock: UTC clock (injectable so tests need not wait). Server processes on
            several machines need synchronised clocks, as any shared timestamp does.
    """

    def __init__(
        self,
        db: Database,
        limit: int,
        *,
        window: float = 60.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self.window = window
        self._db = db
        self._clock = clock
        # SQLite takes its write lock only at the first write; one process's threads
        # are kept in turn here, and other processes by that lock (the DELETE comes first).
        self._lock = threading.Lock()

    def hit(self, key_id: str) -> float:
        """Count one event for API key ``key_id`` if allowed.

        Returns:
            0.0 when the event is allowed (and counted); otherwise the seconds until it
            would be, and the event is not counted (so a client hammering a limit does
            not push its own reset further away).
        """
        now = self._clock()
        window = dt.timedelta(seconds=self.window)
        with self._lock, self._db.session() as session:
            if not self._db.is_sqlite:
                # Processes counting the same key queue on its row until this commits.
                session.execute(select(ApiKey.id).where(ApiKey.id == key_id).with_for_update())
            mine = RateEvent.api_key_id == key_id
            session.execute(delete(RateEvent).where(mine, RateEvent.at <= now - window))
            recent = session.scalars(
                select(RateEvent.at).where(mine).order_by(RateEvent.at).limit(self.limit)
            ).all()
            if len(recent) >= self.limit:
                return max((recent[0] + window - now).total_seconds(), 0.001)
            session.add(RateEvent(api_key_id=key_id, at=now))
            return 0.0

    @staticmethod
    def retry_after(seconds: float) -> str:
        """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
        return str(max(math.ceil(seconds), 1))
