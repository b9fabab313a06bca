"""Building the compacted snapshot of the pool: incremental, atomic, never in a submission.

:func:`compact` rewrites only the segments whose organisations changed since they were
built (the first run builds them all), splitting a segment that grew past
:data:`SEGMENT_ROWS` at an organisation boundary. New segments are written first,
recorded ``building``, and swapped in by one transaction that retires the ones they
replace; a crash before the swap leaves the previous snapshot in force, and a
concurrent compaction that swapped first makes this one discard its work. Retired
segment files are deleted after :data:`GRACE`, so a reader that planned before the swap
can still open them. Readers are exact whatever compaction has done
(:mod:`peerbench.server.snapshot`).

The server runs it on its background worker after accepted submissions, once a read
would open :data:`COMPACT_AFTER` current files (:func:`request_compaction`); a pool
built another way (a bulk load through the library) runs :func:`compact_all`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from peerbench.aggregate.lineage import reduce_latest
from peerbench.io.atomic import atomic_path
from peerbench.io.parquet_layout import write_options
from peerbench.schema.records import RECORD_TYPES
from peerbench.server.activation import lock_period
from peerbench.server.db.models import PoolSegment, PoolVersion
from peerbench.server.db.session import Database
from peerbench.server.snapshot import (
    SNAPSHOT_FOLDER,
    Current,
    Segment,
    Sources,
    current_segments,
    current_versions,
    is_clean,
    plan_read,
    segment_of,
)
from peerbench.server.snapshot_versions import latest_path, manifest, unreduced
from peerbench.server.store import PooledStore

log = logging.getLogger("peerbench.server")

COMPACT_AFTER = 32
"""Compact a record type once a whole-pool read would open this many current files."""
SEGMENT_ROWS = 500_000
"""A segment is split at an organisation boundary when it grows past this many rows."""
ROW_GROUP = 65_536
"""Rows per Parquet row group of a segment: sorted by organisation, so a read scoped to
some organisations skips the row groups of the others (their min/max statistics)."""
GRACE = dt.timedelta(minutes=10)
"""How long a replaced segment's file stays for readers that planned before the swap."""


@dataclass(frozen=True)
class Compacted:
    """What one :func:`compact` run did for one record type."""

    record_type: str
    rewritten: int
    written: int
    rows: int
    swapped: bool


@dataclass(frozen=True)
class _Work:
    """One range of organisations to rewrite: the segment it replaces (None: first build)."""

    old: Segment | None
    lower: str
    organisations: tuple[str, ...]


def _first_build(current: dict[str, Current], limit: int) -> list[_Work]:
    """Organisations in order, cut into ranges of about ``limit`` rows (by PoolVersion.rows)."""
    work: list[_Work] = []
    group: list[str] = []
    rows = 0
    for org, entry in current.items():
        if group and rows + entry.rows > limit:
            work.append(_Work(None, group[0] if work else "", tuple(group)))
            group, rows = [], 0
        group.append(org)
        rows += entry.rows
    if group:
        work.append(_Work(None, group[0] if work else "", tuple(group)))
    return work


def _stale(
    store: PooledStore, session: Session, record_type: str, limit: int
) -> tuple[list[_Work], dict[str, Current]]:
    segments = current_segments(session, record_type, store.segment_cache)
    current = current_versions(session, record_type, None)
    if not segments:
        return _first_build(current, limit), current
    lowers = [s.lower for s in segments]
    ranges: list[set[str]] = [set(s.versions) for s in segments]
    for org in current:
        ranges[segment_of(lowers, org)].add(org)
    work = []
    for segment, orgs in zip(segments, ranges, strict=True):
        # A segment built before reduced forms were kept is rebuilt once to gain one.
        if segment.latest is None or any(not is_clean(o, current, segment.versions) for o in orgs):
            work.append(_Work(segment, segment.lower, tuple(sorted(orgs))))
    return work, current


def _chunks(table: pa.Table, lower: str, limit: int) -> list[tuple[str, pa.Table]]:
    """``table`` (sorted by organisation) cut into pieces of about ``limit`` rows."""
    if table.num_rows <= limit:
        return [(lower, table)]
    orgs = table.column("_organisation_id")
    run_ends = pc.run_end_encode(orgs.combine_chunks()).run_ends.to_pylist()
    pieces: list[tuple[str, pa.Table]] = []
    start = 0
    for end in run_ends:
        if end - start >= limit or end == table.num_rows:
            first = lower if not pieces else str(orgs[start].as_py())
            pieces.append((first, table.slice(start, end - start)))
            start = end
    return pieces


