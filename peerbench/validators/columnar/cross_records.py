"""Checks across records and files: duplicates, references, baselines, participant details.

All checks work on the key columns kept by :class:`KeyCollector`, with rows grouped by
dense integer ids (``group_ids``) so every step is an Arrow or NumPy operation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.codelists import Timepoint
from peerbench.schema.record_table import RECORDS
from peerbench.validators.columnar import compiled
from peerbench.validators.columnar.coerce import flag
from peerbench.validators.columnar.context import (
    BatchContext,
    BoolArray,
    CheckContext,
    HeldFinding,
)
from peerbench.validators.columnar.grouping import (
    Codes,
    IntArray,
    group_codes,
    group_ids,
    is_dictionary,
    value_codes,
)
from peerbench.validators.columnar.keys import (
    ATTRIBUTES,
    FILE,
    REFERENCES,
    ROW,
    TIMEPOINTS,
    WORKER_REFERENCE,
    WORKER_SUBJECT,
    KeyCollector,
)

TIMEPOINT_WINDOWS: dict[str, tuple[int, int]] = {
    Timepoint.MONTH_3.value: (28, 180),
    Timepoint.MONTH_6.value: (120, 300),
    Timepoint.MONTH_12.value: (270, 540),
}
"""Days after baseline (inclusive) within which each follow-up is expected; outside
them ``timepoint-out-of-window`` is a warning. Wide on purpose: services collect
follow-ups when people attend, not on a fixed day."""
_SEPARATOR = "\x1f"  # joins composite keys; cannot appear in a valid identifier


class Emitter:
    """Routes findings about rows of many files to each file's context."""

    def __init__(self, contexts: Sequence[CheckContext]) -> None:
        self.contexts = contexts

    def emit(
        self,
        code: str,
        column: str,
        keys: pa.Table,
        mask: BoolArray,
        values: Any,
        detail: Callable[[IntArray], list[str]] | str = "",
    ) -> None:
        """One finding per True entry of ``mask`` over ``keys`` rows, filed by file.

        ``detail`` as a function gets the positions (into ``keys``) of the listed rows.
        """
        if not mask.any():
            return
        files = keys.column(FILE).to_numpy()
        rows = keys.column(ROW).to_numpy()
        for file_index in np.unique(files[mask]):  # per file, not per row
            where = np.flatnonzero(mask & (files == file_index))
            ctx = self.contexts[int(file_index)]
            head = where[: ctx.room()]
            picked = values.take(pa.array(head)) if values is not None else None
            text: Any = detail
            if callable(detail):
                text = _bind(detail, head)
            ctx.emit(code, column, rows[where], values=picked, detail=text)

    def file(self, file_index: int) -> str:
        """The name of file ``file_index``."""
        return self.contexts[file_index].file

    def place(self, file_index: int, row: int) -> tuple[str, int]:
        """The file (or original sheet) and row the user sees for row ``row`` of a file.

        For a file generated from a spreadsheet (its context has origins) that is the
        spreadsheet's own sheet and row, as every finding's location is.
        """
        ctx = self.contexts[file_index]
        if ctx.origins is None:
            return ctx.file, row
        return ctx.origins.place(row)

    def original_rows(self, file_indices: IntArray, rows: IntArray) -> IntArray:
        """:meth:`place`'s rows for many rows at once (rows of files without origins kept)."""
        out = np.array(rows, dtype=np.int64, copy=True)
        for file_index in np.unique(file_indices):
            origins = self.contexts[int(file_index)].origins
            if origins is not None:
                sel = file_indices == file_index
                out[sel] = origins.original_rows(out[sel])
        return out

    def where(self, keys: pa.Table, position: int, file_index: int) -> str:
        """``row 5``, or ``other.csv row 5`` when the row is in another file.

        A file generated from a spreadsheet always names the sheet: its rows may come
        from several sheets.
        """
        other = int(keys.column(FILE)[position].as_py())
        name, row = self.place(other, int(keys.column(ROW)[position].as_py()))
        if other == file_index and self.contexts[other].origins is None:
            return f"row {row}"
        return f"{name} row {row}"


def _bind(detail: Callable[[IntArray], list[str]], head: IntArray) -> Callable[[Any], list[str]]:
    def bound(_values: Any) -> list[str]:
        return detail(head)

    return bound


def _valid(keys: pa.Table, columns: Sequence[str]) -> pa.Table:
    mask = np.ones(keys.num_rows, dtype=np.bool_)
    for name in columns:
        if keys.column(name).null_count:
            mask &= flag(pc.is_valid(keys.column(name)))
    return keys if mask.all() else keys.filter(pa.array(mask))


