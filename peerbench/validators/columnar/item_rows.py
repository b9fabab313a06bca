"""One pass over an instrument's rows: answers out of range, answers missing, totals.

Large batches use a compiled loop (:mod:`.kernels_jit`, Numba) that reads each answer
once. NumPy, the reference the loop is tested against, builds a ``(k, m)`` matrix
first (one row per item) and takes several passes over it; for a million outcome rows
that was about 40% of all validation time in the ``(m, k)`` layout, 2.5 times what it
is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from peerbench.schema.instruments.scoring import item_bounds
from peerbench.validators.columnar import compiled as compiled_loops
from peerbench.validators.columnar.context import BoolArray
from peerbench.validators.columnar.items import FloatVector, IntArray, ItemGrid

if TYPE_CHECKING:  # definitions are only read: models or frozen copies
    from peerbench.schema.instruments.definition import InstrumentDefinition


@dataclass(frozen=True)
class Scale:
    """An instrument's item scale, as the row summaries need it.

    Attributes:
        low: Lowest allowed answer per item.
        high: Highest allowed answer per item.
        reverse: Items scored in reverse (``low + high - answer``).
    """

    low: FloatVector
    high: FloatVector
    reverse: BoolArray

    @classmethod
    def of(cls, definition: InstrumentDefinition) -> Scale:
        """The scale of ``definition``'s items."""
        low, high = item_bounds(definition)
        reverse = np.zeros(low.size, dtype=np.bool_)
        reverse[np.asarray(definition.reverse_items, dtype=np.int64) - 1] = True
        return cls(low, high, reverse)


@dataclass(frozen=True)
class RowSummary:
    """Per row of an instrument (in the order of the rows asked for).

    Attributes:
        bad: Whether any answer is out of the item's range.
        n_missing: Items without an answer (including items the row lacks).
        total: Sum of the answers, reverse-scored items flipped; only meaningful
            where ``bad`` is False.
    """

    bad: BoolArray
    n_missing: IntArray
    total: FloatVector


def summarise(grid: ItemGrid, rows: IntArray, scale: Scale, *, compiled: bool) -> RowSummary:
    """Summarise the first ``len(scale.low)`` answers of each of ``rows``.

    Args:
        grid: The batch's item responses.
        rows: Batch positions of the instrument's rows.
        scale: The instrument's item scale.
        compiled: Use the compiled loop (NumPy if it cannot be loaded).
    """
    kernel = compiled_loops.kernel("summarise_rows") if compiled else None
    if kernel is None:
        return summarise_numpy(grid, rows, scale)
    m = rows.size
    summary = RowSummary(
        np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.float64)
    )
    kernel(
        np.ascontiguousarray(grid.flat),
        np.ascontiguousarray(grid.starts, dtype=np.int64),
        np.ascontiguousarray(grid.lengths, dtype=np.int64),
        int(grid.stride),
        np.ascontiguousarray(rows, dtype=np.int64),
        scale.low,
        scale.high,
        scale.reverse,
        summary.bad,
        summary.n_missing,
        summary.total,
    )
    return summary


def summarise_numpy(grid: ItemGrid, rows: IntArray, scale: Scale) -> RowSummary:
    """:func:`summarise` with NumPy over the rows' answers, one vector per item.

    The ``(k, m)`` matrix (:meth:`~.items.ItemGrid.columns`) stays in the grid's dtype
    (float32 where that is exact) and is summed into float64; reverse-scored items are
    corrected afterwards, on their rows only (``low + high - x`` is
    ``x + (low + high - 2x)``). Answers are whole numbers, so every sum is exact
    whatever its order.
    """
    k = scale.low.size
    items = grid.columns(rows, k)
    missing = np.isnan(items)
    with np.errstate(invalid="ignore"):
        out_of_range = (items < scale.low[:, None]) | (items > scale.high[:, None])
    bad = np.asarray(out_of_range.any(axis=0))
    answered = np.where(missing, items.dtype.type(0), items)
    total = answered.sum(axis=0, dtype=np.float64)
    reverse = np.flatnonzero(scale.reverse)
    if reverse.size:
        pivot = scale.low[reverse] + scale.high[reverse]
        flipped = np.where(missing[reverse], 0.0, pivot[:, None]) - 2.0 * answered[reverse]
        total += flipped.sum(axis=0)
    n_missing = np.count_nonzero(missing, axis=0).astype(np.int64)
    return RowSummary(bad, n_missing, total)
