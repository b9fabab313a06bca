"""Item responses as one dense matrix, from ``item_N`` text columns or a list column.

Text formats cannot tell a blank last answer from an absent one, so there a row's
length is the position of its last answered item and shorter rows are padded to the
instrument's item count (the blanks count as missing answers). A list column (Parquet,
JSON) keeps its length, so a list of the wrong length is always ``wrong-item-count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar import coerce
from peerbench.validators.columnar.context import BoolArray, CheckContext
from peerbench.validators.columnar.distinct import floats_distinct
from peerbench.validators.columnar.text import small_whole_numbers

FloatMatrix = npt.NDArray[np.floating[Any]]
"""Responses, float32 or float64 (see :attr:`ItemGrid.flat`)."""
FloatVector = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def item_column(position: int) -> str:
    """The header of item ``position`` (1-based) in text formats."""
    return f"item_{position}"


@dataclass(frozen=True)
class ItemGrid:
    """Item responses of a batch, flat: item ``j`` of row ``i`` is ``flat[starts[i] + j * stride]``.

    Keeping the values flat (as a list column stores them, ``stride`` 1) means an
    instrument's rows are read into an ``(m, k)`` matrix with one gather, and nothing is
    spent on padding every row to the widest list. Item columns of a text file are laid
    out column after column (``stride`` = rows), so each column is one contiguous copy.

    Attributes:
        flat: Responses, NaN where missing or unreadable; float32 when that holds every
            value exactly (it halves the memory read when instruments gather their rows).
        starts: Where each row's items begin in ``flat``.
        lengths: Items given per row (0 for none).
        padded: True for text formats, where short rows are padded to the item count.
        unreadable: Rows with an item that is not a whole number (already reported, so
            not scored: the blank it leaves is not a missing answer).
        canonical: The list column as given when it already is canonical (``list<int16>``,
            no empty lists, not padded), so it need not be rebuilt.
        stride: Distance in ``flat`` from one item of a row to the next.
    """

    flat: npt.NDArray[np.floating[Any]]
    starts: IntArray
    lengths: IntArray
    padded: bool
    unreadable: BoolArray
    canonical: Any = None
    stride: int = 1

    def row_lengths(self, item_counts: IntArray) -> IntArray:
        """Items per row in canonical form: padded to ``item_counts`` where allowed."""
        if not self.padded:
            return self.lengths
        out: IntArray = np.where(self.lengths > 0, np.maximum(self.lengths, item_counts), 0)
        return out

    def block(self, rows: IntArray, width: int) -> FloatMatrix:
        """``(len(rows), width)`` responses of ``rows``; NaN beyond a row's given items.

        The matrix has the dtype of ``flat`` (float32 where that is exact), which halves
        the memory every check of it reads.
        """
        dtype = self.flat.dtype
        if width == 0 or rows.size == 0 or self.flat.size == 0:
            return np.full((rows.size, width), np.nan, dtype=dtype)
        lengths = self.lengths[rows]
        complete = lengths >= width  # most rows; the rest are mostly without any items
        # int32 positions where they fit: half the memory of the (rows, width) index.
        starts: Any = self.starts[rows]
        if self.flat.size < 2**31:
            starts = starts.astype(np.int32)
        offsets = np.arange(width, dtype=starts.dtype) * self.stride
        if complete.all():
            full: FloatMatrix = self.flat.take(starts[:, None] + offsets)
            return full
        out = np.full((rows.size, width), np.nan, dtype=dtype)
        out[complete] = self.flat.take(starts[complete][:, None] + offsets)
        partial = np.flatnonzero(~complete & (lengths > 0))
        if partial.size:
            index = starts[partial][:, None] + offsets
            given = np.arange(width) < lengths[partial][:, None]
            out[partial] = np.where(given, self.flat.take(index, mode="clip"), np.nan)
        return out

    def columns(self, rows: IntArray, width: int) -> FloatMatrix:
        """:meth:`block` transposed: ``(width, len(rows))``, one contiguous row per item.

        Sums and tests across a row's items are then whole-vector operations, one per
        item, rather than a reduction over each row's few values (several times faster
        in NumPy).
        """
        if width and rows.size and self.flat.size and (self.lengths[rows] >= width).all():
            starts: Any = self.starts[rows]
            if self.flat.size < 2**31:
                starts = starts.astype(np.int32)
            offsets = np.arange(width, dtype=starts.dtype) * self.stride
            items: FloatMatrix = self.flat.take(offsets[:, None] + starts)
            return items
        return np.ascontiguousarray(self.block(rows, width).T)

    def lists(self, item_counts: IntArray) -> Any:
        """Canonical ``list<int16>`` per row: padded to ``item_counts`` where allowed.

        Args:
            item_counts: The instrument's item count per row (0 where unknown).
        """
        if self.canonical is not None:
            return self.canonical
        lengths = self.row_lengths(item_counts)
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        flat = self._flat_lists(lengths, int(offsets[-1]))
        # Canonical items are int16; anything beyond it has been reported as out of range.
        with np.errstate(invalid="ignore"):
            flat = np.where(np.abs(flat) > np.iinfo(np.int16).max, np.nan, flat)
        missing = np.isnan(flat)
        values = pa.array(np.where(missing, 0, flat).astype(np.int16), mask=missing)
        return pa.ListArray.from_arrays(
            pa.array(offsets.astype(np.int32)), values, mask=pa.array(lengths == 0)
        )

    def _flat_lists(self, lengths: IntArray, total: int) -> npt.NDArray[np.floating[Any]]:
        """The first ``lengths[i]`` answers of each row, concatenated (NaN past the given)."""
        n = lengths.size
        width = self.flat.size // n if n else 0
        if self.padded and n and self.stride == n and self.flat.size == n * width:
            # Text formats: a dense grid, laid out column after column (see from_columns),
            # so a mask picks the lists at once.
            wide = int(lengths.max(initial=0))
            grid = self.flat.reshape(width, n).T
            if wide > width:
                grid = np.hstack([grid, np.full((n, wide - width), np.nan, grid.dtype)])
            keep = np.arange(grid.shape[1]) < lengths[:, None]
            dense: npt.NDArray[np.floating[Any]] = grid[keep]
            return dense
        row = np.repeat(np.arange(n), lengths)
        position = np.arange(total) - (np.cumsum(lengths) - lengths)[row]
        flat = np.full(total, np.nan)
        given = position < self.lengths[row]
        flat[given] = self.flat[self.starts[row[given]] + position[given] * self.stride]
        return flat


def _read(
    values: Any, column: str, rows: IntArray, ctx: CheckContext
) -> tuple[FloatVector, coerce.Coerced]:
    """Item values as floats (NaN if blank or unreadable); unreadable ones reported.

    Plain digits (nearly every answer) are read from their bytes; otherwise answers
    repeat a handful of values, so they are read once per distinct value.
    """
    digits = small_whole_numbers(values)
    if digits is not None:
        array = coerce.as_array(values)
        none = np.zeros(len(array), dtype=np.bool_)
        return digits, coerce.Coerced(None, array, coerce.nulls(array), none)
    floats, result = floats_distinct(values, coerce.to_integer)
    if result.invalid.any():
        ctx.emit(
            "type-invalid",
            column,
            rows[result.invalid],
            values=result.raw.filter(pa.array(result.invalid)),
            detail="a whole number",
        )
    return floats, result


EXACT_FLOAT32 = 2**24
"""Whole numbers up to this size are exact in float32."""


def _fits_float32(flat: FloatVector) -> bool:
    """True when every value of ``flat`` is exact in float32 (NaN included)."""
    with np.errstate(invalid="ignore"):
        return not (flat > EXACT_FLOAT32).any() and not (flat < -EXACT_FLOAT32).any()


def _compact(flat: FloatVector) -> npt.NDArray[np.floating[Any]]:
    """``flat`` as float32 when every value survives the conversion exactly."""
    if flat.size == 0:
        return flat
    return flat.astype(np.float32) if _fits_float32(flat) else flat


def _typed_floats(flat: Any) -> npt.NDArray[np.floating[Any]]:
    """Typed whole numbers as floats with NaN for null (float32 when that is exact)."""
    if flat.type.bit_width > 16:
        return _compact(coerce.floats(flat))
    return coerce.floats(flat, np.float32)  # every 16-bit whole number is exact in it


def from_columns(
    table: pa.Table, columns: dict[int, str], ctx: CheckContext, first_row: int
) -> ItemGrid:
    """Read ``item_1`` … ``item_N`` columns (gaps in the numbering read as blank)."""
    n = table.num_rows
    width = max(columns, default=0)
    # Column after column (stride n): each item column is one contiguous copy.
    grid: npt.NDArray[np.floating[Any]] = np.full((width, n), np.nan, dtype=np.float32)
    last = np.zeros(n, dtype=np.int64)
    unreadable = np.zeros(n, dtype=np.bool_)
    rows = np.arange(n, dtype=np.int64) + first_row
    for position in sorted(columns):  # per column, never per row
        name = columns[position]
        column, result = _read(table.column(name), name, rows, ctx)
        if grid.dtype == np.float32 and not _fits_float32(column):
            grid = grid.astype(np.float64)  # an answer too large for float32 to hold exactly
        grid[position - 1] = column
        last[~result.empty] = position  # ascending positions: the last one given wins
        unreadable |= result.invalid
    starts = np.arange(n, dtype=np.int64)
    return ItemGrid(grid.ravel(), starts, last, True, unreadable, stride=n)


def _list_layout(lists: Any) -> tuple[IntArray, IntArray, Any]:
    """Where each list starts in its values, its length (0 for null) and the values.

    Read from the list offsets, with no pass over the values; values hidden behind a
    null list stay in place but are never read (its length is 0).
    """
    offsets = np.asarray(lists.offsets).astype(np.int64)  # int32 or int64 offsets
    lengths = np.diff(offsets)
    if lists.null_count:
        lengths[coerce.nulls(lists)] = 0
    values = lists.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    return offsets[:-1] - offsets[0], lengths, values


def from_lists(column: Any, ctx: CheckContext, first_row: int) -> ItemGrid:
    """Read a list column (typed, or list of strings from JSON)."""
    lists = coerce.as_array(column)
    n = len(lists)
    if not (pa.types.is_list(lists.type) or pa.types.is_large_list(lists.type)):
        # Not a list at all: every non-empty cell is the wrong kind of value.
        text = coerce.as_text(lists)
        bad = ~coerce.flag(pc.is_null(text))
        ctx.emit_where(
            "type-invalid", "items", bad, first_row, values=text, detail="a list of whole numbers"
        )
        none = np.zeros(n, dtype=np.int64)
        return ItemGrid(np.empty(0), none, none, False, bad)
    unreadable = np.zeros(n, dtype=np.bool_)
    if pa.types.is_integer(lists.type.value_type):
        # Typed whole numbers (Parquet): nothing to read or report, nulls become NaN.
        starts, lengths, values = _list_layout(lists)
        canonical = None
        if pa.types.is_list(lists.type) and pa.types.is_int16(values.type):
            # Canonical already unless an empty list must become null.
            canonical = lists if int((lengths == 0).sum()) == lists.null_count else None
        return ItemGrid(_typed_floats(values), starts, lengths, False, unreadable, canonical)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy().astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    # flatten() skips values hidden behind null lists, so it lines up with `lengths`.
    flat = pc.list_flatten(lists)
    result = coerce.to_integer(flat)
    if result.invalid.any():
        parents = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
        positions = np.arange(len(flat), dtype=np.int64) - starts[parents]
        for position in np.unique(positions[result.invalid]):  # per item position
            at = result.invalid & (positions == position)
            ctx.emit(
                "type-invalid",
                item_column(int(position) + 1),
                parents[at] + first_row,
                values=result.raw.filter(pa.array(at)),
                detail="a whole number",
            )
        unreadable[parents[result.invalid]] = True
    return ItemGrid(_compact(coerce.floats(result.values)), starts, lengths, False, unreadable)
