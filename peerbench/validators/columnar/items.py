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

FloatMatrix = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def item_column(position: int) -> str:
    """The header of item ``position`` (1-based) in text formats."""
    return f"item_{position}"


@dataclass(frozen=True)
class ItemGrid:
    """Item responses of a batch.

    Attributes:
        values: ``(n, width)`` responses, NaN where missing or unreadable.
        lengths: Items given per row (0 for none).
        padded: True for text formats, where short rows are padded to the item count.
        unreadable: Rows with an item that is not a whole number (already reported, so
            not scored: the blank it leaves is not a missing answer).
    """

    values: FloatMatrix
    lengths: IntArray
    padded: bool
    unreadable: BoolArray

    def lists(self, item_counts: IntArray) -> Any:
        """Canonical ``list<int16>`` per row: padded to ``item_counts`` where allowed.

        Args:
            item_counts: The instrument's item count per row (0 where unknown).
        """
        lengths = self.lengths
        if self.padded:
            lengths = np.where(lengths > 0, np.maximum(lengths, item_counts), 0)
        width = max(int(lengths.max(initial=0)), self.values.shape[1])
        grid = self.widened(width)
        keep = np.arange(width) < lengths[:, None]
        flat = grid[keep]
        # Canonical items are int16; anything beyond it has been reported as out of range.
        flat = np.where(np.abs(flat) > np.iinfo(np.int16).max, np.nan, flat)
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
        values = pa.array(np.nan_to_num(flat).astype(np.int16), mask=np.isnan(flat))
        return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(lengths == 0))

    def widened(self, width: int) -> FloatMatrix:
        """``values`` with NaN columns added up to ``width``."""
        extra = width - self.values.shape[1]
        if extra <= 0:
            return self.values
        pad = np.full((self.values.shape[0], extra), np.nan)
        return np.hstack([self.values, pad])


def _read(values: Any, column: str, rows: IntArray, ctx: CheckContext) -> coerce.Coerced:
    """Item values as int64; unreadable ones reported as ``type-invalid``."""
    result = coerce.to_integer(values)
    ctx.emit(
        "type-invalid",
        column,
        rows[result.invalid],
        values=result.raw.filter(result.invalid),
        detail="a whole number",
    )
    return result


def _floats(values: Any) -> FloatMatrix:
    out: FloatMatrix = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    return out


def from_columns(
    table: pa.Table, columns: dict[int, str], ctx: CheckContext, first_row: int
) -> ItemGrid:
    """Read ``item_1`` … ``item_N`` columns (gaps in the numbering read as blank)."""
    n = table.num_rows
    width = max(columns, default=0)
    grid = np.full((n, width), np.nan)
    given = np.zeros((n, width), dtype=np.bool_)
    unreadable = np.zeros(n, dtype=np.bool_)
    rows = np.arange(n, dtype=np.int64) + first_row
    for position, name in columns.items():  # per column, never per row
        result = _read(coerce.as_text(table.column(name)), name, rows, ctx)
        grid[:, position - 1] = _floats(result.values)
        given[:, position - 1] = ~result.empty
        unreadable |= result.invalid
    last = np.zeros(n, dtype=np.int64)
    if width:
        last = np.where(given.any(axis=1), width - np.argmax(given[:, ::-1], axis=1), 0)
    return ItemGrid(grid, last.astype(np.int64), True, unreadable)


def from_lists(column: Any, ctx: CheckContext, first_row: int) -> ItemGrid:
    """Read a list column (typed, or list of strings from JSON)."""
    lists = coerce.as_array(column)
    if not (pa.types.is_list(lists.type) or pa.types.is_large_list(lists.type)):
        # Not a list at all: every non-empty cell is the wrong kind of value.
        text = coerce.as_text(lists)
        bad = ~coerce.flag(pc.is_null(text))
        ctx.emit_where(
            "type-invalid", "items", bad, first_row, values=text, detail="a list of whole numbers"
        )
        n = len(lists)
        return ItemGrid(np.empty((n, 0)), np.zeros(n, dtype=np.int64), False, bad)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy().astype(np.int64)
    n, width = len(lists), int(lengths.max(initial=0))
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    positions = np.arange(len(flat), dtype=np.int64) - starts[parents]
    result = coerce.to_integer(flat)
    for position in np.unique(positions[result.invalid]):  # per item position, not per row
        at = result.invalid & (positions == position)
        ctx.emit(
            "type-invalid",
            item_column(int(position) + 1),
            parents[at] + first_row,
            values=result.raw.filter(pa.array(at)),
            detail="a whole number",
        )
    grid = np.full((n, width), np.nan)
    grid[parents, positions] = _floats(result.values)
    unreadable = np.zeros(n, dtype=np.bool_)
    unreadable[parents[result.invalid]] = True
    return ItemGrid(grid, lengths, False, unreadable)
