"""Three-valued verdicts over Arrow values, for the compiled strict check of Parquet.

The per-record check of Parquet (:mod:`peerbench.validators.readers.strict`) turns each
row into a JSON record and hands it to ``jsonschema-rs``: exact, but about 10 µs a row
once the conversion is counted. Most of what the schema asks is visible column by
column, so the schema is also evaluated over whole columns
(:mod:`~peerbench.validators.readers.strict_values`) in **three-valued logic**:
:data:`FALSE`, :data:`UNKNOWN`, :data:`TRUE`, so AND is the minimum, OR the maximum and
NOT ``2 - x``. ``TRUE`` is claimed only where a value is certainly valid as the JSON value
it stands for, ``FALSE`` only where it is certainly not; everything else is ``UNKNOWN``
and its record goes to ``jsonschema-rs`` as before. This module holds the verdicts and
the view of an Arrow array as JSON values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

FALSE, UNKNOWN, TRUE = 0, 1, 2
Tri = npt.NDArray[np.uint8]
"""One three-valued verdict per value (``FALSE``/``UNKNOWN``/``TRUE``)."""
Defs = Mapping[str, Any]

ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
    | {"deprecated", "readOnly", "writeOnly"}
)
"""Keywords that never reject a value (``x-…`` keywords are the standard's annotations)."""
_DATE_MIN, _DATE_MAX = -719162, 2932896
"""date32 days of 0001-01-01 and 9999-12-31: the dates written as four-digit ISO years."""


def is_annotation(keyword: str) -> bool:
    """Whether ``keyword`` only annotates (``x-`` keywords and :data:`ANNOTATIONS`)."""
    return keyword in ANNOTATIONS or keyword.startswith("x-")


def full(n: int, value: int) -> Tri:
    """``n`` verdicts all ``value``."""
    return np.full(n, value, dtype=np.uint8)


def verdict(mask: npt.NDArray[np.bool_], unknown: npt.NDArray[np.bool_] | None = None) -> Tri:
    """``TRUE`` where ``mask``, else ``FALSE``; ``UNKNOWN`` wherever ``unknown``."""
    out = mask.astype(np.uint8) * TRUE
    if unknown is not None:
        out[unknown] = UNKNOWN
    return out


def bools(array: pa.Array | pa.ChunkedArray, null: bool = False) -> npt.NDArray[np.bool_]:
    """An Arrow boolean result as NumPy, nulls as ``null``."""
    filled = array.fill_null(null) if array.null_count else array
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


def combine_if(cond: Tri, then: Tri, other: Tri) -> Tri:
    """``if``/``then``/``else``: exact where ``cond`` is known, and true when both are."""
    when = np.minimum(cond, then)
    unless = np.minimum(TRUE - cond, other)
    both = np.minimum(then, other)
    out: Tri = np.maximum(np.maximum(when, unless), both)
    return out


@dataclass(frozen=True)
class Values:
    """Arrow values as the JSON values they stand for.

    Attributes:
        array: Plain values (dictionaries decoded by the caller, doubles as float64).
        kind: ``string``, ``integer``, ``number``, ``boolean``, ``array``, ``null`` or
            ``unknown`` (a type this module does not know: every value ``UNKNOWN``).
        is_date: Arrow dates, which stand for their ISO text.
    """

    array: pa.Array
    kind: str
    is_date: bool = False

    def __len__(self) -> int:
        return len(self.array)

    @cached_property
    def text(self) -> pa.Array:
        """String values as Arrow text (dates written ISO, as JSON has them)."""
        return self.array.cast(pa.string()) if self.is_date else self.array

    @cached_property
    def extent(self) -> tuple[Any, Any]:
        """The smallest and largest value (nulls skipped; dates as day numbers)."""
        numbers = self.array.cast(pa.int32()) if self.is_date else self.array
        low_high = pc.min_max(numbers)
        return low_high["min"].as_py(), low_high["max"].as_py()

    @cached_property
    def all_finite(self) -> bool:
        """Whether no value is NaN or infinite (for doubles)."""
        low, high = self.extent
        if low is None:
            return True
        return (
            math.isfinite(low) and math.isfinite(high) and not pc.any(pc.is_nan(self.array)).as_py()
        )

    @cached_property
    def dates(self) -> npt.NDArray[np.bool_]:
        """Whether each date is one a four-digit ISO year writes."""
        low, high = self.extent
        if low is None or (low >= _DATE_MIN and high <= _DATE_MAX):
            return np.ones(len(self), dtype=np.bool_)
        days = self.array.cast(pa.int32())
        return bools(pc.and_(pc.greater_equal(days, _DATE_MIN), pc.less_equal(days, _DATE_MAX)))

    @cached_property
    def elements(self) -> Elements:
        """The elements of a list column (computed once for all the array keywords)."""
        return Elements(self.array)


def values_of(array: pa.Array) -> Values:
    """``array`` (not a dictionary) as JSON values (see :class:`Values`)."""
    kind_of = array.type
    if pa.types.is_string(kind_of) or pa.types.is_large_string(kind_of):
        return Values(array, "string")
    if pa.types.is_date32(kind_of):
        return Values(array, "string", is_date=True)
    if pa.types.is_integer(kind_of):
        return Values(array, "integer")
    if pa.types.is_float32(kind_of) or pa.types.is_float64(kind_of):
        return Values(array.cast(pa.float64()), "number")
    if pa.types.is_boolean(kind_of):
        return Values(array, "boolean")
    if pa.types.is_list(kind_of) or pa.types.is_large_list(kind_of):
        return Values(array, "array")
    if pa.types.is_null(kind_of):
        return Values(array, "null")
    return Values(array, "unknown")


class Elements:
    """The elements of a list column: values, their row and their place in the row."""

    def __init__(self, array: pa.Array) -> None:
        lengths = pc.list_value_length(array)
        if lengths.null_count:
            lengths = lengths.fill_null(0)
        self.lengths = np.asarray(lengths.to_numpy(zero_copy_only=False), dtype=np.int64)
        self.flat = array.flatten()  # null lists give no elements, whatever backs them
        self.longest = int(self.lengths.max()) if len(self.lengths) else 0

    @cached_property
    def parent(self) -> npt.NDArray[np.int64]:
        """The row of each element."""
        return np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)

    @cached_property
    def position(self) -> npt.NDArray[np.int64]:
        """The place of each element in its array (0 for the first)."""
        starts = np.cumsum(self.lengths) - self.lengths
        out: npt.NDArray[np.int64] = np.arange(len(self.flat), dtype=np.int64) - starts[self.parent]
        return out


def per_row(elements: Tri, parts: Elements, n: int) -> Tri:
    """A row is as valid as its least valid element (true for no elements)."""
    out = full(n, TRUE)
    if len(elements) == 0 or elements.min() == TRUE:
        return out
    parent = parts.parent
    out[parent[elements == UNKNOWN]] = UNKNOWN
    out[parent[elements == FALSE]] = FALSE
    return out


Rule = Callable[[Any, dict[str, Any], Values, Defs], Tri]
"""A keyword: (its argument, the schema it is in, the values, ``$defs``) to verdicts."""


def only(kinds: tuple[str, ...], check: Callable[[Any, Values], Tri]) -> Rule:
    """A keyword that asserts on values of ``kinds`` and accepts every other kind."""

    def rule(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
        if values.kind == "unknown":
            return full(len(values), UNKNOWN)
        if values.kind not in kinds:
            return full(len(values), TRUE)
        return check(argument, values)

    return rule
