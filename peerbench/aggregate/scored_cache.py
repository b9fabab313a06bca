"""Scored outcomes, scored once per source and kept on disk between runs.

Scoring ten million outcome rows takes seconds, and a benchmark, a report and an API
request over an unchanged pool all need the same scored table. :func:`scored_outcomes`
keeps it in the source's memory for the run and, when the source names a cache folder
(a local pooled store does: :attr:`peerbench.server.store.PooledStore.scored_cache_dir`),
as Parquet between runs.

The file's name is a SHA-256 of everything the scores depend on: :data:`CACHE_VERSION`,
the instrument definitions, and each input file's resolved path, size and modification
time (services, participants, engagements, outcomes: outcome lineage reads services),
or, for a table read from the pooled store, the ids and paths of the pooled versions it
holds (:attr:`BenchmarkSource.identity`; a version's file never changes).
A new submission is a new file, so it gives a new name; an entry that no longer matches
is never read, and only the newest :data:`KEEP` entries are kept. Sources held in
memory, or on an object store, are scored every run.

The entry is written in a background thread while the benchmark goes on (compressing a
million scored rows is about a second of CPU that the aggregation need not wait for).
The thread is not a daemon, so the interpreter waits for it before a process ends, and
the file appears whole or not at all (:func:`peerbench.io.atomic.atomic_path`);
:func:`wait_for_writes` waits for it sooner.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa

from peerbench.aggregate.scoring import read_scored, score_outcomes
from peerbench.aggregate.sources import BenchmarkSource
from peerbench.aggregate.subjects import participant_rows
from peerbench.io.atomic import atomic_path
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.instruments import InstrumentRegistry, default_registry

logger = logging.getLogger(__name__)

CACHE_VERSION = "2"
"""Bump when scoring changes what it writes, so older entries are no longer read."""
KEEP = 8
"""Cache entries kept (the newest); older ones are deleted when a new one is written."""
_MEMO = "__scored__"


def registry_fingerprint(registry: InstrumentRegistry) -> str:
    """A digest of every instrument definition in ``registry`` (order-independent)."""
    definitions = sorted((d.model_dump(mode="json") for d in registry), key=lambda d: d["code"])
    text = json.dumps(definitions, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


SCORING_INPUTS = ("service", "participant", "engagement", "outcome")
"""The record types scored outcomes are made from (outcome lineage reads services)."""


def cache_key(source: BenchmarkSource, registry: InstrumentRegistry) -> str | None:
    """The cache name for ``source``'s scores, or None when its inputs are not local files."""
    parts = [CACHE_VERSION, registry_fingerprint(registry)]
    for record_type in SCORING_INPUTS:
        given = source.data.get(record_type, [])
        known = source.identity.get(record_type)
        if known is not None:  # pooled versions, whatever form they were read in
            parts.append(f"{record_type}|pool|{known}")
            continue
        if isinstance(given, pa.Table):
            return None
        for name in sorted(str(p) for p in given):
            if "://" in name and not name.startswith("file://"):
                return None
            path = Path(name.removeprefix("file://"))
            try:
                stat = path.stat()
            except OSError:
                return None
            parts.append(f"{record_type}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def scored_outcomes(
    source: BenchmarkSource, registry: InstrumentRegistry | None = None
) -> pa.Table:
    """``source``'s outcomes scored for the engine (:func:`score_outcomes` ``compact``:
    :data:`~peerbench.aggregate.scoring.ENGINE_SCHEMA`), from the cache when it can.

    Args:
        source: The benchmark source; its ``cache_dir``, if any, holds the disk cache.
        registry: Instrument definitions (default: built-ins).
    """
    registry = registry or default_registry()
    memo = (_MEMO, registry_fingerprint(registry))
    cached = source.memo.get(memo)
    if cached is not None:
        return cached
    folder = source.cache_dir
    key = None if folder is None else cache_key(source, registry)
    name = f"scored-{key}.parquet"
    scored = None if folder is None or key is None else _cached(folder / name)
    if scored is None:
        # The raw outcomes (with their item lists) are read for scoring only: not kept.
        # Participants' questionnaires only (a worker's own wellbeing is not an outcome
        # of the support: peerbench.aggregate.subjects), chosen by a mask rather than a
        # filtered copy of the whole table.
        raw = source.read("outcome", keep=False)
        scored = score_outcomes(raw, registry, rows=participant_rows(raw), compact=True)
        del raw  # freed before the write below begins, not when this function returns
        if folder is not None and key is not None:
            _write_later(scored, folder, name)
    source.memo[memo] = scored
    return scored


def with_period(table: pa.Table, label: str) -> pa.Table:
    """``table`` (scored or pooled) with every ``_period`` set to ``label``: one period.

    A dictionary-encoded column (the scored table's) stays one: a one-entry dictionary.
    """
    index = table.schema.get_field_index("_period")
    field = table.schema.field(index)
    if pa.types.is_dictionary(field.type):
        codes = pa.array(np.zeros(table.num_rows, np.int32))
        column = pa.DictionaryArray.from_arrays(codes, pa.array([label], pa.string()))
        return table.set_column(index, field, column)
    return table.set_column(index, "_period", pa.repeat(pa.scalar(label), table.num_rows))


def _cached(path: Path) -> pa.Table | None:
    """The entry at ``path``: still in memory while it is being written, else from disk."""
    pending = _being_written(path)
    return pending if pending is not None else _read(path)


def _read(path: Path) -> pa.Table | None:
    if not path.is_file():
        return None
    try:
        return read_scored(path)
    except (OSError, pa.ArrowException) as exc:  # damaged: score again and replace it
        logger.warning("scored cache %s is unreadable (%s); scoring again", path, exc)
        return None


_writing: dict[Path, tuple[threading.Thread, pa.Table]] = {}
"""Entries being written, with their table: a run that wants one meanwhile takes the
table rather than scoring again."""
_writing_lock = threading.Lock()


def _being_written(path: Path) -> pa.Table | None:
    with _writing_lock:
        found = _writing.get(path)
    return None if found is None else found[1]


def _write_later(scored: pa.Table, folder: Path, name: str) -> None:
    """Write the entry in a (non-daemon) thread: the caller goes on computing."""
    path = folder / name

    def work() -> None:
        try:
            _write(scored, folder, name)
        finally:
            with _writing_lock:
                _writing.pop(path, None)

    thread = threading.Thread(target=work, name="peerbench-scored-cache", daemon=False)
    with _writing_lock:
        _writing[path] = (thread, scored)
    thread.start()


def wait_for_writes() -> None:
    """Wait until every scored-cache entry started by this process is on disk (or failed)."""
    with _writing_lock:
        pending = [thread for thread, _ in _writing.values()]
    for thread in pending:
        thread.join()


def _write(scored: pa.Table, folder: Path, name: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / name) as tmp:
            write_parquet(scored, tmp)
        entries = sorted(folder.glob("scored-*.parquet"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, pa.ArrowException) as exc:  # a read-only or full disk: it only saves time
        logger.warning("could not write the scored cache in %s (%s)", folder, exc)
