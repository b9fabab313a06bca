"""Read caches kept on the app, and cached bodies served as ready bytes.

:class:`LruCache` holds results that are slow to compute; :func:`ready_response` serves
an already serialised body with an ETag (and ``304 Not Modified`` when the client
already has it), so a warm read costs no serialisation.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response

from peerbench.io.content_cache import code_fingerprint

T = TypeVar("T")


class LruCache(Generic[T]):
    """At most ``size`` values, the least recently used dropped first.

    One build per key at a time: a read asking for a value that another thread (a
    reader, or the start-up warm-up) is building waits for that build rather than
    repeating it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._building: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> tuple[T, bool]:
        """The cached value for ``key`` (and True), else ``make()`` stored (and False)."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key], True
                building = self._building.get(key)
                if building is None:
                    done = self._building[key] = threading.Event()
                    break
            # Built elsewhere: take it when done (or build it here if that build failed).
            building.wait()
        try:
            value = make()  # outside the lock: a slow build must not block cached reads
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        finally:
            with self._lock:
                del self._building[key]
            done.set()
        return value, False

    def peek(self, key: Hashable) -> bool:
        """Whether ``key``'s value is kept (no build, no change of order)."""
        with self._lock:
            return key in self._items


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


def spliced(head: dict[str, Any], rest: bytes | memoryview, start: bytes | None = None) -> bytes:
    """One JSON object: ``head``'s members first, then those of the object ``rest``.

    ``rest`` is a cached, already serialised object (``{...}``), so a response whose
    only per-request part is small (the viewer's scope) is not serialised again (nor
    copied more than once). ``start``: ``head`` already serialised.
    """
    start = json_bytes(head) if start is None else start
    if rest == b"{}":
        return start
    return b"".join((start[:-1], b",", memoryview(rest)[1:]))


def etag_of(body: bytes) -> str:
    """A strong entity tag for ``body`` (a digest of its bytes)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def spliced_etag(head: bytes, rest_etag: str) -> str:
    """A strong entity tag for ``head`` spliced before a body whose tag is ``rest_etag``.

    A digest of the head and the body's digest (itself computed once, when the body was
    kept), so a warm read does not hash a large body again; any change to either part
    changes the tag.
    """
    digest = hashlib.blake2b(head + b"\n" + rest_etag.encode(), digest_size=16)
    return '"' + digest.hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def ready_response(
    request: Request, body: bytes, media_type: str, etag: str | None = None
) -> Response:
    """``body`` as the response, with its ETag; ``304 Not Modified`` when the client has it.

    The client revalidates on every read (``Cache-Control: private, no-cache``): the
    answer depends on the key and every read is audited, so the handler always runs; a
    client sending ``If-None-Match`` with the current tag gets no body back. ``etag``:
    the body's tag when already known (:func:`etag_of` of it otherwise).
    """
    etag = etag or etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    match = request.headers.get("if-none-match")
    if match is not None and _matches(match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def spliced_response(
    request: Request, head: dict[str, Any], rest: bytes, rest_etag: str, media_type: str
) -> Response:
    """:func:`spliced` ``head`` and ``rest`` as the response (tag: :func:`spliced_etag`)."""
    start = json_bytes(head)
    return ready_response(
        request, spliced(head, rest, start), media_type, spliced_etag(start, rest_etag)
    )


READ_CACHE_FOLDER = "read-cache"
"""Under the server's data folder: answers kept on disk, by pool generation."""


class ReadyBytes:
    """Serialised answers: the recent ones in memory, and on disk under ``folder``.

    A key holds the pool's generation (which changes exactly when a submission is
    accepted or superseded), so an answer on disk is still right after a restart of
    the server: the first read of a restarted server is served, not recomputed. The
    file's name digests the key with the code fingerprint of the result cache
    (:func:`peerbench.io.content_cache.code_fingerprint`), so an answer computed by
    other code or libraries is never served: it is not found. Disk
    errors only cost the disk tier (the answer is made and served all the same); at
    most ``max_files`` answers are kept, the oldest removed first.
    """

    def __init__(self, folder: Path | None, size: int, max_files: int = 256) -> None:
        self.folder = folder
        self.max_files = max_files
        self.memory: LruCache[tuple[bytes, str]] = LruCache(size)

    def _path(self, key: Hashable) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.blake2b(f"{code_fingerprint()}\n{key!r}".encode(), digest_size=20)
        return self.folder / f"{name.hexdigest()}.bin"

    def _load(self, path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _store(self, path: Path | None, body: bytes) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
            temporary.write_bytes(body)
            os.replace(temporary, path)
            kept = sorted(path.parent.glob("*.bin"), key=lambda p: p.stat().st_mtime_ns)
            for old in kept[: max(len(kept) - self.max_files, 0)]:
                old.unlink(missing_ok=True)
        except OSError:
            return

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The answer for ``key`` (and True when it was kept), else ``make()`` kept (False)."""
        body, _etag, kept = self.get_ready(key, make)
        return body, kept

    def get_ready(self, key: Hashable, make: Callable[[], bytes]) -> tuple[bytes, str, bool]:
        """As :meth:`get_or_make`, with the answer's ETag (computed once per answer kept)."""
        made: list[bool] = []

        def from_disk_or_make() -> tuple[bytes, str]:
            path = self._path(key)
            body = self._load(path)
            if body is None:
                body = make()
                made.append(True)
                self._store(path, body)
            return body, etag_of(body)

        (body, etag), in_memory = self.memory.get_or_make(key, from_disk_or_make)
        return body, etag, in_memory or not made

    def has(self, key: Hashable) -> bool:
        """Whether the answer for ``key`` is kept in memory."""
        return self.memory.peek(key)


def app_ready_bytes(request: Request, name: str, size: int) -> ReadyBytes:
    """The app's :class:`ReadyBytes` called ``name`` (on disk in the data folder)."""
    state = request.app.state
    cache: ReadyBytes | None = getattr(state, name, None)
    if cache is None:
        context = getattr(state, "context", None)
        folder = None if context is None else context.settings.data_dir / READ_CACHE_FOLDER
        cache = ReadyBytes(None if folder is None else folder / name, size)
        setattr(state, name, cache)
    return cache
