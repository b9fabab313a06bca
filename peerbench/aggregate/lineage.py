"""Lineage columns for data that did not come through the pooled store.

The pooled store adds ``_submission_id``, ``_organisation_id``, ``_period`` and
``_standard_version`` to every row (:data:`peerbench.server.store.LINEAGE_FIELDS`). A
plain folder of standard files (``peerbench synth`` output, one organisation's own
extract) lacks them, so they are derived here, column-wise with pyarrow:

* ``_organisation_id``: the service's ``organisation_id`` from ``services`` (services
  themselves use their own ``organisation_id``); null for a service not listed.
* ``_period``: a calendar quarter ``YYYY-Qn``:

  - outcomes: the quarter of the participant's earliest *baseline* at that service (any
    instrument), so a follow-up falls in the same period as its baseline; rows of a
    participant with no baseline use their own ``date_administered``;
  - engagements and peer workers: the quarter of ``start_date``; referrals: the quarter
    of ``referral_date``;
  - participants: the quarter of their earliest engagement ``start_date`` at that
    service (null when they have no engagement);
  - other record types: null.

* ``_submission_id``: null (there was no submission).
* ``_standard_version``: the file's ``peerbench.standard_version`` metadata, else null.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.aggregate.keys import day_numbers, group_minimum, person_ids
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import PARQUET_VERSION_KEY

_ROW = "__row"

LINEAGE_COLUMNS = ("_submission_id", "_organisation_id", "_period", "_standard_version")
"""The pooled store's lineage columns, in store order."""


