"""Run a column check once per distinct value when values repeat.

Codes, dates, service ids and participant keys repeat many times in a file, so
checking the dictionary of distinct values and spreading the answer back by index is
much cheaper than running a regex or lookup over every cell. Columns of mostly unique
values (record ids) skip the dictionary, since building it would cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar.coerce import (
    Coerced,
    as_array,
    entry_positions,
    nulls,
    spread,
)
from peerbench.validators.columnar.context import BoolArray

MIN_ROWS = 4096
"""Below this many rows the plain path is fast enough."""
SAMPLE = 4096
COMPACT_ABOVE = 4096
"""Dictionaries longer than this are checked for entries no row uses."""
MAX_DISTINCT_SHARE = 0.5
"""Use the dictionary when a sample has at most this share of distinct values."""


def _encoded(column: Any) -> tuple[Any, Any, BoolArray] | None:
    """``(dictionary, indices, null)`` for a repetitive text column, else None.

    ``indices`` are Arrow ``int32`` indices, null where the cell is null.
    """
    array = as_array(column)
    if pa.types.is_dictionary(array.type) and pa.types.is_string(array.type.value_type):
        # Already encoded (Parquet text columns are read dictionary-encoded): free.
        indices = array.indices.cast(pa.int32())
        null = nulls(indices)
        if len(array.dictionary) <= COMPACT_ABOVE:
            return array.dictionary, indices, null
        return (*_compacted(array.dictionary, indices, null), null)
    if len(array) < MIN_ROWS or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        return None
    sample = array.slice(0, SAMPLE)
    if pc.count_distinct(sample).as_py() > MAX_DISTINCT_SHARE * len(sample):
        return None
    encoded = pc.dictionary_encode(array)
    return encoded.dictionary, encoded.indices, nulls(encoded.indices)


def _compacted(dictionary: Any, indices: Any, null: BoolArray) -> tuple[Any, Any]:
    """Drop dictionary entries no row uses (index order is kept).

    Arrow's Parquet reader hands every batch of a row group the dictionary of all values
    read so far, so later batches of a large file carry many values they never use.
    """
    positions = pc.fill_null(indices, 0).to_numpy()
    used = np.bincount(positions[~null], minlength=len(dictionary)) > 0
    if used.all():
        return dictionary, indices
    remap = (np.cumsum(used) - 1).astype(np.int32)
    compact = pa.array(remap[positions], mask=null)
    return dictionary.take(pa.array(np.flatnonzero(used))), compact


def _all_null(array: Any, convert: Callable[[Any], Coerced]) -> Coerced:
    """An empty column (common: item columns past an instrument's last item)."""
    n = len(array)
    kind = convert(pa.nulls(1, array.type))  # for the canonical types only
    values = pa.nulls(n, as_array(kind.values).type)
    raw = pa.nulls(n, as_array(kind.raw).type)
    return Coerced(values, raw, np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_))


def coerce_distinct(column: Any, convert: Callable[[Any], Coerced]) -> Coerced:
    """``convert(column)``, computed on the distinct values when that is cheaper."""
    array = as_array(column)
    if len(array) and array.null_count == len(array):
        return _all_null(array, convert)
    encoded = _encoded(array)
    if encoded is None:
        return convert(array)
    dictionary, indices, null = encoded
    if not null.all() and len(dictionary) == 0:
        return convert(array)
    small = convert(dictionary)
    canonical = as_array(small.values)
    # The raw text is only read for listed findings: a dictionary view avoids copying it.
    raw = pa.DictionaryArray.from_arrays(indices, as_array(small.raw))
    empty, invalid = null, np.zeros(len(null), dtype=np.bool_)
    if small.empty.any() or small.invalid.any():
        positions = entry_positions(indices, len(dictionary))
        empty = spread(small.empty, positions, True)
        invalid = spread(small.invalid, positions, False)
    # A null index gives a null value once decoded.
    encoded = pa.DictionaryArray.from_arrays(indices, canonical)
    return Coerced.from_encoded(encoded, raw, empty, invalid)


def deduplicated(view: Any) -> Any:
    """A dictionary array with a dictionary of distinct, non-null values.

    A converted dictionary can repeat values (``Baseline`` and ``baseline`` both become
    ``baseline``) or hold nulls (invalid cells); re-encoding the small dictionary and
    remapping the indices fixes both without touching the rows' text.
    """
    recoded = pc.dictionary_encode(view.dictionary)
    indices = recoded.indices.take(view.indices)
    return pa.DictionaryArray.from_arrays(indices, recoded.dictionary)


def floats_distinct(
    column: Any, convert: Callable[[Any], Coerced]
) -> tuple[npt.NDArray[np.float64], Coerced]:
    """``convert(column)`` as float64 NumPy values (NaN for null), plus its masks and raw.

    For numbers that are only needed in NumPy (item answers): the distinct values are
    converted and spread with a NumPy gather, never materialised as an Arrow column.
    """
    array = as_array(column)
    encoded = None if array.null_count == len(array) else _encoded(array)
    if encoded is None:
        result = coerce_distinct(array, convert)
        floats = pc.cast(result.values, pa.float64()).to_numpy(zero_copy_only=False)
        return floats, result
    dictionary, indices, _null = encoded
    small = convert(dictionary)
    positions = entry_positions(indices, len(dictionary))
    small_floats = pc.cast(small.values, pa.float64()).to_numpy(zero_copy_only=False)
    floats = spread(small_floats, positions, np.nan)
    empty = spread(small.empty, positions, True)
    invalid = spread(small.invalid, positions, False)
    raw = pa.DictionaryArray.from_arrays(indices, as_array(small.raw))
    return floats, Coerced(None, raw, empty, invalid)


__all__ = ["coerce_distinct", "deduplicated", "floats_distinct"]
