"""An on-disk cache of results keyed by the content they were computed from.

A benchmark, a report's inputs or a Great Expectations profile of the reference pool
take seconds to compute and come out the same for the same files, options and code.
This cache keeps them between processes, so a second ``peerbench benchmark`` or
``peerbench report`` on unchanged data costs little more than reading the answer.

Where: ``$PEERBENCH_CACHE_DIR`` if set (``off``, ``none`` or an empty value turn the
cache off), else ``$XDG_CACHE_HOME/peerbench``, else ``~/.cache/peerbench``.

Keys (:meth:`ContentCache.key`) are SHA-256 digests of:

* the namespace (what is cached, e.g. ``benchmark``) and :data:`CACHE_FORMAT`;
* the **code fingerprint** (:func:`code_fingerprint`): peerbench's version, every
  module file of the installed ``peerbench`` package (path, size, modification time)
  and the versions of the libraries the results depend on, so a code or library
  change never serves an old answer;
* the caller's parts: the **content digests** of the input files
  (:meth:`ContentCache.file_digest`, BLAKE2b of the bytes) and the options, as JSON.

Hashing a large file on every run would cost time, so a file's digest is remembered
against its ``(path, size, mtime_ns, ctime_ns, inode)``; the change time cannot be set
back by a user, so a rewritten file is always hashed again.

Entries are written atomically (a reader sees a whole entry or none); an unreadable
entry is a miss. This class never evicts; the benchmark result cache prunes its own
entries to a size bound (:func:`peerbench.benchmarking.result_cache.prune`), and deleting
the folder clears everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CACHE_ENV = "PEERBENCH_CACHE_DIR"
CACHE_FORMAT = 1
"""Bumped when the layout of the cache changes."""
OFF_VALUES = frozenset({"", "off", "none", "0", "false", "no"})
LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "ibis-framework",
    "scipy",
    "statsmodels",
    "great-expectations",
    "altair",
    "vl-convert-python",
    "jinja2",
)
"""Libraries whose version is part of every key (results may change with them)."""
_CHUNK = 1 << 20


def default_folder() -> Path | None:
    """The cache folder the environment asks for, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in OFF_VALUES else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "peerbench"


def _installed_versions() -> dict[str, str]:
    """Installed distributions' versions by normalised name, from the names of the
    ``*.dist-info`` folders on ``sys.path`` (reading each one's metadata costs ~5 ms)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                project, version = name[: -len(".dist-info")].rsplit("-", 1)
                found.setdefault(_normalise(project), version)
    return found


def _normalise(project: str) -> str:
    return project.lower().replace("-", "_").replace(".", "_")


@cache
def code_fingerprint() -> str:
    """A digest of peerbench's code and the versions of the libraries it computes with."""
    import peerbench

    root = Path(peerbench.__file__).parent
    digest = hashlib.sha256(f"peerbench {peerbench.__version__}\n".encode())
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    versions = _installed_versions()
    for name in LIBRARIES:
        digest.update(f"{name}=={versions.get(_normalise(name), '-')}\n".encode())
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    """BLAKE2b (256 bits) of a file's bytes."""
    digest = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys (paths, dates and the like as strings)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside ``path`` and rename over it (no fsync: an entry lost in a crash is
    only a miss)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ContentCache:
    """A cache folder (``None``: caching off, every lookup misses and nothing is kept).

    Attributes:
        folder: Where entries live.
    """

    folder: Path | None

    @classmethod
    def from_env(cls) -> ContentCache:
        """The cache the environment asks for (see the module docstring)."""
        return cls(default_folder())

    @property
    def enabled(self) -> bool:
        """Whether anything is cached."""
        return self.folder is not None

    def key(self, namespace: str, *parts: Any) -> str:
        """The key of a result in ``namespace`` computed from ``parts`` (JSON-able)."""
        text = canonical_json([namespace, CACHE_FORMAT, code_fingerprint(), list(parts)])
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, namespace: str, key: str, suffix: str) -> Path:
        assert self.folder is not None
        return self.folder / namespace / key[:2] / f"{key}{suffix}"

    def get(self, namespace: str, key: str, suffix: str = ".bin") -> bytes | None:
        """The bytes stored under ``key``, or None (a miss, or caching off)."""
        if self.folder is None:
            return None
        try:
            return self._path(namespace, key, suffix).read_bytes()
        except OSError:
            return None

    def put(self, namespace: str, key: str, data: bytes, suffix: str = ".bin") -> None:
        """Store ``data`` under ``key`` (atomically); a failed write only logs a warning."""
        if self.folder is None:
            return
        path = self._path(namespace, key, suffix)
        try:
            _write_atomically(path, data)
        except OSError as exc:  # a read-only or full disk: the cache only saves time
            logger.warning("could not write the cache entry %s (%s)", path, exc)

    def get_json(self, namespace: str, key: str) -> Any | None:
        """The JSON value stored under ``key``, or None (a miss or an unreadable entry)."""
        data = self.get(namespace, key, ".json")
        if data is None:
            return None
        from peerbench.io import json_text  # orjson: only once a cache entry is read

        try:
            return json_text.loads(data)
        except ValueError:
            logger.warning("cache entry %s/%s is unreadable; computing again", namespace, key)
            return None

    def put_json(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-able ``value`` under ``key``."""
        self.put(namespace, key, json.dumps(value, ensure_ascii=False).encode(), ".json")

    def file_digest(self, path: str | Path) -> str:
        """:func:`content_digest` of ``path``, remembered against the file's stat."""
        file = Path(path).resolve()
        stat = file.stat()
        identity = f"{file}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}|{stat.st_ino}"
        known = hashlib.sha256(identity.encode()).hexdigest()
        if self.folder is not None:
            remembered = self.get("digests", known, ".txt")
            if remembered is not None and len(remembered) == 64:
                return remembered.decode()
        digest = content_digest(file)
        self.put("digests", known, digest.encode(), ".txt")
        return digest

    def files_digest(self, paths: Iterable[str | Path]) -> list[tuple[str, str]]:
        """``(file name, content digest)`` of each path, sorted by name.

        Names, not full paths, so the same files copied elsewhere share entries.
        """
        return sorted((Path(p).name, self.file_digest(p)) for p in paths)
