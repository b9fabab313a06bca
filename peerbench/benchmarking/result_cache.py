"""Benchmarks of a folder of files, kept in the result cache between runs.

A benchmark of the reference pool (30,000 outcome rows) spends about a second importing
its statistics and three computing them, and gives the same answer every time the
files, the options and the code are the same. :func:`cached_benchmark` keeps the
disclosure-controlled result in the result cache (:mod:`peerbench.io.content_cache`)
under a key made of:

* the folder's path (the result names it in ``generated_from``) and the content digest
  of each of its standard files and its ``peerbench.json`` manifest;
* the options (:meth:`BenchmarkOptions.to_dict`, with the disclosure policy's values
  and the digest of a cost table file) and the viewing organisation;
* the code fingerprint (peerbench's modules and the libraries' versions).

An entry is the result's JSON text exactly as ``peerbench benchmark --format json``
prints it (:func:`peerbench.io.json_text.dumps_indented` of
:meth:`BenchmarkResult.to_dict`), so :func:`benchmark_answer` hands a hit's text
straight to the output with no object round trip; the result object is rebuilt from
it (:meth:`BenchmarkResult.from_dict`, exact) only when something asks for it (a
table or CSV), and a hit imports none of the statistics. A computed result is turned
into JSON once, for the cache and the output alike. A server data directory is always
computed (its current files live in its database); so is any source while caching is
off (``PEERBENCH_CACHE_DIR=off``).

The entries are bounded (:func:`prune`): after each new entry, the least recently used
ones go until the namespace holds at most ``PEERBENCH_RESULT_CACHE_MB`` megabytes
(default :data:`DEFAULT_MAX_MB`); a hit marks its entry used (its modification time;
access times are not kept on most mounts). The newest entry always stays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

from peerbench.benchmarking.result import BenchmarkOptions, BenchmarkResult
from peerbench.io.content_cache import ContentCache
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import MANIFEST_NAME, manifest_as_of

NAMESPACE = "benchmark-json"
"""Entries are indented JSON text (``benchmark`` held compact JSON, read back as objects)."""
MAX_MB_ENV = "PEERBENCH_RESULT_CACHE_MB"
"""Megabytes the benchmark entries may take at most (a positive number)."""
DEFAULT_MAX_MB = 512.0
"""The reference pool's result is about 3.3 MB: room for ~150 such answers."""

logger = logging.getLogger(__name__)


class SourceError(Exception):
    """The folder could not be opened as a benchmark source (the cause is chained)."""


DATABASE_FILE = "peerbench.sqlite3"
MANIFEST = MANIFEST_NAME


def folder_inputs(folder: Path) -> list[Path] | None:
    """The files a benchmark of ``folder`` may read, or None for a server data directory.

    Every standard Parquet file and the manifest: more than the benchmark reads, so a
    change to any of them is a new key.
    """
    root = Path(folder)
    if (root / DATABASE_FILE).is_file():
        return None
    if root.name == "pool" and (root.parent / DATABASE_FILE).is_file():
        return None
    names = [f"{spec.file_stem}.parquet" for spec in RECORD_TYPES.values()] + [MANIFEST]
    return [root / name for name in names if (root / name).is_file()]


def benchmark_key(
    cache: ContentCache,
    folder: Path,
    options: BenchmarkOptions,
    viewer_organisation_id: str | None,
) -> str | None:
    """The cache key of a controlled benchmark of ``folder``, or None if it is not cacheable."""
    if not cache.enabled:
        return None
    files = folder_inputs(folder)
    if files is None:
        return None
    described: dict[str, Any] = options.to_dict()
    if options.cost_table is not None:
        described["cost_table_digest"] = cache.file_digest(options.cost_table)
    return cache.key(
        NAMESPACE,
        str(Path(folder)),
        cache.files_digest(files),
        described,
        viewer_organisation_id,
    )


class BenchmarkAnswer:
    """A controlled benchmark as its JSON text, its result object, or both.

    Whichever of the two is missing is made from the other on first use and kept:
    ``json_text`` is ``dumps_indented(result.to_dict())`` and ``result`` is
    ``BenchmarkResult.from_dict`` of the text, which round-trips exactly.

    Args:
        text: The JSON text (as :attr:`json_text`).
        result: The result object.
    """

    def __init__(self, *, text: str | None = None, result: BenchmarkResult | None = None) -> None:
        if text is None and result is None:
            raise ValueError("a benchmark answer needs its text or its result")
        self._text = text
        self._result = result

    @property
    def json_text(self) -> str:
        """The result as indented JSON text, without a final newline."""
        if self._text is None:
            from peerbench.io.json_text import dumps_indented

            assert self._result is not None  # one of the two is always there
            self._text = dumps_indented(self._result.to_dict())
        return self._text

    @property
    def result(self) -> BenchmarkResult:
        """The result object."""
        if self._result is None:
            from peerbench.io.json_text import loads

            assert self._text is not None
            self._result = BenchmarkResult.from_dict(loads(self._text))
        return self._result


