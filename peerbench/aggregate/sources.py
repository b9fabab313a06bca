"""Benchmark sources: the pooled store's current files, or a plain folder of standard files.

A :class:`BenchmarkSource` names, per record type, either Parquet files or an in-memory
Arrow table. Reading a record type gives one Arrow table in the pooled schema (the
standard's columns plus lineage); lineage that the files lack is derived
(:mod:`peerbench.aggregate.lineage`).

Example:
    >>> source = BenchmarkSource.from_folder("demo-output/reference")  # doctest: +SKIP
    >>> source.read("outcome").num_rows  # doctest: +SKIP
    30000
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peerbench.aggregate.lineage import (
    LINEAGE_COLUMNS,
    add_lineage,
    latest_of_reduced,
    latest_rows,
)
from peerbench.io.content_cache import default_folder
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.records import RECORD_TYPES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peerbench.server.snapshot import PoolRead
    from peerbench.server.store import PooledStore

BENCHMARK_RECORD_TYPES = (
    "service",
    "participant",
    "engagement",
    "outcome",
    "peer_worker",
    "referral",
)
"""Record types the aggregation engine reads."""

SourceData: TypeAlias = Sequence[str | Path] | pa.Table
"""Parquet paths (or URIs pyarrow can open) for one record type, or an Arrow table."""


@dataclass(frozen=True)
class Subset:
    """Some rows of one record type, chosen the same way from a table and from files.

    Attributes:
        keep: The rows of a table it keeps (e.g. ``subjects.worker_outcomes``).
        column: With ``value``, the same choice as a Parquet row filter, so that a
            large pool's other rows are never read; a file without ``column`` holds none.
        value: The value of ``column`` kept.
    """

    keep: Callable[[pa.Table], pa.Table]
    column: str
    value: str


class ReducibleRead(Protocol):
    """A pooled read whose segments all kept their reduced form
    (:class:`peerbench.server.snapshot.PoolRead`)."""

    @property
    def record_type(self) -> str: ...

    def reduced(self) -> pa.Table: ...


class _Reduced:
    """One record type read from its reduced form, read once when first asked."""

    def __init__(self, read: ReducibleRead) -> None:
        self._read = read

    @cached_property
    def _table(self) -> pa.Table:
        return self._read.reduced()

    def rows(self, keep: Callable[[pa.Table], pa.Table] | None = None) -> pa.Table:
        """The latest copy of each record (of those ``keep`` picks): exact, since a
        subset's records are whole (:func:`~peerbench.aggregate.lineage.latest_of_reduced`)."""
        table = self._table if keep is None else keep(self._table)
        return latest_of_reduced(table, self._read.record_type)


def pooled_schema(record_type: str) -> pa.Schema:
    """The standard's schema for ``record_type`` plus the four lineage columns."""
    base = arrow_schema(record_type)
    lineage = [pa.field(name, pa.string()) for name in LINEAGE_COLUMNS]
    return pa.schema([*base, *lineage], metadata=base.metadata)


def _conformed(table: pa.Table, record_type: str) -> pa.Table:
    """The pooled columns of ``table`` cast to their types; absent lineage stays absent."""
    columns, fields = [], []
    for f in pooled_schema(record_type):
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        elif f.name in LINEAGE_COLUMNS:
            continue  # derived later, from the other tables
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
        fields.append(f)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _read_parquet(paths: Sequence[str | Path], record_type: str) -> pa.Table:
    schema = pooled_schema(record_type)
    if not paths:
        return schema.empty_table()
    tables = [pq.read_table(str(p)) for p in paths]
    metadata = tables[0].schema.metadata
    merged = pa.concat_tables(
        [_conformed(t, record_type) for t in tables], promote_options="default"
    )
    return merged.replace_schema_metadata(metadata)