def _write(store: PooledStore, relative: str, table: pa.Table) -> None:
    """Write one segment in the pool's Parquet layout, in row groups of ``ROW_GROUP`` rows."""
    options = {**write_options(table), "row_group_size": ROW_GROUP}
    if store.is_local:
        with atomic_path(Path(store._full_path(relative))) as tmp:
            pq.write_table(table, tmp, **options)
    else:
        store.filesystem.create_dir(store._full_path(relative).rsplit("/", 1)[0])
        pq.write_table(table, store._full_path(relative), filesystem=store.filesystem, **options)


def compact(
    store: PooledStore,
    db: Database,
    record_type: str,
    *,
    now: dt.datetime,
    segment_rows: int = SEGMENT_ROWS,
) -> Compacted:
    """Bring the snapshot of ``record_type`` up to date with the current pool.

    Args:
        store: The pooled store.
        db: The server database (several short transactions are used).
        record_type: e.g. ``"outcome"``.
        now: The time recorded on new and retired segments (for :func:`collect`).
        segment_rows: Split segments larger than this.
    """
    with db.session() as session:
        work, current = _stale(store, session, record_type, segment_rows)
    new: list[int] = []
    rows = 0
    for item in work:  # one range at a time: memory holds one segment, not the pool
        with db.session() as session:
            # The old segment for unchanged organisations, files for the others: the
            # versions _stale saw (a newer one makes the new segment stale at once).
            read = plan_read(store, session, record_type, item.organisations,
                             direct_files=-1, current=current)  # fmt: skip
        # The old segment's reduced form is reduced again with the changed files, not
        # every copy (each record once per organisation: what benchmarks read).
        table, reducing = read.table_and_reduced()
        reduced_all = reduce_latest(table if reducing is None else reducing, record_type)
        sources = read.sources
        pieces = _chunks(table, item.lower, segment_rows)
        lowers = [first for first, _ in pieces]
        # Every organisation is recorded in the piece whose range holds it, rows or none.
        held: list[Sources] = [{} for _ in pieces]
        for org, ids in sources.items():
            held[segment_of(lowers, org)][org] = ids
        for (first, piece), own in zip(pieces, held, strict=True):
            reduced = reduced_all
            if len(pieces) > 1:
                orgs = pc.unique(piece.column("_organisation_id"))
                reduced = reduced_all.filter(pc.is_in(reduced_all.column("_organisation_id"), orgs))
            with db.session() as session:
                row = PoolSegment(record_type=record_type, lower=first, path="",
                                  rows=piece.num_rows, versions=manifest(piece, own, reduced),
                                  state="building", created_at=now)  # fmt: skip
                session.add(row)
                session.flush()
                row.path = f"{SNAPSHOT_FOLDER}/{record_type}/segment-{row.id}.parquet"
                segment_id, path = row.id, row.path
            # Both written before the swap makes the segment current: a reader never
            # sees one without the other.
            if reduced.num_rows != piece.num_rows:
                _write(store, latest_path(path), reduced)
            _write(store, path, piece)
            new.append(segment_id)
            rows += piece.num_rows
        del table, pieces, reducing, reduced_all
    if not work:
        return Compacted(record_type, 0, 0, 0, swapped=False)
    old = [w.old.id for w in work if w.old is not None]
    swapped = _swap(db, record_type, old, new, now)
    return Compacted(record_type, len(work), len(new), rows, swapped)


def _swap(db: Database, record_type: str, old: list[int], new: list[int], now: dt.datetime) -> bool:
    """Make ``new`` current and ``old`` retired in one transaction, if nothing moved."""
    with db.session() as session:
        lock_period(session, "_snapshot", record_type)
        still = session.scalars(
            select(PoolSegment.id).where(PoolSegment.id.in_(old), PoolSegment.state == "current")
        ).all()
        first_build = not old
        others = session.scalar(
            select(PoolSegment.id).where(
                PoolSegment.record_type == record_type, PoolSegment.state == "current"
            )
        )
        if len(still) != len(old) or (first_build and others is not None):
            session.execute(
                update(PoolSegment)
                .where(PoolSegment.id.in_(new))
                .values(state="retired", retired_at=now)
            )
            log.info("snapshot of %s changed during compaction; discarded", record_type)
            return False
        session.execute(
            update(PoolSegment)
            .where(PoolSegment.id.in_(old))
            .values(state="retired", retired_at=now)
        )
        session.execute(update(PoolSegment).where(PoolSegment.id.in_(new)).values(state="current"))
    return True


