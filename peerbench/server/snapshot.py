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

Beside each segment, compaction keeps its **reduced form**: each record once per
organisation (and ``subject``), its latest copy labelled with its first period
(:func:`~peerbench.aggregate.lineage.reduce_latest`), a fraction of a cumulative pool's
rows. :meth:`PoolRead.latest` reads those and equals ``latest_rows`` of :meth:`PoolRead.table`.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
from sqlalchemy.orm import Session

from peerbench.server.snapshot_versions import SEGMENT_CACHE as SEGMENT_CACHE
from peerbench.server.snapshot_versions import Current as Current
from peerbench.server.snapshot_versions import Segment as Segment
from peerbench.server.snapshot_versions import Sources as Sources
from peerbench.server.snapshot_versions import current_segments as current_segments
from peerbench.server.snapshot_versions import current_versions as current_versions
from peerbench.server.snapshot_versions import generation as generation
from peerbench.server.snapshot_versions import identity_of, reduced_schema
from peerbench.server.snapshot_versions import is_clean as is_clean
from peerbench.server.snapshot_versions import latest_path as latest_path
from peerbench.server.store import SNAPSHOT_FOLDER as SNAPSHOT_FOLDER
from peerbench.server.store import pool_schema

if TYPE_CHECKING:
    from peerbench.server.store import PooledStore

DIRECT_FILES = 16
"""A read of at most this many current files opens them directly, not the snapshot."""


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
    latest_start: int = 0
    """Where the same organisations' rows start in the segment's reduced form."""
    latest_length: int = 0


@dataclass(frozen=True)
class SegmentRead:
    """One segment file, and the organisations of it to keep (None: every row)."""

    path: str
    keep: tuple[str, ...] | None
    latest: str | None = None
    """Its reduced form (a file written by compaction, or ``path`` itself when nothing
    was reduced); None when the segment was built without one."""


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
    identity: str = field(default="", repr=False, compare=False)
    """A digest of the current versions read (ids and paths): equal identities, equal rows."""

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

    def _dataset(self, relative: Sequence[str], schema: pa.Schema | None = None) -> Any:
        return pads.dataset(
            [self.store._full_path(p) for p in relative],
            schema=schema or pool_schema(self.record_type),
            format="parquet",
            filesystem=self.store.filesystem,
        )

    def _read_segment(
        self, segment: SegmentRead, columns: list[str] | None, *, reduced: bool = False
    ) -> pa.Table:
        path, schema = segment.path, None
        if reduced and segment.latest != segment.path:
            path, schema = str(segment.latest), reduced_schema(self.record_type)
        dataset = self._dataset([path], schema)
        if segment.keep is None:
            return dataset.to_table(columns=columns)
        keep = pa.array(list(segment.keep), pa.string())
        return dataset.to_table(columns=columns, filter=pc.field("_organisation_id").isin(keep))

    @property
    def reducible(self) -> bool:
        """Whether every segment read has a reduced form (:meth:`reduced`)."""
        return all(s.latest is not None for s in self.segments)

    def reduced(self, files: Sequence[pa.Table] | None = None) -> pa.Table:
        """The rows in reduced form (:func:`~peerbench.aggregate.lineage.reduce_latest`):
        segments' reduced forms and whole current files, in read order.

        :func:`~peerbench.aggregate.lineage.latest_of_reduced` of it (or of its rows of
        some organisations or ``subject``) equals ``latest_rows`` of the same rows of
        :meth:`table`, and reads a fraction of a cumulative pool's rows.

        Args:
            files: The files blocks' tables, already read (else they are read now).

        Raises:
            ValueError: a segment read has no reduced form (``reducible`` is False).
        """
        from peerbench.aggregate.lineage import as_reduced

        if not self.reducible:
            raise ValueError("a segment of this read was built without its reduced form")
        schema = reduced_schema(self.record_type)
        read: dict[int, pa.Table] = {}
        pieces = []
        given = iter(files) if files is not None else None
        for block in self.blocks:
            if isinstance(block, FilesBlock):
                whole = next(given) if given is not None else self._dataset(block.paths).to_table()
                pieces.append(as_reduced(whole))
                continue
            if block.segment not in read:
                segment = self.segments[block.segment]
                table = self._read_segment(segment, None, reduced=True)
                read[block.segment] = table if segment.latest != segment.path else as_reduced(table)
            pieces.append(read[block.segment].slice(block.latest_start, block.latest_length))
        pieces = [p for p in pieces if p.num_rows]
        if not pieces:
            return schema.empty_table()
        return pa.concat_tables(pieces).replace_schema_metadata(schema.metadata)

    def table_and_reduced(self) -> tuple[pa.Table, pa.Table | None]:
        """:meth:`table`, and :meth:`reduced` when it has segments that all have one,
        each current file read once (for compaction)."""
        pieces = list(self.batches())
        table = _joined(pieces, pool_schema(self.record_type))
        if not self.segments or not self.reducible:
            return table, None
        blocks = zip(pieces, self.blocks, strict=True)
        return table, self.reduced([p for p, b in blocks if isinstance(b, FilesBlock)])

    def latest(self) -> pa.Table:
        """``latest_rows(self.table(), record_type)``, read from the reduced forms when
        every segment has one (:meth:`reduced`)."""
        from peerbench.aggregate.lineage import latest_of_reduced, latest_rows

        if not self.reducible:
            return latest_rows(self.table(), self.record_type)
        return latest_of_reduced(self.reduced(), self.record_type)

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
        schema = pool_schema(self.record_type)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
        return _joined(list(self.batches(columns)), schema)


