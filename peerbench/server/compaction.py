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
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from peerbench.io.atomic import atomic_path
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.records import RECORD_TYPES
from peerbench.server.activation import lock_period
from peerbench.server.db.models import PoolSegment
from peerbench.server.db.session import Database
from peerbench.server.snapshot import (
    SNAPSHOT_FOLDER,
    FilesBlock,
    Segment,
    Sources,
    current_segments,
    current_versions,
    is_clean,
    plan_read,
    segment_of,
)
from peerbench.server.store import PooledStore

log = logging.getLogger("peerbench.server")

COMPACT_AFTER = 32
"""Compact a record type once a whole-pool read would open this many current files."""
SEGMENT_ROWS = 500_000
"""A segment is split at an organisation boundary when it grows past this many rows."""
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


def _stale(session: Session, record_type: str) -> tuple[list[Segment], list[_Work]]:
    segments = current_segments(session, record_type)
    current = current_versions(session, record_type, None)
    if not segments:
        return [], [_Work(None, "", tuple(current))] if current else []
    lowers = [s.lower for s in segments]
    ranges: list[set[str]] = [set(s.versions) for s in segments]
    for org in current:
        ranges[segment_of(lowers, org)].add(org)
    work = []
    for segment, orgs in zip(segments, ranges, strict=True):
        if any(not is_clean(o, current, segment.versions) for o in orgs):
            work.append(_Work(segment, segment.lower, tuple(sorted(orgs))))
    return segments, work


def _manifest(table: pa.Table, sources: Sources) -> dict[str, Any]:
    """A segment's record of what it holds: version ids and row count per organisation."""
    counts = table.group_by("_organisation_id").aggregate([([], "count_all")]).to_pylist()
    rows = {str(c["_organisation_id"]): int(c["count_all"]) for c in counts}
    return {
        "versions": {org: list(ids) for org, ids in sorted(sources.items())},
        "rows": {org: rows.get(org, 0) for org in sorted(sources)},
    }


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
    if store.is_local:
        with atomic_path(Path(store._full_path(relative))) as tmp:
            write_parquet(table, tmp)
    else:
        store.filesystem.create_dir(store._full_path(relative).rsplit("/", 1)[0])
        write_parquet(table, store._full_path(relative), filesystem=store.filesystem)


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
    new: list[tuple[int, str, int]] = []
    with db.session() as session:
        _, work = _stale(session, record_type)
        if not work:
            return Compacted(record_type, 0, 0, 0, swapped=False)
        built: list[tuple[_Work, pa.Table, Sources]] = []
        for item in work:
            if item.old is None:  # the first build: every current file, no snapshot yet
                read = plan_read(store, session, record_type, None, direct_files=2**62)
            else:
                read = plan_read(store, session, record_type, item.organisations, direct_files=-1)
            built.append((item, read.table(), read.sources))
    rows = 0
    for item, table, sources in built:
        pieces = _chunks(table, item.lower, segment_rows)
        lowers = [first for first, _ in pieces]
        # Every organisation is recorded in the piece whose range holds it, rows or none.
        held: list[Sources] = [{} for _ in pieces]
        for org, ids in sources.items():
            held[segment_of(lowers, org)][org] = ids
        for (first, piece), own in zip(pieces, held, strict=True):
            with db.session() as session:
                row = PoolSegment(record_type=record_type, lower=first, path="",
                                  rows=piece.num_rows, versions=_manifest(piece, own),
                                  state="building", created_at=now)  # fmt: skip
                session.add(row)
                session.flush()
                row.path = f"{SNAPSHOT_FOLDER}/{record_type}/segment-{row.id}.parquet"
                segment_id, path = row.id, row.path
            _write(store, path, piece)
            new.append((segment_id, path, piece.num_rows))
            rows += piece.num_rows
    swapped = _swap(db, record_type, [w.old.id for w, *_ in built if w.old is not None],
                    [n[0] for n in new], now)  # fmt: skip
    return Compacted(record_type, len(built), len(new), rows, swapped)


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
        removed = [row.path for row in stale if row.path and store.delete(row.path)]
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
    """How many current files a read of the whole pool opens besides the snapshot's."""
    read = plan_read(store, session, record_type, None, direct_files=-1)
    return sum(len(block.paths) for block in read.blocks if isinstance(block, FilesBlock))


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
        due = [rt for rt in RECORD_TYPES if stale_files(store, session, rt) >= min_files]
    done = [compact(store, db, rt, now=now, segment_rows=segment_rows) for rt in due]
    collect(store, db, now=now)
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
