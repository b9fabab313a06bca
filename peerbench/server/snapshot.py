"""Reading the current pool: one plan per read, over a compacted snapshot and recent files.

The pooled store keeps one file per submission and record type
(:mod:`peerbench.server.store`); at national scale that is thousands of small files. A
**snapshot** of a record type is a few large files (*segments*), each holding the
current rows of a contiguous range of organisations, sorted by organisation and
period, with the lineage columns kept (:class:`~peerbench.server.db.models.PoolSegment`).
Each segment lists the :class:`~peerbench.server.db.models.PoolVersion` ids it was built
from, per organisation, so a reader can tell which organisations changed since.

:func:`plan_read` gives a :class:`PoolRead`: the segments to open (filtered to the
organisations still unchanged) and the current files of the organisations that changed,
in the order the per-file read gives (organisation, then period, then the file's own
row order). The snapshot read therefore equals the per-file read row for row at every
moment, whether or not compaction has caught up. Compaction itself lives in
:mod:`peerbench.server.compaction`.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from peerbench.server.db.models import PoolSegment, PoolVersion
from peerbench.server.store import SNAPSHOT_FOLDER as SNAPSHOT_FOLDER

if TYPE_CHECKING:
    from peerbench.server.store import PooledStore

SEGMENT_CACHE = 1024
"""Parsed segments a store keeps (a few per record type are current at a time)."""
DIRECT_FILES = 16
"""A read of at most this many current files opens them directly, not the snapshot."""

Sources = dict[str, list[int]]
"""``organisation → ids of the current PoolVersion rows`` whose rows a read holds."""


@dataclass(frozen=True)
class Segment:
    """A current snapshot segment, as the planner sees it."""

    id: int
    lower: str
    path: str
    versions: Sources
    rows: dict[str, int]

    @classmethod
    def from_manifest(cls, id: int, lower: str, path: str, manifest: dict[str, Any]) -> Segment:
        """A segment from its database row (``versions`` is ``{"versions": …, "rows": …}``)."""
        versions = {
            str(o): [int(v) for v in ids] for o, ids in manifest.get("versions", {}).items()
        }
        rows = {str(o): int(n) for o, n in manifest.get("rows", {}).items()}
        return cls(id, lower, path, versions, rows)


@dataclass(frozen=True)
class FilesBlock:
    """Whole current files read in this order (one organisation's, or a run of them)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class SliceBlock:
    """Rows ``start`` to ``start + length`` of segment read number ``segment``."""

    segment: int
    start: int
    length: int


@dataclass(frozen=True)
class SegmentRead:
    """One segment file, and the organisations of it to keep (None: every row)."""

    path: str
    keep: tuple[str, ...] | None


@dataclass(frozen=True)
class PoolRead:
    """What reading the current rows of one record type opens, in order.

    Made by :meth:`PooledStore.current_read`; reading it needs no database session.

    Attributes:
        store: The pooled store.
        record_type: e.g. ``"outcome"``.
        organisation_ids: The scope (None: every organisation; empty: none).
        segments: Snapshot segments read (store-relative paths and row filters).
        blocks: Pieces of the result, in order: whole current files, or slices of a
            segment read.
        sources: The pool versions whose rows the read holds, per organisation.
    """

    store: PooledStore
    record_type: str
    organisation_ids: frozenset[str] | None
    segments: tuple[SegmentRead, ...] = ()
    blocks: tuple[FilesBlock | SliceBlock, ...] = ()
    sources: Sources = field(default_factory=dict, repr=False, compare=False)

    @property
    def relative_paths(self) -> list[str]:
        """Every file the read opens (store-relative): segments first, then current files."""
        files = [s.path for s in self.segments]
        files += [p for b in self.blocks if isinstance(b, FilesBlock) for p in b.paths]
        return files

    @property
    def files_opened(self) -> int:
        """How many files the read opens."""
        return len(self.relative_paths)

    @property
    def whole_files(self) -> list[str] | None:
        """Absolute paths (or URIs) when the read is whole files concatenated, else None.

        True when no row filter is needed: every block is a whole current file or a
        whole segment. DuckDB, Ibis or :class:`~peerbench.aggregate.BenchmarkSource`
        can then read the files themselves (and key caches on them).
        """
        if any(s.keep is not None for s in self.segments):
            return None
        slices = [b.segment for b in self.blocks if isinstance(b, SliceBlock)]
        if len(slices) != len(set(slices)):
            return None  # a segment cut by another organisation's files: order matters
        whole: list[str] = []
        for block in self.blocks:
            if isinstance(block, FilesBlock):
                whole += block.paths
            else:
                whole.append(self.segments[block.segment].path)
        return [self.store.uri(p) for p in whole]

    def _dataset(self, relative: Sequence[str]) -> Any:
        from peerbench.server.store import pool_schema

        return pads.dataset(
            [self.store._full_path(p) for p in relative],
            schema=pool_schema(self.record_type),
            format="parquet",
            filesystem=self.store.filesystem,
        )

    def _read_segment(self, segment: SegmentRead, columns: list[str] | None) -> pa.Table:
        dataset = self._dataset([segment.path])
        if segment.keep is None:
            return dataset.to_table(columns=columns)
        keep = pa.array(list(segment.keep), pa.string())
        return dataset.to_table(columns=columns, filter=pc.field("_organisation_id").isin(keep))

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pa.Table]:
        """The result in pieces, in order (each piece a table in the pooled schema)."""
        wanted = list(columns) if columns is not None else None
        read: dict[int, pa.Table] = {}
        for block in self.blocks:
            if isinstance(block, FilesBlock):
                yield self._dataset(block.paths).to_table(columns=wanted)
                continue
            if block.segment not in read:
                read[block.segment] = self._read_segment(self.segments[block.segment], wanted)
            yield read[block.segment].slice(block.start, block.length)

    def table(self, columns: Sequence[str] | None = None) -> pa.Table:
        """The current rows (an empty table when there are none), pooled schema metadata."""
        from peerbench.server.store import pool_schema

        schema = pool_schema(self.record_type)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
        pieces = [piece for piece in self.batches(columns) if piece.num_rows]
        if not pieces:
            return schema.empty_table()
        return pa.concat_tables(pieces).replace_schema_metadata(schema.metadata)


