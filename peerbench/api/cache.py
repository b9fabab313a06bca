"""Read caches kept on the app, and cached bodies served as ready bytes.

:class:`LruCache` holds results that are slow to compute; :func:`ready_response` serves
an already serialised body with an ETag (and ``304 Not Modified`` when the client
already has it), so a warm read costs no serialisation.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response

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


def json_bytes(value: Any) -> bytes:
    """``value`` (JSON-safe already) as compact JSON bytes, through orjson.

    The standard library's encoder when orjson refuses the value (integers beyond 64
    bits, keys that are not text); the parsed value is the same either way.
    """
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def spliced(head: dict[str, Any], rest: bytes) -> bytes:
    """One JSON object: ``head``'s members first, then those of the object ``rest``.

    ``rest`` is a cached, already serialised object (``{...}``), so a response whose
    only per-request part is small (the viewer's scope) is not serialised again.
    """
    start = json_bytes(head)
    if rest == b"{}":
        return start
    return start[:-1] + b"," + rest[1:]


def etag_of(body: bytes) -> str:
    """A strong entity tag for ``body`` (a digest of its bytes)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def ready_response(request: Request, body: bytes, media_type: str) -> Response:
    """``body`` as the response, with its ETag; ``304 Not Modified`` when the client has it.

    The client revalidates on every read (``Cache-Control: private, no-cache``): the
    answer depends on the key and every read is audited, so the handler always runs; a
    client sending ``If-None-Match`` with the current tag gets no body back.
    """
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    match = request.headers.get("if-none-match")
    if match is not None and _matches(match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
