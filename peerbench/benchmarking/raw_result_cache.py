"""Raw benchmark results kept on disk between runs, beside the scored-outcome cache.

A benchmark over unchanged files gives the same raw result every time, and at ten
million outcome rows computing it takes far longer than reading it back. When the
source has a cache folder (a local pooled store, or a plain folder through
:func:`peerbench.aggregate.sources.user_cache_dir`), :func:`cached_result` keeps the
raw (not yet disclosure-controlled) :class:`BenchmarkResult` there, pickled: pickling
keeps every value exactly (NaN markers included, which JSON would turn into nulls).
Disclosure control always runs afresh on it, so the viewer and policy never come from
the cache.

The file's name is a SHA-256 of everything the result depends on: :data:`CACHE_VERSION`,
the peerbench version, the scored-outcome cache key (instrument definitions and each
input file's resolved path, size and modification time), the options, the service-use
records' content, the cost table file and the source description. A new submission is a
new file, so it gives a new name; only the newest :data:`KEEP` entries are kept. The
cache folder must be as trusted as the data (unpickling runs code named in the file):
it is the server's own data directory or the user's cache folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from peerbench import __version__
from peerbench.aggregate.scored_cache import cache_key
from peerbench.aggregate.sources import BenchmarkSource
from peerbench.benchmarking.result import BenchmarkOptions, BenchmarkResult
from peerbench.io.atomic import atomic_path
from peerbench.schema.instruments import InstrumentRegistry, default_registry

logger = logging.getLogger(__name__)

CACHE_VERSION = "1"
"""Bump when :func:`peerbench.benchmarking.compute` changes what it returns."""
KEEP = 8
"""Cache entries kept (the newest); older ones are deleted when a new one is written."""


def _table_digest(table: pa.Table | None) -> str:
    if table is None:
        return "none"
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def _file_digest(name: str | None) -> str:
    if name is None:
        return "none"
    path = Path(name)
    try:
        stat = path.stat()
    except OSError:
        return f"missing {name}"
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def result_key(
    source: BenchmarkSource,
    options: BenchmarkOptions,
    service_use: pa.Table | None,
    generated_from: str,
    registry: InstrumentRegistry | None = None,
) -> str | None:
    """The cache name of this benchmark, or None when it cannot be cached."""
    if source.cache_dir is None:
        return None
    inputs = cache_key(source, registry or default_registry())
    if inputs is None:
        return None
    parts = [
        CACHE_VERSION,
        __version__,
        inputs,
        json.dumps(options.to_dict(), sort_keys=True, default=str),
        _file_digest(options.cost_table),
        _table_digest(service_use),
        generated_from,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_result(
    source: BenchmarkSource, key: str | None, compute: Callable[[], BenchmarkResult]
) -> BenchmarkResult:
    """The result stored under ``key`` in ``source.cache_dir``, else ``compute()`` (stored)."""
    folder = source.cache_dir
    if folder is None or key is None:
        return compute()
    path = folder / f"result-{key}.pickle"
    found = _read(path)
    if found is not None:
        return found
    result = compute()
    _write(result, folder, path.name)
    return result


def _read(path: Path) -> BenchmarkResult | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)  # our own cache folder (module docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        logger.warning("benchmark cache %s is unreadable (%s); computing again", path, exc)
        return None
    return value if isinstance(value, BenchmarkResult) else None


def _write(result: BenchmarkResult, folder: Path, name: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / name) as tmp, Path(tmp).open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        entries = sorted(folder.glob("result-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk: the cache only saves time
        logger.warning("could not write the benchmark cache in %s (%s)", folder, exc)
