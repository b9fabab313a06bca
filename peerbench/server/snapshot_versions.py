"""The database side of the snapshot: segments, current versions, the pool's token.

Split from :mod:`peerbench.server.snapshot` (which re-exports these names): what a read
plan and compaction learn from the database, and where a segment's reduced form lives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from peerbench.server.db.models import PoolSegment, PoolVersion

if TYPE_CHECKING:
    from peerbench.server.store import PooledStore

SEGMENT_CACHE = 1024
"""Parsed segments a store keeps (a few per record type are current at a time)."""

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
    latest: dict[str, int] | None = None
    """Rows per organisation in its reduced form (None: a segment built without one)."""
    reduced_file: bool = False
    """The reduced form is its own file (:func:`latest_path`); else the segment itself."""

    @classmethod
    def from_manifest(cls, id: int, lower: str, path: str, manifest: dict[str, Any]) -> Segment:
        """A segment from its database row (``versions`` is ``{"versions": …, "rows": …}``,
        plus ``"latest"`` and ``"reduced_file"`` when its reduced form was recorded)."""
        versions = {str(o): list(map(int, ids)) for o, ids in manifest.get("versions", {}).items()}
        rows = {str(o): int(n) for o, n in manifest.get("rows", {}).items()}
        found = manifest.get("latest")
        latest = None if found is None else {str(o): int(n) for o, n in found.items()}
        return cls(id, lower, path, versions, rows, latest, bool(manifest.get("reduced_file")))


def latest_path(path: str) -> str:
    """Where a segment's reduced form is kept (``reduce_latest`` of its rows)."""
    return path.removesuffix(".parquet") + ".latest.parquet"


def reduced_schema(record_type: str) -> pa.Schema:
    """The pooled schema plus the reduced form's two columns."""
    from peerbench.aggregate.lineage import COPIES, LATEST_PERIOD
    from peerbench.server.store import pool_schema

    schema = pool_schema(record_type)
    extra = [pa.field(LATEST_PERIOD, pa.string()), pa.field(COPIES, pa.int32())]
    return pa.schema([*schema, *extra], metadata=schema.metadata)


def identity_of(record_type: str, current: dict[str, Current]) -> str:
    """A digest of the current versions a read holds (ids and paths; a file never changes)."""
    lines = [record_type]
    for org, entry in current.items():
        lines += [f"{org}|{v}|{p}" for v, p in zip(entry.ids, entry.paths, strict=True)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


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
    rows = list(session.connection().execute(statement).fetchall())
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


def unreduced(session: Session, record_type: str, store: PooledStore) -> bool:
    """Whether a current segment of ``record_type`` was built without its reduced form
    (by an earlier version): compaction rebuilds it once."""
    segments = current_segments(session, record_type, store.segment_cache)
    return any(s.latest is None for s in segments)


def _counts(table: pa.Table) -> dict[str, int]:
    counts = table.group_by("_organisation_id").aggregate([([], "count_all")]).to_pylist()
    return {str(c["_organisation_id"]): int(c["count_all"]) for c in counts}


def manifest(table: pa.Table, sources: Sources, reduced: pa.Table) -> dict[str, Any]:
    """A segment's record of what it holds: version ids and row count per organisation,
    and those of its reduced form (and whether that is a file of its own)."""
    rows = _counts(table)
    fewer = rows if reduced.num_rows == table.num_rows else _counts(reduced)
    return {
        "versions": {org: list(ids) for org, ids in sorted(sources.items())},
        "rows": {org: rows.get(org, 0) for org in sorted(sources)},
        "latest": {org: fewer.get(org, 0) for org in sorted(sources)},
        "reduced_file": reduced.num_rows != table.num_rows,
    }
