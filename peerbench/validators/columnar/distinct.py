"""Run a column check once per distinct value when values repeat.

Codes, dates, service ids and participant keys repeat many times in a file, so
checking the dictionary of distinct values and spreading the answer back by index is
much cheaper than running a regex or lookup over every cell. Columns of mostly unique
values (record ids) skip the dictionary, since building it would cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar.coerce import Coerced, as_array, flag
from peerbench.validators.columnar.context import BoolArray

MIN_ROWS = 4096
"""Below this many rows the plain path is fast enough."""
SAMPLE = 4096
MAX_DISTINCT_SHARE = 0.5
"""Use the dictionary when a sample has at most this share of distinct values."""


def _encoded(column: Any) -> tuple[Any, Any, BoolArray] | None:
    """``(dictionary, indices, null)`` for a repetitive text column, else None."""
    array = as_array(column)
    if pa.types.is_dictionary(array.type) and pa.types.is_string(array.type.value_type):
        # Already encoded (Parquet dictionary columns read with read_dictionary): free.
        null = flag(pc.is_null(array.indices))
        return array.dictionary, pc.fill_null(array.indices, 0), null
    if len(array) < MIN_ROWS or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        return None
    sample = array.slice(0, SAMPLE)
    if pc.count_distinct(sample).as_py() > MAX_DISTINCT_SHARE * len(sample):
        return None
    encoded = pc.dictionary_encode(array)
    null = flag(pc.is_null(encoded.indices))
    return encoded.dictionary, pc.fill_null(encoded.indices, 0), null


def coerce_distinct(column: Any, convert: Callable[[Any], Coerced]) -> Coerced:
    """``convert(column)``, computed on the distinct values when that is cheaper."""
    encoded = _encoded(column)
    if encoded is None:
        return convert(column)
    dictionary, indices, null = encoded
    small = convert(dictionary)
    positions = indices.to_numpy()
    values = pc.if_else(
        pa.array(null), pa.scalar(None, small.values.type), small.values.take(indices)
    )
    # The raw text is only read for listed findings: a dictionary view avoids copying it.
    raw = pa.DictionaryArray.from_arrays(pa.array(positions, mask=null).cast(pa.int32()), small.raw)
    empty = null | small.empty[positions]
    invalid = ~null & small.invalid[positions]
    return Coerced(values, raw, empty, invalid)


def flag_distinct(column: Any, predicate: Callable[[Any], Any]) -> BoolArray:
    """``flag(predicate(column))``, computed on the distinct values when that is cheaper."""
    encoded = _encoded(column)
    if encoded is None:
        return flag(predicate(column))
    dictionary, indices, null = encoded
    answers = flag(predicate(dictionary))
    out: BoolArray = ~null & answers[indices.to_numpy()]
    return out


__all__ = ["coerce_distinct", "flag_distinct"]