def quarter(dates: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Calendar quarter ``YYYY-Qn`` of each date (null stays null).

    A ``date32`` column is labelled by arithmetic on its day numbers: each distinct
    quarter's label is formatted once and spread by index (a pool spans a few dozen
    quarters), rather than formatting a year and a quarter string for every row.

    Example:
        >>> import datetime as dt
        >>> quarter(pa.array([dt.date(2025, 5, 1), None])).to_pylist()
        ['2025-Q2', None]
    """
    chunks = dates.chunks if isinstance(dates, pa.ChunkedArray) else [dates]
    if not pa.types.is_date32(dates.type):
        return pa.chunked_array([_quarter_labels(c) for c in chunks], pa.string())
    return pa.chunked_array([_date32_quarters(c) for c in chunks], pa.string())


def _quarter_labels(dates: pa.Array) -> pa.Array:
    """Quarter labels of any temporal array, formatted row by row by Arrow kernels."""
    year = pc.cast(pc.year(dates), pa.string())
    q = pc.cast(pc.quarter(dates), pa.string())
    labels: pa.Array = pc.binary_join_element_wise(year, "-Q", q, "")
    return labels


def _date32_quarters(dates: pa.Array) -> pa.Array:
    valid = dates.is_valid().to_numpy(zero_copy_only=False)
    if not valid.any():
        return pa.nulls(len(dates), pa.string())
    days = dates.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    # Months since 1970-01, then quarters since 1970-Q1 (floor division, so before 1970 too).
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    quarters = months // 3
    low, high = int(quarters[valid].min()), int(quarters[valid].max())
    labels = pa.array([f"{1970 + k // 4}-Q{k % 4 + 1}" for k in range(low, high + 1)], pa.string())
    index = pa.array(np.where(valid, quarters - low, 0), pa.int64(), mask=~valid)
    out: pa.Array = labels.take(index)
    return out


def _dates(days: Any) -> pa.Array:
    """date32 array from float day numbers (inf or NaN → null)."""
    missing = ~np.isfinite(days)
    whole = np.where(missing, 0, days).astype(np.int32)
    return pa.array(whole, pa.int32(), mask=missing).cast(pa.date32())


_OWN_DATE = {"engagement": "start_date", "peer_worker": "start_date", "referral": "referral_date"}
"""Record types whose period is the quarter of one of their own dates."""


def _period(record_type: str, table: pa.Table, engagements: pa.Table | None) -> pa.ChunkedArray:
    if record_type == "outcome":
        (people,) = person_ids([table])
        days = day_numbers(table.column("date_administered"))
        baseline = pc.equal(table.column("timepoint"), "baseline").to_numpy(zero_copy_only=False)
        first = group_minimum(people, days, baseline)
        own = np.where(np.isfinite(first), first, days.astype(np.float64))
        return quarter(_dates(own))
    if record_type in _OWN_DATE:
        return quarter(table.column(_OWN_DATE[record_type]))
    if record_type == "participant" and engagements is not None:
        people, episodes = person_ids([table, engagements])
        days = day_numbers(engagements.column("start_date"))
        both = np.concatenate([people, episodes])
        values = np.concatenate([np.zeros(table.num_rows, np.int64), days])
        mask = np.concatenate(
            [np.zeros(table.num_rows, np.bool_), np.ones(engagements.num_rows, np.bool_)]
        )
        first = group_minimum(both, values, mask)[: table.num_rows]
        return quarter(_dates(first))
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


def _organisation(table: pa.Table, services: pa.Table | None) -> pa.ChunkedArray:
    if "organisation_id" in table.column_names:
        return table.column("organisation_id")
    if services is None or "service_id" not in table.column_names:
        return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    services_ids = services.column("service_id").combine_chunks()
    owners_all = services.column("organisation_id").combine_chunks()
    chunks = []
    for chunk in table.column("service_id").chunks:  # per chunk, never per row
        # Look up each distinct service once, then spread by dictionary index.
        encoded = pc.dictionary_encode(chunk)
        index = pc.index_in(encoded.dictionary, value_set=services_ids)
        # Arrays, not chunked arrays: pa.chunked_array would convert those row by row.
        owners = pc.take(owners_all, index)
        chunks.append(pc.take(owners, encoded.indices))
    return pa.chunked_array(chunks, pa.string())


def add_lineage(
    record_type: str,
    table: pa.Table,
    *,
    services: pa.Table | None = None,
    engagements: pa.Table | None = None,
) -> pa.Table:
    """``table`` with any missing lineage column derived as the module docstring says.

    Columns already present (pooled-store data) are kept unchanged.

    Args:
        record_type: e.g. ``"outcome"``.
        table: Rows in the standard's schema.
        services: The services table (for ``_organisation_id``).
        engagements: The engagements table (for participants' ``_period``).
    """
    version = (table.schema.metadata or {}).get(PARQUET_VERSION_KEY)
    derived = {
        "_submission_id": lambda: pa.chunked_array([pa.nulls(table.num_rows, pa.string())]),
        "_organisation_id": lambda: _organisation(table, services),
        "_period": lambda: _period(record_type, table, engagements),
        "_standard_version": lambda: pa.chunked_array(
            [
                pa.repeat(
                    pa.scalar(version.decode() if version else None, pa.string()), table.num_rows
                )
            ]
        ),
    }
    for name in LINEAGE_COLUMNS:
        if name not in table.column_names:
            table = table.append_column(pa.field(name, pa.string()), derived[name]())
    data = [c for c in table.column_names if c not in LINEAGE_COLUMNS]
    return table.select([*data, *LINEAGE_COLUMNS])  # the pooled store's column order


SMALL_TABLE_ROWS = 100_000
"""Below this many rows the key check is a pyarrow group-by: DuckDB's fixed cost (a
connection is tens of milliseconds) would be most of the time."""

_engine = threading.local()


def _cursor() -> Any:
    """A new DuckDB connection to this thread's in-memory database (cheap: the database,
    its buffers and threads are made once per thread; a fresh ``duckdb.connect()`` per
    check cost 20-60 ms of CPU, nine times a benchmark)."""
    import duckdb  # here: importing the lineage module must not load the engine

    database = getattr(_engine, "database", None)
    if database is None:
        database = _engine.database = duckdb.connect()
    return database.cursor()


def _unique(table: pa.Table, key: list[str]) -> bool:
    """Whether no two rows share ``key`` (a distinct count, far cheaper than the dedup).

    Large tables are counted by DuckDB, which scans the Arrow columns in place with all
    its threads and partitions the hash table (about half pyarrow's ``count_distinct``
    time at 1M rows, and it stays in cache at 10M); small ones by a pyarrow group-by.
    Nulls count as one value in both, as in pyarrow's group-by.
    """
    keys = table.select(key)
    if table.num_rows < SMALL_TABLE_ROWS:
        return bool(keys.group_by(key).aggregate([]).num_rows == table.num_rows)
    cursor = _cursor()
    try:
        cursor.register("keys", keys)
        columns = ", ".join(f'"{name}"' for name in key)
        query = f"SELECT count(*) FROM (SELECT DISTINCT {columns} FROM keys)"
        row = cursor.execute(query).fetchone()
    finally:
        cursor.close()
    return row is not None and int(row[0]) == table.num_rows


def latest_rows(table: pa.Table, record_type: str) -> pa.Table:
    """One row per primary key: the copy from the latest ``_period`` (ties: the last row),
    labelled with the *earliest* period the record was sent for.

    The current pool holds one version per organisation, period and record type, so a
    record re-sent in a later period (a cumulative spreadsheet, a service, an ongoing
    episode) is current twice; analyses and extracts count it once, with its latest
    values. Its period stays the one it first arrived in, so sending the same record
    again never moves it to another period's benchmark (SPEC "Submissions and periods").
    """
    key = list(RECORD_TYPES[record_type].primary_key)
    if table.num_rows == 0 or _unique(table, key):
        return table  # the common case, and the only one for a plain folder
    return _latest(table, key, "_period")


LATEST_PERIOD = "_latest_period"
"""In a reduced table (:func:`reduce_latest`): the period of the copy a row is."""
COPIES = "_copies"
"""In a reduced table: how many copies of the record the row stands for."""
REDUCED_WITHIN = ("_organisation_id", "subject")
"""Columns a reduction also groups by (when present), so a reduced table can be scoped
to organisations, or to one ``subject``, before :func:`latest_of_reduced` and stay exact."""


def _latest(table: pa.Table, key: list[str], order: str) -> pa.Table:
    """The latest copy per ``key`` by ``order`` (ties: the last row), labelled with the
    minimum ``_period`` of the group, kept rows in (order, position) order."""
    # A missing period sorts first (as ""), so any dated submission of the record wins.
    period = pc.fill_null(table.column(order), "")
    by_period = pc.sort_indices(period)
    # Group the key and period columns only; the whole table is taken once, at the end
    # (a cumulative national pool holds each record about eight times).
    ordered = table.select(list(dict.fromkeys([*key, "_period"]))).take(by_period)
    ordered = ordered.append_column(_ROW, pa.array(range(ordered.num_rows), pa.int64()))
    groups = ordered.group_by(key).aggregate([(_ROW, "max"), ("_period", "min")])
    keep = groups.column(f"{_ROW}_max")
    # Kept rows stay in period order (stable sort), whatever order the groups came in.
    order_of = pc.array_sort_indices(keep)
    kept = table.take(pc.take(by_period, pc.take(keep, order_of)))
    first = pc.take(groups.column("_period_min"), order_of).cast(pa.string())
    index = kept.schema.get_field_index("_period")
    return kept.set_column(index, kept.schema.field(index), first)


def reduce_latest(table: pa.Table, record_type: str) -> pa.Table:
    """``table`` (pooled rows) with each record's copies reduced to its latest, per
    organisation (and ``subject``): what the compacted snapshot keeps beside a segment.

    A row stands for its group (primary key plus :data:`REDUCED_WITHIN`): the copy
    :func:`latest_rows` would keep of the group, in its original position, its
    ``_period`` the group's earliest, :data:`LATEST_PERIOD` its own and :data:`COPIES`
    the group's size. Max, min and sum compose over any partition of a record's copies,
    so :func:`latest_of_reduced` over reduced pieces (and whole files) equals
    :func:`latest_rows` over the rows they reduce, row for row; and ``table`` may itself
    be reduced pieces and whole rows (:func:`as_reduced`): compaction reduces an old
    segment's reduced form with the changed organisations' files, not every copy again.
    """
    if LATEST_PERIOD not in table.column_names:
        table = as_reduced(table)
    key = list(RECORD_TYPES[record_type].primary_key)
    key += [c for c in REDUCED_WITHIN if c in table.column_names and c not in key]
    ordered = table.select(list(dict.fromkeys([*key, "_period", COPIES])))
    by_period = pc.sort_indices(pc.fill_null(table.column(LATEST_PERIOD), ""))
    ordered = ordered.take(by_period)
    ordered = ordered.append_column(_ROW, pa.array(range(ordered.num_rows), pa.int64()))
    groups = ordered.group_by(key).aggregate([(_ROW, "max"), ("_period", "min"), (COPIES, "sum")])
    rows = pc.take(by_period, groups.column(f"{_ROW}_max"))
    position = pc.array_sort_indices(rows)  # original order, not period order
    kept = table.take(pc.take(rows, position))
    first = pc.take(groups.column("_period_min"), position).cast(pa.string())
    copies = pc.take(groups.column(f"{COPIES}_sum"), position).cast(pa.int32())
    index = kept.schema.get_field_index("_period")
    kept = kept.set_column(index, kept.schema.field(index), first)
    index = kept.schema.get_field_index(COPIES)
    return kept.set_column(index, kept.schema.field(index), copies)


def as_reduced(table: pa.Table) -> pa.Table:
    """Whole pooled rows in the reduced form (each its own copy)."""
    own = table.column("_period")
    table = table.append_column(pa.field(LATEST_PERIOD, pa.string()), own)
    ones = pa.array(np.ones(table.num_rows, np.int32), pa.int32())
    return table.append_column(pa.field(COPIES, pa.int32()), ones)


def latest_of_reduced(table: pa.Table, record_type: str) -> pa.Table:
    """:func:`latest_rows` of the pooled rows that ``table`` (reduced pieces and whole
    rows, :func:`reduce_latest` / :func:`as_reduced`) stands for, without the extra columns.
    """
    plain = table.drop_columns([LATEST_PERIOD, COPIES])
    if table.num_rows == 0 or not pc.any(pc.greater(table.column(COPIES), 1)).as_py():
        return latest_rows(plain, record_type)  # nothing reduced: the rows themselves
    # Some record had several copies, so the rows reduced were not unique by key and
    # latest_rows would order by period: order by each row's own period, label the min.
    key = list(RECORD_TYPES[record_type].primary_key)
    latest = _latest(table, key, LATEST_PERIOD)
    return latest.drop_columns([LATEST_PERIOD, COPIES])
