"""The per-key sliding window."""

from __future__ import annotations

import pytest

from peerbench.server.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_key_and_window() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window=60.0, clock=clock)
    assert [limiter.hit("a"), limiter.hit("a")] == [0.0, 0.0]
    assert limiter.hit("a") == pytest.approx(60.0)
    assert limiter.hit("b") == 0.0  # other keys are unaffected
    clock.now += 30
    assert limiter.hit("a") == pytest.approx(30.0)  # refused hits do not extend the wait
    clock.now += 30
    assert limiter.hit("a") == 0.0


def test_retry_after_header() -> None:
    assert RateLimiter.retry_after(0.2) == "1"
    assert RateLimiter.retry_after(29.1) == "30"


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(0)