def _strictly_increasing(column: Any) -> bool:
    """True when every value sorts after the one before (so none repeats)."""
    if is_dictionary(column) or not pa.types.is_string(column.type) or len(column) < 2:
        return False
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    ascending: bool = pc.all(pc.less(array.slice(0, len(array) - 1), array.slice(1))).as_py()
    return ascending


def check_duplicates(record_type: str, keys: pa.Table, out: Emitter) -> None:
    """``duplicate-key`` for every repeat of a primary key; value = where it first was."""
    primary = RECORDS[record_type].primary_key
    keys = _valid(keys, primary)
    if len(primary) == 1 and _strictly_increasing(keys.column(primary[0])):
        return  # exports are often sorted by their id: then one comparison pass suffices
    ids, first = group_ids(keys, primary)
    first_of = first[ids]
    repeat = first_of != np.arange(keys.num_rows)
    rows = keys.column(ROW).to_numpy()
    files = keys.column(FILE).to_numpy()
    first_rows = pa.array(out.original_rows(files[first_of], rows[first_of]))
    label = " + ".join(primary)

    def detail(at: IntArray) -> list[str]:
        out_text = []
        for p in at:  # listed findings only
            first_name, _ = out.place(int(files[first_of[p]]), int(rows[first_of[p]]))
            this_name, _ = out.place(int(files[p]), int(rows[p]))
            elsewhere = "" if first_name == this_name else f" (first in {first_name})"
            out_text.append(f"{label} '{_key_text(keys, primary, int(p))}'{elsewhere}")
        return out_text

    out.emit("duplicate-key", primary[0], keys, repeat, first_rows, detail=detail)


def _key_text(keys: pa.Table, columns: Sequence[str], position: int) -> str:
    return " / ".join(str(keys.column(c)[position].as_py()) for c in columns)


def _joined(keys: pa.Table, columns: Sequence[str]) -> Any:
    if len(columns) == 1:
        return pc.cast(keys.column(columns[0]), pa.string())
    parts = [pc.cast(keys.column(c), pa.string()) for c in columns]
    return pc.binary_join_element_wise(*parts, _SEPARATOR)


def check_references(record_type: str, collector: KeyCollector, out: Emitter) -> None:
    """``unknown-reference`` for keys that match no record of a type in this run."""
    for columns, target in REFERENCES.get(record_type, ()):
        target_keys = collector.table(target)
        keys = collector.table(record_type)
        if target_keys is None or keys is None:
            continue  # the referenced records are not part of this run
        # Every reference names the referenced type's primary key, column for column.
        assert tuple(columns) == RECORDS[target].primary_key
        keys = _valid(keys, columns)
        if target == "participant" and "subject" in keys.column_names:
            keys = keys.filter(pc.invert(_worker_rows(keys)))
        _emit_unknown(out, keys, columns, target_keys, columns, target)
    if record_type == "outcome":
        columns, target, target_columns = WORKER_REFERENCE
        keys = collector.table(record_type)
        assert keys is not None
        target_keys = collector.table(target)
        if target_keys is None:
            return  # as above: the workers are not part of this run
        workers = _valid(keys.filter(_worker_rows(keys)), columns)
        _emit_unknown(out, workers, columns, target_keys, target_columns, target)


def _worker_rows(keys: pa.Table) -> Any:
    subject = keys.column("subject")
    return pc.fill_null(pc.equal(pc.cast(subject, pa.string()), WORKER_SUBJECT), False)


def _emit_unknown(
    out: Emitter,
    keys: pa.Table,
    columns: Sequence[str],
    target_keys: pa.Table,
    target_columns: Sequence[str],
    target: str,
) -> None:
    known = pc.unique(_joined(_valid(target_keys, target_columns), target_columns))
    missing = ~flag(pc.is_in(_joined(keys, columns), value_set=known))
    what = f"{' and '.join(target_columns)} in {RECORDS[target].file_stem}"
    out.emit("unknown-reference", columns[0], keys, missing, keys.column(columns[0]), detail=what)


def days_since_baseline(
    ids: Codes, bound: int, baseline: BoolArray, days: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.int32], BoolArray]:
    """Per row, days since the earliest baseline of its group (``ids`` below ``bound``).

    Returns:
        The days (0 where there is none) and whether there is one; a baseline row has
        none before it.
    """
    n = ids.size
    loop = compiled.kernel("days_since_baseline", n)
    if loop is not None:
        since = np.empty(n, dtype=np.int32)
        has_base = np.empty(n, dtype=np.bool_)
        loop(ids, bound, baseline, days, since, has_base)
        return since, has_base
    none = np.iinfo(np.int32).max
    base = np.full(bound, none, dtype=np.int32)
    base_ids, base_days = ids[baseline], days[baseline]
    base[base_ids] = base_days  # one baseline per group, mostly: a plain scatter
    repeated = base[base_ids] != base_days  # groups with baselines on other days too
    np.minimum.at(base, base_ids[repeated], base_days[repeated])  # earliest of those
    since = base[ids]  # each row's baseline day, turned into days since it in place
    has_base = since != none
    has_base &= ~baseline
    np.subtract(days, since, out=since)  # days are int32 (no overflow here)
    since[~has_base] = 0
    return since, has_base