def _joined(pieces: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """The non-empty ``pieces`` concatenated (an empty table when none), ``schema``'s metadata."""
    pieces = [piece for piece in pieces if piece.num_rows]
    if not pieces:
        return schema.empty_table()
    return pa.concat_tables(pieces).replace_schema_metadata(schema.metadata)


def plan_read(
    store: PooledStore,
    session: Session,
    record_type: str,
    organisation_ids: Collection[str] | None = None,
    *,
    direct_files: int = DIRECT_FILES,
    current: dict[str, Current] | None = None,
) -> PoolRead:
    """Plan reading the current rows of ``record_type`` for these organisations.

    Args:
        store: The pooled store.
        session: An open session (read only).
        record_type: e.g. ``"outcome"``.
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
        direct_files: Up to this many current files are opened directly.
        current: The current versions, already fetched (compaction's, of every
            organisation): the read is planned, and says it holds, exactly these.
    """
    scope = None if organisation_ids is None else frozenset(organisation_ids)
    if scope is not None and not scope:
        # An empty scope means no data.
        return PoolRead(store, record_type, scope, identity=identity_of(record_type, {}))
    if current is None:
        current = current_versions(session, record_type, scope)
    elif scope is not None:
        current = {org: entry for org, entry in current.items() if org in scope}
    files = [p for entry in current.values() for p in entry.paths]
    wanted = len(files) > direct_files
    segments = current_segments(session, record_type, store.segment_cache) if wanted else []
    if not segments:
        blocks: tuple[FilesBlock | SliceBlock, ...] = (FilesBlock(tuple(files)),) if files else ()
        sources = {org: list(entry.ids) for org, entry in current.items()}
        identity = identity_of(record_type, current)
        return PoolRead(store, record_type, scope, (), blocks, sources, identity)
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
        clean_set = set(clean)  # membership below, once per organisation
        reduced = None
        if segment.latest is not None:
            reduced = latest_path(segment.path) if segment.reduced_file else segment.path
        reads.append(SegmentRead(segment.path, None if every else tuple(clean), reduced))
        read_index, offset, at = len(reads) - 1, 0, 0
        for org in orgs:
            if org in clean_set:
                rows = segment.rows.get(org, 0)
                fewer = rows if segment.latest is None else segment.latest.get(org, 0)
                sources[org] = list(segment.versions[org])
                last = blocks[-1] if blocks else None
                if isinstance(last, SliceBlock) and last.segment == read_index:
                    grown = (last.length + rows, last.latest_start, last.latest_length + fewer)
                    blocks[-1] = SliceBlock(read_index, last.start, *grown)
                else:
                    blocks.append(SliceBlock(read_index, offset, rows, at, fewer))
                offset += rows
                at += fewer
            elif org in current:
                sources[org] = list(current[org].ids)
                last = blocks[-1] if blocks else None
                if isinstance(last, FilesBlock):
                    blocks[-1] = FilesBlock(last.paths + tuple(current[org].paths))
                else:
                    blocks.append(FilesBlock(tuple(current[org].paths)))
    blocks = [b for b in blocks if not (isinstance(b, SliceBlock) and b.length == 0)]
    identity = identity_of(record_type, current)
    return PoolRead(store, record_type, scope, tuple(reads), tuple(blocks), sources, identity)
