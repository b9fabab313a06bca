"""Turn item responses (Arrow lists or a 2-D array) into a dense numeric matrix.

Scoring works on an ``(n, k)`` float matrix with NaN for a missing item, so every step
after this one is a NumPy operation over whole columns. Rows whose list length is not
``k`` cannot be placed in the matrix; they are flagged instead and never scored.
"""

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]

ItemsInput: TypeAlias = Any
"""A pyarrow ListArray, LargeListArray, FixedSizeListArray or ChunkedArray of lists of
numbers (null item = missing, null list = no items), or a 2-D NumPy array (NaN = missing).
Typed as Any because pyarrow ships no type information."""


@dataclass(frozen=True)
class ItemMatrix:
    """Item responses of the rows that have exactly ``k`` items, plus per-row flags.

    Attributes:
        values: ``(m, k)`` float matrix for the ``m`` rows where ``complete_shape`` is True.
        complete_shape: Per input row, whether it has exactly ``k`` items (a null list
            counts as having none).
        wrong_length: Per input row, a non-null list whose length is not ``k``.
        n_missing: Per input row, missing items: nulls inside the list, or ``k`` for a
            null list.
        integral: True when the input type can only hold whole numbers, so the check
            for fractional responses can be skipped.
        value_range: Smallest and largest answered value over *all* rows (None when
            nothing is answered); lets scoring skip per-row range checks when every
            value is plainly in range.
    """

    values: FloatArray
    complete_shape: BoolArray
    wrong_length: BoolArray
    n_missing: IntArray
    integral: bool = False
    value_range: tuple[float, float] | None = None

    @property
    def n_rows(self) -> int:
        """Number of input rows."""
        return int(self.complete_shape.shape[0])


def _nan_range(values: FloatArray) -> tuple[float, float] | None:
    answered = values[~np.isnan(values)]
    return (float(answered.min()), float(answered.max())) if answered.size else None


def _from_numpy(items: npt.NDArray[Any], k: int) -> ItemMatrix:
    if items.ndim != 2:
        raise ValueError(f"a NumPy item array must be 2-D (rows x items), got {items.ndim}-D")
    values = np.asarray(items, dtype=np.float64)
    n = values.shape[0]
    n_missing = np.isnan(values).sum(axis=1, dtype=np.int64)
    if values.shape[1] != k:
        none = np.zeros(n, dtype=np.bool_)
        return ItemMatrix(np.empty((0, k)), none, ~none, n_missing)
    every = np.ones(n, dtype=np.bool_)
    return ItemMatrix(values, every, ~every, n_missing, value_range=_nan_range(values))


def _list_array(items: Any) -> Any:
    if isinstance(items, pa.ChunkedArray):
        items = items.combine_chunks() if items.num_chunks else pa.array([], items.type)
    if not isinstance(items, pa.Array) or not (
        pa.types.is_list(items.type)
        or pa.types.is_large_list(items.type)
        or pa.types.is_fixed_size_list(items.type)
    ):
        raise TypeError(
            "items must be a pyarrow list array (or chunked array of lists) or a 2-D "
            f"NumPy array, got {type(items).__name__}"
        )
    value_type = items.type.value_type
    if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type)):
        raise TypeError(f"item values must be numbers, got {value_type}")
    return items


def row_blocks(items: ItemsInput, block_rows: int) -> list[Any]:
    """Split the input into zero-copy slices of at most ``block_rows`` rows.

    Scoring block by block keeps the temporary matrices small: the memory is reused
    from block to block instead of being freshly mapped for 10M-row temporaries,
    which on its own roughly halves the time of a large first call.
    """
    if items is None:
        raise TypeError("items are required for this instrument")
    if not isinstance(items, np.ndarray):
        items = _list_array(items)
    n = len(items)
    if n <= block_rows:
        return [items]
    return [items[start : start + block_rows] for start in range(0, n, block_rows)]


def item_matrix(items: ItemsInput, k: int) -> ItemMatrix:
    """Build an ``ItemMatrix`` for an instrument with ``k`` items.

    Args:
        items: See ``ItemsInput``.
        k: The number of items the instrument has.

    Returns:
        The dense matrix of well-shaped rows and the per-row flags.

    Raises:
        TypeError: if ``items`` is not a supported type or holds non-numeric values.
    """
    if isinstance(items, np.ndarray):
        return _from_numpy(items, k)
    if items is None:
        raise TypeError("items are required for this instrument")
    arr = _list_array(items)
    null_list = arr.is_null().to_numpy(zero_copy_only=False)
    lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy().astype(np.int64)
    complete = lengths == k
    wrong = ~complete & ~null_list
    # flatten() honours slicing and skips values hidden behind null lists, so the flat
    # values line up with `lengths` row by row.
    flat_arrow = pc.cast(arr.flatten(), pa.float64())
    flat = flat_arrow.to_numpy(zero_copy_only=False)
    if complete.all():
        values = flat.reshape(-1, k)
    else:
        values = flat[np.repeat(complete, lengths)].reshape(-1, k)
    n_missing = np.where(null_list, k, 0).astype(np.int64)
    # Counting NaNs per row is one of the slower steps, so skip it when Arrow already
    # knows there are no nulls (NaN can only arrive in float input).
    integral = pa.types.is_integer(arr.type.value_type)
    if flat_arrow.null_count or not integral:
        n_missing[complete] = np.isnan(values).sum(axis=1)
    extremes = pc.min_max(flat_arrow)  # nulls and NaN are skipped by Arrow's min_max
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    value_range = None if low is None else (float(low), float(high))
    if wrong.any():
        # Count nulls in odd-length lists from a running total over the flat values.
        running = np.concatenate(([0], np.cumsum(np.isnan(flat), dtype=np.int64)))
        ends = np.cumsum(lengths)
        n_missing[wrong] = (running[ends] - running[ends - lengths])[wrong]
    return ItemMatrix(values, complete, wrong, n_missing, integral, value_range)


def as_float_vector(values: Any) -> FloatArray:
    """Convert a score column (Arrow array, chunked array, NumPy array or sequence with
    None) to a float64 NumPy vector with NaN for null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"scores must be 1-D, got {values.ndim}-D")
        return np.asarray(values, dtype=np.float64)
    if not isinstance(values, pa.Array):
        values = pa.array(values)
    if not (
        pa.types.is_integer(values.type)
        or pa.types.is_floating(values.type)
        or pa.types.is_null(values.type)
    ):
        raise TypeError(f"scores must be numbers, got {values.type}")
    out: FloatArray = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    return out
