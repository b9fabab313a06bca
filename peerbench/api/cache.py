"""A small thread-safe LRU kept on the app, for results that are slow to compute."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from fastapi import Request

T = TypeVar("T")


class LruCache(Generic[T]):
    """At most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> tuple[T, bool]:
        """The cached value for ``key`` (and True), else ``make()`` stored (and False)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key], True
        value = make()  # outside the lock: a slow build must not block cached reads
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value, False


def app_cache(request: Request, name: str, size: int) -> LruCache[T]:
    """The app's cache called ``name``, made on first use."""
    state = request.app.state
    cache: LruCache[T] | None = getattr(state, name, None)
    if cache is None:
        cache = LruCache(size)
        setattr(state, name, cache)
    return cache
