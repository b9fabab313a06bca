"""A per-key sliding-window rate limit for submissions.

The limiter lives in the server process: enough for one ``peerbench serve`` (the
embedded deployment). Several server processes behind a load balancer would each allow
the full rate; a shared limiter (e.g. in PostgreSQL or Redis) is left for when that
deployment exists.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key.

    Example:
        >>> limiter = RateLimiter(2, window=60.0)
        >>> limiter.hit("key-1"), limiter.hit("key-1"), limiter.hit("key-1") > 0
        (0.0, 0.0, True)

    Args:
        limit: Events allowed in any window.
        window: Window length in seconds.
        clock: Monotonic clock (injectable so tests need not wait).
    """

    def __init__(
        self, limit: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        # Requests are handled on several threads (sync endpoints run in a pool).
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one event for ``key`` if allowed.

        Returns:
            0.0 when the event is allowed (and counted); otherwise the seconds until it
            would be, and the event is not counted (so a client hammering a limit does
            not push its own reset further away).
        """
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(events[0] + self.window - now, 0.001)
            events.append(now)
            return 0.0

    @staticmethod
    def retry_after(seconds: float) -> str:
        """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
        return str(max(math.ceil(seconds), 1))