@dataclass(frozen=True)
class BenchmarkSource:
    """Where the benchmark data comes from: per record type, Parquet paths or a table.

    Attributes:
        data: ``record_type`` → Parquet paths or an Arrow table, for any of
            ``service``, ``participant``, ``engagement`` and ``outcome``. A record type
            not given reads as an empty table.
        cache_dir: Where scored outcomes may be kept between runs
            (:mod:`peerbench.aggregate.scored_cache`); None keeps them for this run only.
        memo: Tables derived from this source during the run (the scored outcomes).
        pending: Record types read later by a call that gives the latest rows directly
            (a pooled read's reduced form, :meth:`from_reads`); :meth:`read` and
            :meth:`raw_subset` use it rather than ``data``.
        identity: Per record type held as a table, a digest of the pooled versions it
            came from (:attr:`PoolRead.identity`), so scored outcomes can be cached.
    """

    data: Mapping[str, SourceData]
    cache_dir: Path | None = None
    memo: dict[Any, pa.Table] = field(default_factory=dict, repr=False, compare=False)
    pending: Mapping[str, _Reduced] = field(default_factory=dict, repr=False, compare=False)
    identity: Mapping[str, str] = field(default_factory=dict, repr=False)
    _cache: dict[str, pa.Table] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_folder(cls, folder: str | Path, *, cache: bool = True) -> BenchmarkSource:
        """A plain folder of standard Parquet files (``outcomes.parquet``, …).

        Only Parquet is read: CSV flattens ``items`` and needs the validators' coercion.
        With ``cache`` (the default), scored outcomes are kept between runs in the
        result cache's folder (:func:`peerbench.io.content_cache.default_folder`).

        Raises:
            FileNotFoundError: if the folder has no ``outcomes.parquet``.
        """
        root = Path(folder)
        found: dict[str, SourceData] = {}
        for record_type in BENCHMARK_RECORD_TYPES:
            path = root / f"{RECORD_TYPES[record_type].file_stem}.parquet"
            if path.is_file():
                found[record_type] = [path]
        if "outcome" not in found:
            raise FileNotFoundError(f"{root} has no outcomes.parquet")
        folder_cache = default_folder() if cache else None
        return cls(found, cache_dir=None if folder_cache is None else folder_cache / "benchmark")

    @classmethod
    def from_tables(cls, tables: Mapping[str, pa.Table]) -> BenchmarkSource:
        """In-memory tables keyed by record type (e.g. ``generate(config).tables``)."""
        return cls({rt: t for rt, t in tables.items() if rt in BENCHMARK_RECORD_TYPES})

    @classmethod
    def from_store(
        cls,
        store: PooledStore,
        session: Session,
        organisation_ids: Collection[str] | None = None,
    ) -> BenchmarkSource:
        """The current versions in a pooled store (superseded files are never read).

        Read through :meth:`PooledStore.current_read` (the compacted snapshot where it is
        up to date). Scored outcomes are kept in the store's cache folder when it has one.
        """
        reads = {
            rt: store.current_read(session, rt, organisation_ids) for rt in BENCHMARK_RECORD_TYPES
        }
        return cls.from_reads(reads, cache_dir=store.scored_cache_dir)

    @classmethod
    def from_reads(
        cls, reads: Mapping[str, PoolRead], cache_dir: Path | None = None
    ) -> BenchmarkSource:
        """Planned reads of a pooled store (:meth:`PooledStore.current_read`), by record type.

        A read that is whole files none of which holds a record twice stays a list of
        files (DuckDB reads them, and the scored-outcome cache keys on them). A read
        over snapshot segments that kept their reduced form (each record once per
        organisation, :func:`~peerbench.aggregate.lineage.reduce_latest`) reads that
        when :meth:`read` or :meth:`raw_subset` asks, a fraction of a cumulative pool's
        rows (its ``data`` is an empty table). Any other read is read into a table now.
        """
        data: dict[str, SourceData] = {}
        pending: dict[str, _Reduced] = {}
        for rt, read in reads.items():
            files = read.whole_files
            separate = any(s.latest not in (None, s.path) for s in read.segments)
            if files is not None and not separate:
                data[rt] = files
            elif not read.reducible:
                data[rt] = read.table()
            else:
                data[rt] = pooled_schema(rt).empty_table()
                pending[rt] = _Reduced(read)
        # Tables are cached by the versions they came from (files by their own stat).
        identity = {rt: r.identity for rt, r in reads.items()
                    if r.identity and isinstance(data[rt], pa.Table)}  # fmt: skip
        return cls(data, cache_dir=cache_dir, pending=pending, identity=identity)

    def _raw(self, record_type: str) -> pa.Table:
        if record_type not in BENCHMARK_RECORD_TYPES:
            raise ValueError(f"{record_type!r} is not read by the benchmark engine")
        given: Any = self.data.get(record_type, [])
        if isinstance(given, pa.Table):
            return _conformed(given, record_type)
        return _read_parquet(list(given), record_type)

    def read(self, record_type: str, *, keep: bool = True) -> pa.Table:
        """One record type in the pooled schema, lineage derived where missing (cached).

        Args:
            record_type: e.g. ``"outcome"``.
            keep: Keep the table for the rest of the run (the default). ``keep=False``
                reads a table that is used once (the raw outcomes, which only scoring
                reads) without holding it, so its memory is freed after use; a table
                already kept is still returned from the cache.

        Raises:
            ValueError: for a record type the engine does not read.
        """
        cached = self._cache.get(record_type)
        if cached is not None:
            return cached
        later = self.pending.get(record_type)
        raw = _conformed(later.rows(), record_type) if later is not None else self._raw(record_type)
        services = self.read("service") if record_type != "service" else None
        engagements = self.read("engagement") if record_type == "participant" else None
        table = latest_rows(
            add_lineage(record_type, raw, services=services, engagements=engagements),
            record_type,
        )
        if keep:
            self._cache[record_type] = table
        return table

    def raw_subset(self, record_type: str, subset: Subset) -> pa.Table:
        """The rows of one record type that ``subset`` picks, before lineage, without
        reading the others where the source is files (a row filter) or a reduced form.

        Raises:
            ValueError: for a record type the engine does not read.
        """
        if record_type not in BENCHMARK_RECORD_TYPES:
            raise ValueError(f"{record_type!r} is not read by the benchmark engine")
        later = self.pending.get(record_type)
        if later is not None:
            return later.rows(subset.keep)
        given: Any = self.data.get(record_type, [])
        if isinstance(given, pa.Table):
            return subset.keep(given)
        parts = []
        for path in given:
            dataset = ds.dataset(str(path), format="parquet")
            if subset.column in dataset.schema.names:
                parts.append(dataset.to_table(filter=pc.field(subset.column) == subset.value))
        if not parts:
            return pooled_schema(record_type).empty_table()
        return pa.concat_tables(parts, promote_options="default")