def generation(session: Session) -> str:
    """A token of the current pool that changes exactly when it changes.

    Versions are only ever added (a supersession marks an older one in the same
    transaction that adds the newer), so their count grows with every accepted
    submission; the sum of the current ids changes with every supersession. Any two
    states a reader can see are nested, so equal tokens mean the same current pool.
    Compaction does not change it (the rows read stay the same).
    """
    current = func.coalesce(func.sum(case((PoolVersion.is_current, PoolVersion.id), else_=0)), 0)
    count, total = session.execute(select(func.count(PoolVersion.id), current)).one()
    return f"{int(count)}.{int(total)}"


def current_segments(
    session: Session, record_type: str, cache: dict[int, Segment] | None = None
) -> list[Segment]:
    """The current snapshot segments of ``record_type``, by their lower bound.

    Args:
        session: An open session.
        record_type: e.g. ``"outcome"``.
        cache: Segments already read, by id (a segment never changes once written, so
            a store keeps them: only new segments' manifests are fetched and parsed).
    """
    rows = session.execute(
        select(PoolSegment.id, PoolSegment.path).where(
            PoolSegment.record_type == record_type, PoolSegment.state == "current"
        )
    ).all()
    known = {} if cache is None else cache
    found = {r.id: known[r.id] for r in rows if r.id in known and known[r.id].path == r.path}
    missing = [r.id for r in rows if r.id not in found]
    if missing:
        fetched = session.execute(
            select(PoolSegment.id, PoolSegment.lower, PoolSegment.path, PoolSegment.versions).where(
                PoolSegment.id.in_(missing)
            )
        )
        for r in fetched:
            found[r.id] = Segment.from_manifest(r.id, r.lower, r.path, r.versions or {})
        if cache is not None:
            if len(cache) > SEGMENT_CACHE:
                cache.clear()
            cache.update({i: found[i] for i in missing if i in found})
    return sorted(found.values(), key=lambda s: s.lower)


@dataclass
class Current:
    """The current versions of one organisation, in period order."""

    ids: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    rows: int = 0


