"""Records sent again for another period: the same record, or a reported conflict.

SPEC "Submissions and periods": a record is identified by its record type's primary key,
whatever period it is sent for. A copy sent for a later period replaces the earlier one
in every read (:func:`peerbench.aggregate.lineage.latest_rows`); it is never a second
record. Records that describe something observed once (:data:`OBSERVATIONS`: an
outcome, a service-use count, a piece of feedback) cannot legitimately change, so a copy
whose values differ from the organisation's pooled copy for another period is reported
to the submitter, at submission time, as a ``record-conflict`` warning naming both
submissions and which copy is used. Peer workers and referrals (standard 1.2) are not
observations: a worker leaves, a referral ``waiting`` last quarter has ``started`` now, so
their later copy replaces the earlier one without a warning, as engagements' does.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from peerbench.aggregate.lineage import latest_rows
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.server.store import PooledStore, conform
from peerbench.validators.report import Report

OBSERVATIONS = ("outcome", "service_use", "feedback")
"""Record types whose records never change once observed (checked for conflicts)."""

_SEPARATOR = "\x1f"


@dataclasses.dataclass(frozen=True)
class Conflict:
    """One record whose new copy differs from the pooled copy for another period.

    Attributes:
        row: Position of the record in the new table.
        key: Its primary key, as text (parts joined by ``/``).
        columns: The standard's columns whose values differ.
        submission_id: The submission that sent the pooled copy.
        period: The period the pooled copy was sent for.
    """

    row: int
    key: str
    columns: tuple[str, ...]
    submission_id: str
    period: str


def _key_text(table: pa.Table, key: list[str]) -> pa.Array:
    parts = [pc.cast(table.column(name), pa.string()) for name in key]
    joined = pc.binary_join_element_wise(*parts, _SEPARATOR, null_handling="replace")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _same(a: pa.ChunkedArray, b: pa.ChunkedArray) -> np.ndarray:
    """Row-wise equality, nulls equal to nulls (lists compared as lists)."""
    if pa.types.is_list(a.type):
        return np.array([x == y for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True)])
    equal = pc.fill_null(pc.equal(a, b), False)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return np.asarray(pc.or_(equal, both_null).to_numpy(zero_copy_only=False), dtype=bool)


def conflicts(new: pa.Table, pooled: pa.Table, record_type: str) -> list[Conflict]:
    """Records of ``new`` whose values differ from their copy in ``pooled``.

    Args:
        new: The submission's canonical rows of ``record_type``.
        pooled: The organisation's current pooled rows of ``record_type`` for other
            periods (with lineage); the latest copy of each record is compared.
        record_type: e.g. ``"outcome"``.
    """
    if new.num_rows == 0 or pooled.num_rows == 0:
        return []
    key = list(RECORD_TYPES[record_type].primary_key)
    schema = arrow_schema(record_type)
    mine = conform(new, schema)
    earlier = latest_rows(pooled, record_type)
    index = pc.index_in(_key_text(mine, key), value_set=_key_text(earlier, key))
    positions = np.flatnonzero(np.asarray(pc.is_valid(index)))
    if positions.size == 0:
        return []
    mine = mine.take(pa.array(positions))
    theirs = earlier.take(pc.take(index, pa.array(positions)))
    compared = [f.name for f in schema if f.name not in key]
    different = {name: ~_same(mine.column(name), theirs.column(name)) for name in compared}
    keys = _key_text(mine, key).to_pylist()
    ids, periods = theirs.column("_submission_id").to_pylist(), theirs.column("_period").to_pylist()
    found = []
    for i, row in enumerate(positions.tolist()):
        columns = tuple(name for name in compared if different[name][i])
        if columns:
            text = str(keys[i]).replace(_SEPARATOR, "/")
            found.append(Conflict(row, text, columns, str(ids[i]), str(periods[i])))
    return found


def _detail(conflict: Conflict, submission_id: str, period: str) -> str:
    later = period >= conflict.period
    used = f"this submission's ({period})" if later else f"the earlier one's ({conflict.period})"
    return (
        f"{', '.join(conflict.columns)} differ from submission {conflict.submission_id} "
        f"for {conflict.period} (this is submission {submission_id} for {period}); "
        f"the copy for the later period, {used}, is the one used"
    )


def report_conflicts(
    report: Report,
    origin: dict[str, pa.Table],
    tables: dict[str, pa.Table],
    pooled: dict[str, pa.Table],
    *,
    submission_id: str,
    period: str,
) -> int:
    """Add a ``record-conflict`` warning for each changed observation; returns how many.

    Nothing is compared for a submission that already has errors: it will not be
    pooled, and its tables may lack required columns.

    Args:
        report: The submission's report.
        origin: Per record type, the ``file`` and ``row`` each table row came from.
        tables: The submission's canonical tables.
        pooled: Per record type, the organisation's current pooled rows for other periods.
        submission_id: This submission.
        period: The period it is for.
    """
    if not report.valid:
        return 0
    summaries = {s.file: s for s in report.files}
    total = 0
    for record_type in OBSERVATIONS:
        table, earlier = tables.get(record_type), pooled.get(record_type)
        if table is None or earlier is None:
            continue
        found = conflicts(table, earlier, record_type)
        if not found:
            continue
        where = origin.get(record_type)
        n = table.num_rows
        # Without an origin, rows are numbered in table order, as a file's would be.
        files = where.column("file").to_pylist() if where is not None else [None] * n
        rows = where.column("row").to_pylist() if where is not None else list(range(2, n + 2))
        by_file: dict[str | None, list[Conflict]] = defaultdict(list)
        for conflict in found:
            by_file[files[conflict.row]].append(conflict)
        for file, items in by_file.items():
            report.add(
                "record-conflict",
                file=file,
                rows=[int(rows[c.row]) for c in items],
                column=" + ".join(RECORD_TYPES[record_type].primary_key),
                values=[c.key for c in items],
                detail=[_detail(c, submission_id, period) for c in items],
                summary=summaries.get(file) if file is not None else None,
            )
        total += len(found)
    return total


def pooled_elsewhere(
    store: PooledStore, session: Session, organisation_id: str, period: str
) -> dict[str, pa.Table]:
    """The organisation's current pooled observations for periods other than ``period``."""
    out = {}
    for record_type in OBSERVATIONS:
        table = store.current_read(session, record_type, [organisation_id]).table()
        if table.num_rows:
            out[record_type] = table.filter(pc.not_equal(table.column("_period"), period))
    return out
