"""Checks across records and files: duplicates, references, baselines, participant details.

All checks work on the key columns kept by :class:`KeyCollector`, with rows grouped by
dense integer ids (``group_ids``) so every step is an Arrow or NumPy operation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.codelists import Timepoint
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.columnar.coerce import flag
from peerbench.validators.columnar.context import BoolArray, CheckContext
from peerbench.validators.columnar.keys import ATTRIBUTES, FILE, REFERENCES, ROW, KeyCollector

IntArray = npt.NDArray[np.int64]

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

    def where(self, keys: pa.Table, position: int, file_index: int) -> str:
        """``row 5``, or ``other.csv row 5`` when the row is in another file."""
        row = int(keys.column(ROW)[position].as_py())
        other = int(keys.column(FILE)[position].as_py())
        if other == file_index:
            return f"row {row}"
        return f"{self.file(other)} row {row}"


def _bind(detail: Callable[[IntArray], list[str]], head: IntArray) -> Callable[[Any], list[str]]:
    def bound(_values: Any) -> list[str]:
        return detail(head)

    return bound


def _valid(keys: pa.Table, columns: Sequence[str]) -> pa.Table:
    mask = np.ones(keys.num_rows, dtype=np.bool_)
    for name in columns:
        mask &= flag(pc.is_valid(keys.column(name)))
    return keys if mask.all() else keys.filter(pa.array(mask))


def _codes(column: Any) -> IntArray:
    """Dense ids in order of first appearance (a hash pass, no sort)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    codes: IntArray = pc.dictionary_encode(array).indices.to_numpy().astype(np.int64)
    return codes


def group_ids(keys: pa.Table, columns: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Group rows with equal values in ``columns`` (which hold no nulls).

    Returns:
        A dense group id per row, numbered in order of first appearance, and the first
        row of each group.
    """
    ids = np.zeros(keys.num_rows, dtype=np.int64)
    for i, name in enumerate(columns):
        codes = _codes(keys.column(name))
        # Both factors are below the row count, so the product cannot overflow int64;
        # re-encoding keeps the ids dense (and in order of first appearance).
        ids = codes if i == 0 else _codes(pa.array(ids * (int(codes.max(initial=0)) + 1) + codes))
    # Ids are handed out in order of first appearance, so a row starts a group exactly
    # when its id is larger than every id before it.
    previous = np.concatenate(([-1], np.maximum.accumulate(ids)[:-1]))
    first = np.flatnonzero(ids > previous)
    return ids, first


def check_duplicates(record_type: str, keys: pa.Table, out: Emitter) -> None:
    """``duplicate-key`` for every repeat of a primary key; value = where it first was."""
    primary = RECORD_TYPES[record_type].primary_key
    keys = _valid(keys, primary)
    ids, first = group_ids(keys, primary)
    first_of = first[ids]
    repeat = first_of != np.arange(keys.num_rows)
    first_rows = pa.array(keys.column(ROW).to_numpy()[first_of])
    files = keys.column(FILE).to_numpy()
    label = " + ".join(primary)

    def detail(at: IntArray) -> list[str]:
        out_text = []
        for p in at:  # listed findings only
            first_file = int(files[first_of[p]])
            elsewhere = "" if first_file == files[p] else f" (first in {out.file(first_file)})"
            out_text.append(f"{label} '{_key_text(keys, primary, int(p))}'{elsewhere}")
        return out_text

    out.emit("duplicate-key", primary[0], keys, repeat, first_rows, detail=detail)


def _key_text(keys: pa.Table, columns: Sequence[str], position: int) -> str:
    return " / ".join(str(keys.column(c)[position].as_py()) for c in columns)


def _joined(keys: pa.Table, columns: Sequence[str]) -> Any:
    if len(columns) == 1:
        return keys.column(columns[0])
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
        assert tuple(columns) == RECORD_TYPES[target].primary_key
        keys = _valid(keys, columns)
        known = pc.unique(_joined(_valid(target_keys, columns), columns))
        missing = ~flag(pc.is_in(_joined(keys, columns), value_set=known))
        what = f"{' and '.join(columns)} in {RECORD_TYPES[target].file_stem}"
        out.emit(
            "unknown-reference", columns[0], keys, missing, keys.column(columns[0]), detail=what
        )


def check_outcome_dates(keys: pa.Table, out: Emitter) -> None:
    """Follow-ups before their baseline (error) or far from their nominal time (warning)."""
    columns = ("participant_key", "service_id", "instrument", "timepoint", "date_administered")
    keys = _valid(keys, columns)
    ids, _ = group_ids(keys, columns[:3])
    timepoint = keys.column("timepoint")
    days = pc.cast(keys.column("date_administered"), pa.int32()).to_numpy().astype(np.int64)
    baseline = flag(pc.equal(timepoint, Timepoint.BASELINE.value))
    none = np.iinfo(np.int64).max
    base = np.full(int(ids.max(initial=-1)) + 1, none, dtype=np.int64)
    np.minimum.at(base, ids[baseline], days[baseline])  # earliest baseline per group
    since = days - base[ids]
    has_base = ~baseline & (base[ids] != none)
    before = has_base & (since < 0)
    out.emit(
        "follow-up-before-baseline",
        "date_administered",
        keys,
        before,
        keys.column("date_administered"),
        detail=lambda at: [str(timepoint[int(p)].as_py()) for p in at],
    )
    for name, (low, high) in TIMEPOINT_WINDOWS.items():
        outside = has_base & ~before & flag(pc.equal(timepoint, name))
        outside &= (since < low) | (since > high)
        out.emit(
            "timepoint-out-of-window", "timepoint", keys, outside, pa.array(since), detail=name
        )


def check_attributes(keys: pa.Table, out: Emitter) -> None:
    """``attribute-conflict`` where rows for one participant disagree with its first row."""
    keys = _valid(keys, ("participant_key", "service_id"))
    ids, first = group_ids(keys, ("participant_key", "service_id"))
    first_of = first[ids]
    files = keys.column(FILE).to_numpy()
    for name in ATTRIBUTES:
        column = keys.column(name).combine_chunks()
        encoded = pc.dictionary_encode(column)
        codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
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


def check_across(collector: KeyCollector, contexts: Sequence[CheckContext]) -> None:
    """Run every cross-record check on the keys of one validation run."""
    out = Emitter(contexts)
    for record_type in collector.batches:
        keys = collector.table(record_type)
        assert keys is not None
        check_duplicates(record_type, keys, out)
        check_references(record_type, collector, out)
        if record_type == "outcome":
            check_outcome_dates(keys, out)
        if record_type == "participant":
            check_attributes(keys, out)
