"""Small helpers that turn NumPy arrays into Arrow columns without a per-row Python loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EPOCH = dt.date(1970, 1, 1)


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01, the representation Arrow's ``date32`` uses."""
    return (date - EPOCH).days


def categorical(
    index: npt.NDArray[Any], vocab: Sequence[str], null: BoolArray | None = None
) -> Any:
    """A string column from codes ``vocab[index]``; rows where ``null`` is true are null.

    Arrow's ``take`` on the small vocabulary is far faster than indexing a Python list.
    """
    indices = pa.array(np.asarray(index, dtype=np.int32), mask=null)
    return pa.array(list(vocab), pa.string()).take(indices)


def dates(days: npt.NDArray[Any], null: BoolArray | None = None) -> Any:
    """A ``date32`` column from day numbers (see :func:`day_number`)."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32(), mask=null).cast(pa.date32())


def integers(values: npt.NDArray[Any], null: BoolArray | None = None) -> Any:
    """An ``int32`` column, null where ``null`` is true."""
    return pa.array(np.asarray(values, dtype=np.int32), type=pa.int32(), mask=null)


def numbered_ids(prefix: str, numbers: npt.NDArray[Any], width: int) -> Any:
    """Identifiers ``<prefix><zero-padded number>`` made by Arrow compute, not Python."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def weighted_choice(
    rng: np.random.Generator, probabilities: npt.NDArray[np.float64], rows: IntArray
) -> IntArray:
    """One category per row, each row drawing from its own probability vector.

    Args:
        rng: Random source.
        probabilities: ``(groups, categories)`` matrix; each row sums to 1.
        rows: For each output row, which group's probabilities to use.

    Returns:
        Category indices, one per entry of ``rows``.
    """
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(int(rows.shape[0]))
    chosen = np.zeros(rows.shape[0], dtype=np.int64)
    for group in np.unique(rows):  # a handful of groups; rows inside are vectorised
        where = rows == group
        row: FloatArray = cumulative[group]
        chosen[where] = np.searchsorted(row, u[where], side="right")
    result: IntArray = np.minimum(chosen, probabilities.shape[1] - 1)
    return result


def normalised(weights: Sequence[float]) -> FloatArray:
    """``weights`` divided by their sum."""
    array = np.asarray(weights, dtype=np.float64)
    result: FloatArray = array / array.sum()
    return result
