"""The pooled store: accepted data as Parquet, one file per submission and record type.

Files live at ``{record_type}/organisation={org}/period={period}/{submission_id}.parquet``
under the store root (a local folder, ``file://`` or an object store such as ``s3://``).
A file is written first and made visible second: :meth:`PooledStore.activate` adds a
:class:`PoolVersion` row, and the caller's database commit is the switch. A crash
between the two leaves an unreferenced file that readers never see and
:meth:`PooledStore.cleanup` later removes.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peerbench.io.atomic import atomic_path
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.fields import ID_PATTERN
from peerbench.schema.records import RECORD_TYPES
from peerbench.server.activation import index_services, lock_period, registered_later
from peerbench.server.db.models import PoolVersion, Submission, SubmissionStatus

if TYPE_CHECKING:
    from peerbench.server.snapshot import PoolRead

logger = logging.getLogger(__name__)

LINEAGE_FIELDS = (
    pa.field("_submission_id", pa.string(), nullable=False),
    pa.field("_organisation_id", pa.string(), nullable=False),
    pa.field("_period", pa.string(), nullable=False),
    pa.field("_standard_version", pa.string(), nullable=False),
)
"""Columns added to every pooled row, saying where it came from."""

COPY_ATTEMPTS = 3
"""Tries at copying a store file out before giving up (a short copy is tried again)."""

IN_FLIGHT = (SubmissionStatus.RECEIVED.value, SubmissionStatus.VALIDATING.value)
"""Submission states whose pool files may not be activated yet (never cleaned up)."""
CACHE_FOLDER = "_cache"
"""Folder in a local store for derived files (never a record type, so never pool data)."""
SNAPSHOT_FOLDER = "_snapshot"
"""Folder of the compacted snapshot's segments (:mod:`peerbench.server.snapshot`)."""

_SAFE_COMPONENT = re.compile(ID_PATTERN)