def _stored_text(cache: ContentCache, key: str) -> str | None:
    """The JSON text stored under ``key``, or None (a miss, or an entry that is not whole).

    Entries are written atomically; one cut short (a damaged disk, a hand edit) no longer
    ends with the closing brace and is computed again rather than printed.
    """
    data = cache.get(NAMESPACE, key, ".json")
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not (text.startswith("{") and text.endswith("}")):
        return None
    _mark_used(cache, key)
    return text


def max_bytes() -> int:
    """The bound on the entries' total size: ``PEERBENCH_RESULT_CACHE_MB`` or the default."""
    value = os.environ.get(MAX_MB_ENV, "").strip()
    megabytes = DEFAULT_MAX_MB
    if value:
        try:
            megabytes = float(value)
        except ValueError:
            megabytes = -1.0
        if not megabytes > 0:  # also NaN
            logger.warning("%s=%r is not a positive number; using %s", MAX_MB_ENV, value,
                           DEFAULT_MAX_MB)  # fmt: skip
            megabytes = DEFAULT_MAX_MB
    return int(megabytes * 1024 * 1024)


def _entry(cache: ContentCache, key: str) -> Path:
    return cache._path(NAMESPACE, key, ".json")  # the cache's own layout


def _mark_used(cache: ContentCache, key: str) -> None:
    """Make a hit the most recently used entry (a failure only costs LRU order)."""
    with contextlib.suppress(OSError):
        os.utime(_entry(cache, key))


def prune(cache: ContentCache, limit: int, *, keep: str | None = None) -> int:
    """Delete the least recently used entries until they take at most ``limit`` bytes.

    Recency is each entry's modification time (written or last hit). ``keep`` (the
    entry just written) is never deleted, even alone over the limit. Entries another
    process deletes meanwhile are skipped. Returns how many entries were deleted.
    """
    if cache.folder is None:
        return 0
    entries: list[tuple[int, int, Path]] = []
    kept = None if keep is None else _entry(cache, keep)
    for path in (cache.folder / NAMESPACE).glob("*/*.json"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime_ns, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    deleted = 0
    for _, size, path in sorted(entries, key=lambda e: (e[0], e[2].name)):
        if total <= limit:
            break
        if path == kept:
            continue
        try:
            path.unlink()
        except FileNotFoundError:  # another process pruned it first
            total -= size
            continue
        except OSError as exc:  # read-only: the cache only saves time
            logger.warning("could not delete the cache entry %s (%s)", path, exc)
            continue
        total -= size
        deleted += 1
    return deleted


def cached_benchmark(
    folder: str | Path,
    options: BenchmarkOptions,
    *,
    viewer_organisation_id: str | None = None,
    cache: ContentCache | None = None,
) -> BenchmarkResult:
    """The disclosure-controlled benchmark of ``folder`` (see :func:`benchmark_answer`)."""
    return benchmark_answer(
        folder, options, viewer_organisation_id=viewer_organisation_id, cache=cache
    ).result


def benchmark_answer(
    folder: str | Path,
    options: BenchmarkOptions,
    *,
    viewer_organisation_id: str | None = None,
    cache: ContentCache | None = None,
) -> BenchmarkAnswer:
    """The disclosure-controlled benchmark of ``folder`` (see the module docstring).

    The same as ``controlled(compute(...), options.disclosure_policy, viewer_organisation_id)``
    on :func:`~peerbench.benchmarking.sources.open_source` ``(folder)``, from the cache
    when the same files, options and code were benchmarked before: then only its JSON
    text is read, and the result object is built if asked for.

    Args:
        folder: A folder of standard files, or a server data directory (never cached).
        options: Benchmark options; their ``disclosure_policy`` controls the result.
        viewer_organisation_id: Whose services are shown unrounded (owner view).
        cache: The result cache (default: the environment's).

    Raises:
        SourceError: if ``folder`` could not be opened (not a folder, no outcomes, a
            server data directory with broken settings); its ``__cause__`` says why.
    """
    root = Path(folder)
    if not root.is_dir():
        raise SourceError(f"{root} is not a folder")
    if options.as_of is None and (as_of := manifest_as_of(root)) is not None:
        # A folder's extract date, as its reports use (reports/builders/inputs.py).
        options = dataclasses.replace(options, as_of=as_of)
    cache = ContentCache.from_env() if cache is None else cache
    key = benchmark_key(cache, root, options, viewer_organisation_id)
    if key is not None:
        stored = _stored_text(cache, key)
        if stored is not None:
            return BenchmarkAnswer(text=stored)
    # Imported here: the statistics take a second or more to import.
    from peerbench.benchmarking.compute import compute
    from peerbench.benchmarking.disclose import controlled
    from peerbench.benchmarking.sources import open_source
    from peerbench.disclosure import DisclosurePolicy

    try:
        loaded = open_source(root)
    except (OSError, ValueError) as exc:
        raise SourceError(str(exc)) from exc
    raw = compute(
        loaded.source, options, service_use=loaded.service_use, generated_from=loaded.description
    )
    policy = options.disclosure_policy or DisclosurePolicy()
    answer = BenchmarkAnswer(
        result=controlled(raw, policy, viewer_organisation_id=viewer_organisation_id)
    )
    if key is not None:
        cache.put(NAMESPACE, key, answer.json_text.encode("utf-8"), ".json")
        prune(cache, max_bytes(), keep=key)
    return answer
