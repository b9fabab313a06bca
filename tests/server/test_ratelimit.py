"""The per-key sliding window, counted in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from peerbench.server import tenancy
from peerbench.server.db.models import RateEvent, Role
from peerbench.server.db.session import Database
from peerbench.server.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _keys(db: Database, n: int) -> list[str]:
    with db.session() as session:
        return [tenancy.create_key(session, role=Role.ADMIN)[0].id for _ in range(n)]


def _stored(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(RateEvent)) or 0)


def test_limit_per_key_and_window(db: Database) -> None:
    a, b = _keys(db, 2)
    clock = Clock()
    limiter = RateLimiter(db, 2, window=60.0, clock=clock)
    assert [limiter.hit(a), limiter.hit(a)] == [0.0, 0.0]
    assert limiter.hit(a) == pytest.approx(60.0)
    assert limiter.hit(b) == 0.0  # other keys are unaffected
    clock.advance(30)
    assert limiter.hit(a) == pytest.approx(30.0)  # refused hits do not extend the wait
    clock.advance(30)
    assert limiter.hit(a) == 0.0
    assert _stored(db) == 2  # a's expired events went as a was counted; b's one stays


def test_processes_share_the_limit(db: Database) -> None:
    """Two limiters on two engines (as two server processes) allow the limit, not twice it."""
    (key,) = _keys(db, 1)
    other = Database(db.url.render_as_string(hide_password=False))
    try:
        limiters = [RateLimiter(db, 5), RateLimiter(other, 5)]
        waits: list[float] = []
        lock = threading.Lock()

        def submit(limiter: RateLimiter) -> None:
            wait = limiter.hit(key)
            with lock:
                waits.append(wait)

        threads = [threading.Thread(target=submit, args=(limiters[i % 2],)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(waits) == 16
        assert waits.count(0.0) == 5
    finally:
        other.dispose()


def test_retry_after_header() -> None:
    assert RateLimiter.retry_after(0.2) == "1"
    assert RateLimiter.retry_after(29.1) == "30"


def test_limit_must_be_positive(db: Database) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(db, 0)