def collect(
    store: PooledStore, db: Database, *, now: dt.datetime, grace: dt.timedelta = GRACE
) -> list[str]:
    """Delete segments retired (or left ``building`` by a crash) longer than ``grace`` ago."""
    cutoff = now - grace
    with db.session() as session:
        stale = session.execute(
            select(PoolSegment.id, PoolSegment.path).where(
                or_(
                    (PoolSegment.state == "retired") & (PoolSegment.retired_at < cutoff),
                    (PoolSegment.state == "building") & (PoolSegment.created_at < cutoff),
                )
            )
        ).all()
        # A reduced form goes with its segment (there is none when nothing was reduced).
        files = [p for r in stale if r.path for p in (r.path, latest_path(r.path))]
        removed = [path for path in files if store.delete(path)]
        if stale:
            session.execute(delete(PoolSegment).where(PoolSegment.id.in_([r.id for r in stale])))
    return sorted(removed)


def compact_all(
    store: PooledStore,
    db: Database,
    *,
    now: dt.datetime,
    segment_rows: int = SEGMENT_ROWS,
) -> list[Compacted]:
    """:func:`compact` every record type, then :func:`collect`."""
    done = [compact(store, db, rt, now=now, segment_rows=segment_rows) for rt in RECORD_TYPES]
    collect(store, db, now=now)
    return done


def stale_files(store: PooledStore, session: Session, record_type: str) -> int:
    """About how many current files of ``record_type`` are not in its snapshot (all without).

    Counts current versions newer than the newest one the snapshot holds: one indexed
    count, whatever the pool's size. It decides only *when* to compact (a version
    committed out of id order is counted late); reads are exact whatever it says.
    """
    newest = max(
        (max(ids) for s in current_segments(session, record_type, store.segment_cache)
         for ids in s.versions.values() if ids),
        default=0,
    )  # fmt: skip
    count = session.scalar(
        select(func.count(PoolVersion.id)).where(
            PoolVersion.record_type == record_type,
            PoolVersion.is_current.is_(True),
            PoolVersion.id > newest,
        )
    )
    return int(count or 0)


def compact_stale(
    store: PooledStore,
    db: Database,
    *,
    now: dt.datetime,
    min_files: int = COMPACT_AFTER,
    segment_rows: int = SEGMENT_ROWS,
) -> list[Compacted]:
    """:func:`compact` the record types whose reads open ``min_files`` or more current files."""
    with db.session() as session:
        due = [
            rt
            for rt in RECORD_TYPES
            if stale_files(store, session, rt) >= min_files or unreduced(session, rt, store)
        ]
    done = [compact(store, db, rt, now=now, segment_rows=segment_rows) for rt in due]
    collect(store, db, now=now)
    return done


def refresh(store: PooledStore, db: Database, *, now: dt.datetime) -> list[Compacted]:
    """Bring the snapshot up to date before a read outside the server (e.g. the CLI).

    A record type is compacted when a read of it would open :data:`COMPACT_AFTER`
    current files, or any once it has a snapshot: a read of whole files (no row filter)
    lets DuckDB read them and the scored-outcome cache key on them, so the next run
    over an unchanged pool is warm. A small pool never compacted (fewer files) is left
    as it is. Never raises: a store or database that cannot be written is read as is.
    """
    try:
        with db.session() as session:
            due = []
            for record_type in RECORD_TYPES:
                stale = stale_files(store, session, record_type)
                has_snapshot = bool(current_segments(session, record_type, store.segment_cache))
                old = unreduced(session, record_type, store)
                if stale >= COMPACT_AFTER or (stale and has_snapshot) or old:
                    due.append(record_type)
        done = [compact(store, db, rt, now=now) for rt in due]
        collect(store, db, now=now)
    except Exception:
        log.warning("could not bring the pool's snapshot up to date; reading it as it is",
                    exc_info=True)  # fmt: skip
        return []
    return done


_state: weakref.WeakKeyDictionary[PooledStore, str] = weakref.WeakKeyDictionary()
"""Per store: a run is ``queued``, ``running``, or running and wanted ``again``."""
_state_lock = threading.Lock()


def request_compaction(
    store: PooledStore,
    db: Database,
    now: Callable[[], dt.datetime],
    background: Callable[..., Any],
) -> bool:
    """Ask for :func:`compact_stale` on ``background`` (the server's worker); returns at once.

    Requests coalesce: while a run for this store is queued, nothing more is queued;
    while one runs, it runs once more when it ends. A submission never waits for it.
    Returns whether a run was queued now.
    """
    key = store
    with _state_lock:
        if key in _state:
            if _state[key] == "running":
                _state[key] = "again"
            return False
        _state[key] = "queued"
    background(_run, store, db, now)
    return True


def _run(store: PooledStore, db: Database, now: Callable[[], dt.datetime]) -> None:
    key = store
    while True:
        with _state_lock:
            _state[key] = "running"
        try:
            compact_stale(store, db, now=now())
        except Exception:
            log.exception("snapshot compaction failed; reads use the current files meanwhile")
        with _state_lock:
            if _state.get(key) != "again":
                _state.pop(key, None)
                return