def check_outcome_dates(keys: pa.Table, out: Emitter) -> None:
    """Follow-ups before their baseline (error) or far from their nominal time (warning)."""
    columns = ("participant_key", "service_id", "instrument", "timepoint", "date_administered")
    keys = _valid(keys, columns)
    ids, bound = group_codes(keys, columns[:3])
    # Timepoints are kept as positions in TIMEPOINTS (see keys.prepare).
    timepoint = keys.column("timepoint").combine_chunks().to_numpy(zero_copy_only=False)
    days = pc.cast(keys.column("date_administered"), pa.int32()).to_numpy()

    def is_timepoint(name: str) -> BoolArray:
        out: BoolArray = timepoint == TIMEPOINTS.index(name)
        return out

    baseline = is_timepoint(Timepoint.BASELINE.value)
    since, has_base = days_since_baseline(ids, bound, baseline, days)
    before = has_base & (since < 0)
    out.emit(
        "follow-up-before-baseline",
        "date_administered",
        keys,
        before,
        keys.column("date_administered"),
        detail=lambda at: [TIMEPOINTS[int(timepoint[int(p)])] for p in at],
    )
    for name, (low, high) in TIMEPOINT_WINDOWS.items():
        outside = has_base & ~before & is_timepoint(name)
        outside &= (since < low) | (since > high)
        out.emit(
            "timepoint-out-of-window", "timepoint", keys, outside, pa.array(since), detail=name
        )


def check_attributes(keys: pa.Table, out: Emitter) -> None:
    """``attribute-conflict`` where rows for one participant disagree with its first row.

    Participant keys are pseudonyms made with one organisation-wide secret, so one person
    has the same key in every service of an organisation: rows are grouped by key alone
    (grouping by key and service would be the primary key, already ``duplicate-key``).
    """
    keys = _valid(keys, ("participant_key",))
    ids, first = group_ids(keys, ("participant_key",))
    first_of = first[ids]
    files = keys.column(FILE).to_numpy()
    for name in ATTRIBUTES:
        column = keys.column(name)
        codes = value_codes(column)
        reference = codes[first_of]
        conflict = (codes != reference) & (codes >= 0) & (reference >= 0)
        out.emit(
            "attribute-conflict",
            name,
            keys,
            conflict,
            column,
            detail=_first_values(column, first_of, files, keys, out),
        )


def _first_values(
    column: Any, first_of: IntArray, files: IntArray, keys: pa.Table, out: Emitter
) -> Callable[[IntArray], list[str]]:
    """Details naming each row's group's first value and where it is."""

    def detail(at: IntArray) -> list[str]:
        return [
            f"'{column[int(first_of[p])].as_py()}' on "
            f"{out.where(keys, int(first_of[p]), int(files[p]))}"
            for p in at
        ]

    return detail


def check_across(
    collector: KeyCollector, contexts: Sequence[CheckContext], workers: int = 2
) -> list[HeldFinding]:
    """Run every cross-record check on the keys of one validation run.

    The checks are independent, so they run on ``workers`` threads (their hash and
    sort kernels release the GIL). Findings are held, in a fixed order, so the report
    does not depend on which check finishes first, nor on what the caller records
    meanwhile.

    Returns:
        The findings, for :func:`~peerbench.validators.columnar.context.replay`.
    """
    tables = {name: collector.table(name) for name in list(collector.batches)}
    tasks: list[Callable[[Emitter], None]] = []
    for record_type, keys in tables.items():
        assert keys is not None
        tasks.append(partial(check_duplicates, record_type, keys))
        tasks.append(partial(check_references, record_type, collector))
        if record_type == "outcome":
            tasks.append(partial(check_outcome_dates, keys))
        if record_type == "participant":
            tasks.append(partial(check_attributes, keys))
    held: list[list[HeldFinding]] = [[] for _ in tasks]
    emitters = [Emitter([BatchContext.over(ctx, log) for ctx in contexts]) for log in held]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in [pool.submit(task, out) for task, out in zip(tasks, emitters, strict=True)]:
            future.result()
    return [finding for log in held for finding in log]
