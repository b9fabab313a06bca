"""Grouping rows by key columns: codes equal exactly where the keys are.

The cross-record checks group millions of keys; these helpers keep that to integer
arithmetic on dictionary indices wherever they can, and to one hash pass otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.signedinteger[Any]]
"""Group or value codes: int32 while they fit, which halves the memory each pass moves."""


def is_dictionary(column: Any) -> bool:
    """Whether ``column`` is dictionary-encoded."""
    return bool(pa.types.is_dictionary(column.type))


def value_codes(column: Any) -> Codes:
    """Codes that are equal exactly where the values are (-1 for null), in no set order.

    Dictionary columns from :class:`KeyCollector` share one dictionary of distinct
    values, so their indices already are such codes; other columns take a hash pass.
    """
    if is_dictionary(column):
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        if not chunks:
            return np.zeros(0, dtype=np.int32)
        indices = pa.chunked_array([chunk.indices for chunk in chunks]).combine_chunks()
    else:
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        indices = pc.dictionary_encode(array).indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes: Codes = indices.to_numpy()  # int32, as Arrow's dictionary indices are
    return codes


def _in_order(codes: IntArray) -> IntArray:
    """``codes`` renumbered densely in order of first appearance (a hash pass, no sort)."""
    dense: IntArray = pc.dictionary_encode(pa.array(codes)).indices.to_numpy().astype(np.int64)
    return dense


DIRECT_LIMIT = 1 << 24
"""Group codes below this are used directly as array positions (no hash pass)."""


def _determined(codes: Codes, other: Codes, bound: int) -> bool:
    """True when ``other`` has one value per code (so it adds nothing to the grouping).

    One scatter and one gather: every code remembers the value of its last row, and the
    rows agree with that exactly when each code has a single value.
    """
    seen = np.empty(bound, dtype=other.dtype)
    for rows in (slice(0, 4096), slice(None)):  # a cheap look at the head usually decides
        seen[codes[rows]] = other[rows]
        if not (seen[codes[rows]] == other[rows]).all():
            return False
    return True


def _compact(codes: Codes, bound: int) -> tuple[Codes, int]:
    """``codes`` renumbered 0, 1, ... in code order, with the new bound (no hash pass)."""
    used = np.zeros(bound, dtype=np.bool_)
    used[codes] = True
    renumber = np.cumsum(used) - 1
    return renumber[codes], int(renumber[-1]) + 1


def group_codes(keys: pa.Table, columns: Sequence[str]) -> tuple[Codes, int]:
    """Codes equal exactly where ``columns`` (which hold no nulls) are, and their bound.

    Unlike :func:`dense_ids` the codes are in no particular order and need not be dense,
    only below the bound, which is small enough for an array indexed by code. Columns
    are combined arithmetically while the bound stays under :data:`DIRECT_LIMIT`; a
    column that the others already determine (the service of a participant who uses
    one service) is skipped; otherwise the codes seen so far are renumbered densely
    first, and only if that is still too wide does a hash pass renumber everything.
    """
    if keys.num_rows == 0:
        return np.zeros(0, dtype=np.int32), 0
    codes = value_codes(keys.column(columns[0]))
    bound = int(codes.max(initial=0)) + 1
    for name in columns[1:]:
        other = value_codes(keys.column(name))
        width = int(other.max(initial=0)) + 1
        if _determined(codes, other, bound):
            continue  # keeps the bound small for the columns after it
        if bound * width > DIRECT_LIMIT:
            codes, bound = _compact(codes, bound)  # only the codes that occur
            if bound * width > DIRECT_LIMIT:
                codes = dense_ids(keys, columns)
                return codes, int(codes.max(initial=0)) + 1
        codes, bound = codes * width + other, bound * width
    return codes, bound


def dense_ids(keys: pa.Table, columns: Sequence[str]) -> IntArray:
    """A dense id per row, equal exactly where ``columns`` (which hold no nulls) are.

    Ids are numbered in order of first appearance.
    """
    if keys.num_rows == 0:
        return np.zeros(0, dtype=np.int64)
    ids: IntArray = value_codes(keys.column(columns[0])).astype(np.int64)  # products grow
    in_order = not is_dictionary(keys.column(columns[0]))
    for name in columns[1:]:
        codes = value_codes(keys.column(name))
        width = int(codes.max(initial=0)) + 1
        if (int(ids.max(initial=0)) + 1) * width >= 2**62:
            ids = _in_order(ids)  # dense again, so the product below cannot overflow
        # One combined code per distinct tuple; a single hash pass below makes it dense.
        ids, in_order = ids * width + codes, False
    return ids if in_order else _in_order(ids)


def group_ids(keys: pa.Table, columns: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Group rows with equal values in ``columns`` (which hold no nulls).

    Returns:
        A dense group id per row, numbered in order of first appearance, and the first
        row of each group.
    """
    ids = dense_ids(keys, columns)
    # Ids are handed out in order of first appearance, so a row starts a group exactly
    # when its id is larger than every id before it.
    previous = np.concatenate(([-1], np.maximum.accumulate(ids)[:-1]))
    first = np.flatnonzero(ids > previous)
    return ids, first