def current_versions(
    session: Session, record_type: str, organisation_ids: Collection[str] | None
) -> dict[str, Current]:
    """``organisation → its current versions`` (period order), organisations sorted."""
    statement = select(
        PoolVersion.id,
        PoolVersion.organisation_id,
        PoolVersion.period,
        PoolVersion.path,
        PoolVersion.rows,
    ).where(PoolVersion.record_type == record_type, PoolVersion.is_current.is_(True))
    if organisation_ids is not None:
        statement = statement.where(PoolVersion.organisation_id.in_(sorted(organisation_ids)))
    # Plain tuples through the connection (no ORM row processing): a national pool has
    # thousands of current versions per record type, and every read plans them.
    rows = list(session.connection().execute(statement))
    # Sorted here, not by the database: PostgreSQL's collation may not be byte order.
    rows.sort(key=itemgetter(1, 2))
    out: dict[str, Current] = {}
    for version, organisation, _period, path, count in rows:
        entry = out.get(organisation)
        if entry is None:
            entry = out[organisation] = Current()
        entry.ids.append(version)
        entry.paths.append(path)
        entry.rows += count
    return out


def is_clean(org: str, current: dict[str, Current], built: Sources) -> bool:
    """Whether a segment's rows of ``org`` (built from ``built``) are its current versions."""
    then = built.get(org)
    now = current.get(org)
    if then is None or now is None:
        return False
    return sorted(then) == sorted(now.ids)


def plan_read(
    store: PooledStore,
    session: Session,
    record_type: str,
    organisation_ids: Collection[str] | None = None,
    *,
    direct_files: int = DIRECT_FILES,
) -> PoolRead:
    """Plan reading the current rows of ``record_type`` for these organisations.

    Args:
        store: The pooled store.
        session: An open session (read only).
        record_type: e.g. ``"outcome"``.
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
        direct_files: Up to this many current files are opened directly.
    """
    scope = None if organisation_ids is None else frozenset(organisation_ids)
    if scope is not None and not scope:
        return PoolRead(store, record_type, scope)  # An empty scope means no data.
    current = current_versions(session, record_type, scope)
    files = [p for entry in current.values() for p in entry.paths]
    wanted = len(files) > direct_files
    segments = current_segments(session, record_type, store.segment_cache) if wanted else []
    if not segments:
        blocks: tuple[FilesBlock | SliceBlock, ...] = (FilesBlock(tuple(files)),) if files else ()
        sources = {org: list(entry.ids) for org, entry in current.items()}
        return PoolRead(store, record_type, scope, (), blocks, sources)
    return _plan_segments(store, record_type, scope, current, segments)


def segment_of(lowers: Sequence[str], organisation_id: str) -> int:
    """Index of the segment whose range holds ``organisation_id`` (lowers sorted, first "")."""
    return max(bisect.bisect_right(lowers, organisation_id) - 1, 0)


def _plan_segments(
    store: PooledStore,
    record_type: str,
    scope: frozenset[str] | None,
    current: dict[str, Current],
    segments: list[Segment],
) -> PoolRead:
    lowers = [s.lower for s in segments]
    in_range: list[set[str]] = [set() for _ in segments]
    for org in current:
        in_range[segment_of(lowers, org)].add(org)
    for index, segment in enumerate(segments):
        in_range[index].update(o for o in segment.versions if scope is None or o in scope)
    reads: list[SegmentRead] = []
    blocks: list[FilesBlock | SliceBlock] = []
    sources: Sources = {}
    for index, segment in enumerate(segments):
        orgs = sorted(in_range[index])
        clean = [o for o in orgs if is_clean(o, current, segment.versions)]
        if not clean:
            runs = [p for o in orgs if o in current for p in current[o].paths]
            sources.update({o: list(current[o].ids) for o in orgs if o in current})
            if runs:
                blocks.append(FilesBlock(tuple(runs)))
            continue
        every = set(segment.versions) == set(clean)
        reads.append(SegmentRead(segment.path, None if every else tuple(clean)))
        read_index, offset = len(reads) - 1, 0
        for org in orgs:
            if org in clean:
                rows = segment.rows.get(org, 0)
                sources[org] = list(segment.versions[org])
                last = blocks[-1] if blocks else None
                if isinstance(last, SliceBlock) and last.segment == read_index:
                    blocks[-1] = SliceBlock(read_index, last.start, last.length + rows)
                else:
                    blocks.append(SliceBlock(read_index, offset, rows))
                offset += rows
            elif org in current:
                sources[org] = list(current[org].ids)
                last = blocks[-1] if blocks else None
                if isinstance(last, FilesBlock):
                    blocks[-1] = FilesBlock(last.paths + tuple(current[org].paths))
                else:
                    blocks.append(FilesBlock(tuple(current[org].paths)))
    blocks = [b for b in blocks if not (isinstance(b, SliceBlock) and b.length == 0)]
    return PoolRead(store, record_type, scope, tuple(reads), tuple(blocks), sources)
