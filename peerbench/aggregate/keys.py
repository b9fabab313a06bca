"""Integer surrogate keys, computed column-wise with pyarrow and NumPy.

Grouping and sorting by 32-character participant keys is the slowest part of every
aggregation, so the scored table carries two int64 keys:

* ``person``: one value per participant × service (``service index × number of distinct
  participant keys + participant-key index``, from dictionary encoding). Valid only
  within the tables encoded together; never an identifier outside them.
* ``seq``: sorts rows by ``date_administered`` then ``record_id``
  (``days since 1970 << 32 | rank of record_id``), the order that picks the earliest
  baseline and the last follow-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Int64Array = npt.NDArray[np.int64]


def _codes(columns: Sequence[Any]) -> tuple[Int64Array, int]:
    """Dictionary indices of several string columns encoded together, and the dictionary size."""
    chunks = [chunk for column in columns for chunk in _chunks(column)]
    joined = pa.chunked_array(chunks, pa.string())
    encoded = pc.dictionary_encode(joined).combine_chunks()
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return indices, len(encoded.dictionary)


def _chunks(column: Any) -> list[pa.Array]:
    if isinstance(column, pa.ChunkedArray):
        return [c.cast(pa.string()) for c in column.chunks]
    return [column.cast(pa.string())]


def person_ids(tables: Sequence[pa.Table]) -> list[Int64Array]:
    """The ``person`` key of every row of each table, consistent across the tables.

    Args:
        tables: Tables with ``participant_key`` and ``service_id`` columns.

    Returns:
        One int64 array per table, in row order.
    """
    people, n_people = _codes([t.column("participant_key") for t in tables])
    services, _ = _codes([t.column("service_id") for t in tables])
    ids = services * n_people + people
    bounds = np.cumsum([0, *(t.num_rows for t in tables)])
    return [ids[bounds[i] : bounds[i + 1]] for i in range(len(tables))]


def day_numbers(dates: Any) -> Int64Array:
    """Days since 1970-01-01 of a date32 column (null → int64 minimum)."""
    days = pc.cast(dates, pa.int32()).to_numpy(zero_copy_only=False)
    out: Int64Array = np.nan_to_num(days, nan=np.iinfo(np.int64).min).astype(np.int64)
    return out


def sequence_keys(dates: Any, record_ids: Any) -> Int64Array:
    """The ``seq`` key: orders rows by date, then record id.

    Example:
        >>> import datetime as dt
        >>> keys = sequence_keys(pa.array([dt.date(2025, 1, 2), dt.date(2025, 1, 1),
        ...     dt.date(2025, 1, 2)]), pa.array(["b", "z", "a"]))
        >>> [int(i) for i in np.argsort(keys)]
        [1, 2, 0]
    """
    rank = pc.rank(record_ids, sort_keys="ascending", tiebreaker="dense")
    ranks = rank.to_numpy(zero_copy_only=False).astype(np.int64)
    keys: Int64Array = (day_numbers(dates) << 32) | ranks
    return keys


def group_minimum(groups: Int64Array, values: Int64Array, mask: npt.NDArray[np.bool_]) -> Any:
    """Per row, the minimum of ``values`` over rows of its group where ``mask`` holds.

    Returns:
        A float64 array (NaN where the group has no such row).
    """
    unique, inverse = np.unique(groups, return_inverse=True)
    least = np.full(unique.shape[0], np.inf)
    np.minimum.at(least, inverse[mask], values[mask].astype(np.float64))
    return least[inverse]