def pool_schema(record_type: str) -> pa.Schema:
    """The standard's schema for ``record_type`` plus the lineage columns (same metadata)."""
    base = arrow_schema(record_type)
    return pa.schema([*base, *LINEAGE_FIELDS], metadata=base.metadata)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly the columns of ``schema``, in order and cast to its types.

    Columns the schema lacks are dropped (the pool holds the standard's fields only);
    optional columns the table lacks are filled with nulls.

    Raises:
        ValueError: a required column is missing or a column cannot be cast.
    """
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            if not column.type.equals(field.type):
                try:
                    column = column.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValueError(f"column {field.name} cannot be stored: {exc}") from exc
        elif field.nullable:
            column = pa.nulls(table.num_rows, field.type)
        else:
            raise ValueError(f"required column {field.name} is missing")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _check_component(kind: str, value: str) -> str:
    # These become directory and file names; refuse anything that could escape the root.
    if not _SAFE_COMPONENT.match(value):
        raise ValueError(f"{kind} {value!r} cannot be used in a store path")
    return value


class PooledStore:
    """Parquet files of accepted submissions, made visible through the database.

    Args:
        url: A local folder (created if missing), ``file:///abs/path`` or an object-store
            URI that :meth:`pyarrow.fs.FileSystem.from_uri` understands (``s3://b/prefix``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        query = ""
        if "://" in url:
            filesystem, root = pafs.FileSystem.from_uri(url)
            parts = urlsplit(url)
            scheme, query = parts.scheme, parts.query
        else:
            filesystem, root, scheme = pafs.LocalFileSystem(), str(Path(url).resolve()), "file"
        self.filesystem: Any = filesystem
        self.root: str = root.rstrip("/") or "/"
        self.is_local: bool = isinstance(filesystem, pafs.LocalFileSystem)
        self._uri_prefix = "" if self.is_local else f"{scheme}://"
        # Options such as ``endpoint_override`` travel with every URI, so any reader
        # that opens one (pyarrow does) reaches the same store.
        self._uri_suffix = f"?{query}" if query and not self.is_local else ""
        if self.is_local:
            Path(self.root).mkdir(parents=True, exist_ok=True)
        self.direct_files: int = 16
        """A read of at most this many current files opens them, not the snapshot."""

    def _full_path(self, relative: str) -> str:
        return f"{self.root}/{relative}"

    @property
    def scored_cache_dir(self) -> Path | None:
        """Where benchmarks keep scored outcomes (:mod:`peerbench.aggregate.scored_cache`).

        A folder inside a local store (``_cache/scored``, never part of the pool and
        left alone by :meth:`cleanup`); None for an object store.
        """
        return Path(self.root) / CACHE_FOLDER / "scored" if self.is_local else None

    def uri(self, relative: str) -> str:
        """The absolute path (local) or URI (object store) of a store-relative path."""
        return self._uri_prefix + self._full_path(relative) + self._uri_suffix

    def delete(self, relative: str) -> bool:
        """Delete one file of the store; False if it was not there."""
        try:
            self.filesystem.delete_file(self._full_path(relative))
        except FileNotFoundError:
            return False
        return True

    def write_version(
        self,
        table: pa.Table,
        *,
        record_type: str,
        organisation_id: str,
        period: str,
        submission_id: str,
        standard_version: str,
    ) -> str:
        """Write one submission's rows of one record type; returns the relative path.

        The file is invisible to readers until :meth:`activate` is committed. Locally it
        is written to a temporary file beside the target, fsynced and renamed, so the
        target is never half-written; on an object store a single PUT is already atomic.

        Raises:
            ValueError: unknown record type, unsafe id, or data that does not fit the
                standard's schema.
        """
        if record_type not in RECORD_TYPES:
            raise ValueError(f"unknown record type {record_type!r}")
        _check_component("organisation id", organisation_id)
        _check_component("period", period)
        _check_component("submission id", submission_id)
        schema = arrow_schema(record_type)
        data = conform(table, schema)
        rows = data.num_rows
        for field, value in zip(
            LINEAGE_FIELDS,
            (submission_id, organisation_id, period, standard_version),
            strict=True,
        ):
            data = data.append_column(field, pa.repeat(pa.scalar(value, pa.string()), rows))
        data = data.replace_schema_metadata(schema.metadata)
        relative = (
            f"{record_type}/organisation={organisation_id}/period={period}/{submission_id}.parquet"
        )
        if self.is_local:
            with atomic_path(Path(self._full_path(relative))) as tmp:
                write_parquet(data, tmp)
        else:
            self.filesystem.create_dir(self._full_path(relative).rsplit("/", 1)[0])
            write_parquet(data, self._full_path(relative), filesystem=self.filesystem)
        return relative

    def activate(
        self,
        session: Session,
        *,
        submission_id: str,
        organisation_id: str,
        period: str,
        record_type: str,
        path: str,
        rows: int,
        services: Sequence[tuple[str, str]] | None = None,
    ) -> PoolVersion:
        """Make a written file the current version for its organisation, period and type.

        The previous current version stays listed (for lineage) but is marked superseded.
        Nothing is visible to others until the caller commits the session. Activating
        the same submission again is harmless and returns its existing version.

        Activations for one organisation and period are serialised (see
        :func:`lock_period`), so concurrent submissions never collide: the newest
        submission (registered last) ends current and every older one superseded, in
        whatever order they finish. An older submission finishing after a newer one is
        stored already superseded by it.

        A ``service`` file's services (``services``: ``(service_id, organisation_id)``
        pairs, read from the file when not given) are recorded in the ownership index
        (:func:`~peerbench.server.activation.index_services`).
        """
        same = (
            PoolVersion.organisation_id == organisation_id,
            PoolVersion.period == period,
            PoolVersion.record_type == record_type,
        )
        lock_period(session, organisation_id, period)
        existing = session.scalar(
            select(PoolVersion).where(*same, PoolVersion.submission_id == submission_id)
        )
        if existing is not None:
            return existing
        current = session.scalar(select(PoolVersion).where(*same, PoolVersion.is_current.is_(True)))
        newer = current is not None and registered_later(
            session, current.submission_id, submission_id
        )
        if current is not None and not newer:
            session.execute(
                update(PoolVersion)
                .where(PoolVersion.id == current.id)
                .values(is_current=False, superseded_by=submission_id)
            )
        version = PoolVersion(
            submission_id=submission_id,
            organisation_id=organisation_id,
            period=period,
            record_type=record_type,
            path=path,
            rows=rows,
            is_current=not newer,
            superseded_by=current.submission_id if newer and current is not None else None,
        )
        session.add(version)
        session.flush()
        if record_type == "service":
            index_services(session, version.id, services if services is not None else
                           self.service_pairs(path))  # fmt: skip
        return version

    def service_pairs(self, relative: str) -> list[tuple[str, str]]:
        """``(service_id, organisation_id)`` of each row of one pooled ``service`` file."""
        table = pads.dataset(self._full_path(relative), format="parquet",
                             filesystem=self.filesystem).to_table(
            columns=["service_id", "organisation_id"])  # fmt: skip
        ids = table.column("service_id").to_pylist()
        owners = table.column("organisation_id").to_pylist()
        return [(str(s), str(o)) for s, o in zip(ids, owners, strict=True) if s is not None]

    def current_read(
        self,
        session: Session,
        record_type: str,
        organisation_ids: Collection[str] | None = None,
    ) -> PoolRead:
        """How to read the current rows of ``record_type``: the one read interface.

        The plan (files to open, row filters, order) is made now, in ``session``;
        :meth:`PoolRead.table` reads it later without the session. It gives exactly
        the rows of the current files (organisation, then period order), from the
        compacted snapshot where it is up to date (:mod:`peerbench.server.snapshot`).

        Args:
            session: An open session.
            record_type: e.g. ``"outcome"``.
            organisation_ids: Only these organisations; ``None`` for all, empty for none.
        """
        from peerbench.server.snapshot import plan_read

        return plan_read(self, session, record_type, organisation_ids,
                         direct_files=self.direct_files)  # fmt: skip

    def generation(self, session: Session) -> str:
        """A token that changes exactly when a submission is accepted or superseded.

        For cache keys: equal tokens mean the same current pool. Compaction does not
        change it. See :func:`peerbench.server.snapshot.generation`.
        """
        from peerbench.server.snapshot import generation

        return generation(session)

    def _current_relative(
        self, session: Session, record_type: str, organisation_ids: Collection[str] | None
    ) -> list[str]:
        if organisation_ids is not None and not organisation_ids:
            return []  # An empty scope means no data, never all data.
        statement = select(PoolVersion.path).where(
            PoolVersion.record_type == record_type, PoolVersion.is_current.is_(True)
        )
        if organisation_ids is not None:
            statement = statement.where(PoolVersion.organisation_id.in_(list(organisation_ids)))
        statement = statement.order_by(PoolVersion.organisation_id, PoolVersion.period)
        return list(session.scalars(statement))

    def current_paths(
        self,
        session: Session,
        record_type: str,
        organisation_ids: Collection[str] | None = None,
    ) -> list[str]:
        """Absolute paths (or URIs) of the current files of ``record_type``.

        Args:
            session: An open session.
            record_type: e.g. ``"outcome"``.
            organisation_ids: Only these organisations; ``None`` for all, empty for none.
        """
        return [self.uri(p) for p in self._current_relative(session, record_type, organisation_ids)]

    def current_dataset(
        self,
        session: Session,
        record_type: str,
        organisation_ids: Collection[str] | None = None,
    ) -> Any:
        """A :class:`pyarrow.dataset.Dataset` over the current files (for streaming scans)."""
        paths = self._current_relative(session, record_type, organisation_ids)
        return pads.dataset(
            [self._full_path(p) for p in paths],
            schema=pool_schema(record_type),
            format="parquet",
            filesystem=self.filesystem,
        )

    @contextmanager
    def local_files(
        self, session: Session, organisation_ids: Collection[str] | None = None
    ) -> Iterator[list[Path]]:
        """The current files of every record type as local paths, for the block.

        For readers that take files (the validator). A local store gives its own files;
        an object store's are copied into a temporary folder, removed afterwards.
        """
        relative = [
            path
            for record_type in RECORD_TYPES
            for path in self._current_relative(session, record_type, organisation_ids)
        ]
        if self.is_local:
            yield [Path(self._full_path(p)) for p in relative]
            return
        with tempfile.TemporaryDirectory(prefix="peerbench-pool-") as folder:
            copies = [self._copy_out(path, Path(folder, path)) for path in relative]
            yield copies

    def _copy_out(self, relative: str, target: Path, attempts: int = COPY_ATTEMPTS) -> Path:
        """Copy one file of the store to a local ``target``, checked against its size.

        Raises:
            OSError: every attempt gave a copy of the wrong size.
        """
        source = self._full_path(relative)
        size = self.filesystem.get_file_info(source).size
        target.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            pafs.copy_files(
                source,
                str(target),
                source_filesystem=self.filesystem,
                destination_filesystem=pafs.LocalFileSystem(),
            )
            if target.stat().st_size == size:
                return target
            logger.warning("copy of %s was %d bytes, not %d; copying again", relative,
                           target.stat().st_size, size)  # fmt: skip
        raise OSError(f"could not copy {relative} from the store in {attempts} attempts")

    def read_current(
        self,
        session: Session,
        record_type: str,
        organisation_ids: Collection[str] | None = None,
    ) -> pa.Table:
        """The current pooled rows of ``record_type`` (an empty table when there are none).

        ``current_read(...).table()``.
        """
        return self.current_read(session, record_type, organisation_ids).table()

    def discard(self, session: Session, paths: Iterable[str]) -> list[str]:
        """Delete files this caller wrote but could not activate; returns those removed.

        Safer than :meth:`cleanup` after a failed submission: it touches only the given
        files (never another submission's in flight) and keeps any that a committed
        version refers to (in case the commit succeeded but its reply was lost).
        """
        wanted = set(paths)
        if not wanted:
            return []
        referenced = set(
            session.scalars(select(PoolVersion.path).where(PoolVersion.path.in_(list(wanted))))
        )
        return [relative for relative in sorted(wanted - referenced) if self.delete(relative)]

    def cleanup(self, session: Session) -> list[str]:
        """Delete crash leftovers, whatever their age: files no version refers to.

        A leftover is a temporary file or a Parquet file that no :class:`PoolVersion`
        refers to, unless its submission is still in flight (``received`` or
        ``validating``: another server process may be about to activate it). Files are
        listed before the database is read, so a file whose activation commits during
        the cleanup is seen as referenced and kept. ``session`` is only read.

        Returns:
            The relative paths removed.
        """
        everything = pafs.FileSelector(self.root, recursive=True, allow_not_found=True)
        listed = self.filesystem.get_file_info(everything)
        in_flight = set(
            session.scalars(select(Submission.id).where(Submission.status.in_(IN_FLIGHT)))
        )
        referenced = set(session.scalars(select(PoolVersion.path)))
        removed = []
        for info in listed:
            if info.type != pafs.FileType.File:
                continue
            relative = info.path[len(self.root) :].lstrip("/")
            if relative.startswith((f"{CACHE_FOLDER}/", f"{SNAPSHOT_FOLDER}/")):
                continue  # the benchmark cache and the snapshot manage their own files
            name = info.base_name
            temporary = name.endswith(".tmp")
            if not temporary and (not name.endswith(".parquet") or relative in referenced):
                continue
            if _submission_of(name) in in_flight:
                continue
            self.filesystem.delete_file(info.path)
            removed.append(relative)
        if removed:
            logger.info("pooled store cleanup removed %d leftover file(s)", len(removed))
        return sorted(removed)


def _submission_of(file_name: str) -> str:
    """The submission id in a pool file's name (``{id}.parquet``, ``.{id}.parquet.*.tmp``)."""
    return file_name.lstrip(".").split(".", 1)[0]
