"""Turn raw columns (text from CSV/XLSX, or typed from Parquet) into canonical Arrow arrays.

Every converter works on whole columns and returns a :class:`Coerced`: the canonical
values plus two masks, ``empty`` (no value given) and ``invalid`` (a value that cannot
be read as the field's kind). The checks in ``cells.py`` turn the masks into findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar.context import BoolArray

INTEGER_PATTERN = r"^[+-]?\d{1,15}(?:\.0+)?$"
"""Whole numbers; ``12.0`` is accepted because spreadsheets write integers that way."""
NUMBER_PATTERN = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$"
ISO_DATE = r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$"
"""ISO 8601 dates, allowing the midnight time spreadsheet readers append to date cells."""
UK_DATE = r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"
"""DD/MM/YYYY, also D/M/YYYY; never MM/DD (the standard is for UK data)."""
BOOLEAN_SPELLINGS: dict[str, bool] = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}
LIST_SEPARATOR = ";"


class Coerced:
    """A column in its canonical type.

    Attributes:
        values: Canonical Arrow array; null where the cell is empty or invalid. When the
            column was checked per distinct value it is decoded from ``encoded`` only
            when first read: most checks work on the dictionary, and a plain
            validation never needs the repeated text spelled out row by row.
        raw: The cell text (trimmed) or typed value as given, for reporting.
        empty: True where no value was given.
        invalid: True where a value was given that cannot be read.
        encoded: ``values`` as a dictionary array, when the column was checked per
            distinct value (kept for cross-record keys; its dictionary may repeat).
    """

    __slots__ = ("_values", "empty", "encoded", "invalid", "raw")

    def __init__(
        self, values: Any, raw: Any, empty: BoolArray, invalid: BoolArray, encoded: Any = None
    ) -> None:
        self._values = values
        self.raw = raw
        self.empty = empty
        self.invalid = invalid
        self.encoded = encoded

    @classmethod
    def from_encoded(cls, encoded: Any, raw: Any, empty: BoolArray, invalid: BoolArray) -> Coerced:
        """A column known by its dictionary view; ``values`` is decoded on first use."""
        return cls(None, raw, empty, invalid, encoded)

    @property
    def values(self) -> Any:
        """The canonical values (decoded from ``encoded`` on first use)."""
        if self._values is None and self.encoded is not None:
            self._values = self.encoded.dictionary.take(self.encoded.indices)
        return self._values

    def equals(self, value: Any) -> BoolArray:
        """True where the canonical value equals ``value`` (null is never equal)."""
        if self._values is None and self.encoded is not None:
            # Compare the distinct values once, then spread by index (null index: False).
            dictionary = self.encoded.dictionary
            positions = entry_positions(self.encoded.indices, len(dictionary))
            out: BoolArray = spread(flag(pc.equal(dictionary, value)), positions, False)
            return out
        values = self.values
        return flag(pc.equal(values, pa.scalar(value, values.type)))

    def replace(self, **changes: Any) -> Coerced:
        """A copy with some attributes changed (``values`` given replaces the lazy one)."""
        fields = {
            "values": self._values,
            "raw": self.raw,
            "empty": self.empty,
            "invalid": self.invalid,
            "encoded": self.encoded,
        }
        fields.update(changes)
        return Coerced(**fields)


def entry_positions(indices: Any, entries: int) -> npt.NDArray[Any]:
    """Each row's dictionary index as NumPy, ``entries`` (one past the last) where null."""
    positions: npt.NDArray[Any] = pc.fill_null(indices, entries).to_numpy()
    return positions


def spread(per_entry: npt.NDArray[Any], positions: npt.NDArray[Any], null: Any) -> Any:
    """Per-row values from per-dictionary-entry values (:func:`entry_positions`).

    The entry one past the last stands for a null index and holds ``null``, so a whole
    column is a single gather.
    """
    return np.append(per_entry, null)[positions]


def _mask(array: Any) -> BoolArray:
    """A boolean Arrow array without nulls as NumPy, unpacked from its bitmap at once.

    Arrow's own conversion moves one value at a time, several times slower on the
    million-row masks every check makes.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) == 0:
        return np.zeros(0, dtype=np.bool_)
    bitmap = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    bits = np.unpackbits(bitmap, count=array.offset + len(array), bitorder="little")
    out: BoolArray = bits[array.offset :].view(np.bool_)
    return out


def floats(column: Any, dtype: Any = np.float64) -> npt.NDArray[Any]:
    """Numbers as NumPy floats of ``dtype``, NaN where null.

    Read straight from Arrow's value buffer: one copy at most (none for floats of that
    type without nulls), where an Arrow cast and Arrow's per-value null conversion
    would write two. 64-bit integers go through Arrow's cast, which refuses values
    floats cannot hold exactly.
    """
    array = as_array(column)
    plain = pa.types.is_floating(array.type) or (
        pa.types.is_integer(array.type) and array.type.bit_width <= 32
    )
    if not plain:
        array = pc.cast(array, pa.float64())
    if len(array) == 0:
        return np.empty(0, dtype=dtype)
    end = array.offset + len(array)
    values = np.frombuffer(array.buffers()[1], dtype=array.type.to_pandas_dtype(), count=end)
    out: npt.NDArray[Any] = values[array.offset :].astype(dtype, copy=array.null_count > 0)
    if array.null_count:
        out[nulls(array)] = np.nan
    return out


def nulls(array: Any) -> BoolArray:
    """True where ``array`` is null (no pass over the data when it has no nulls)."""
    if array.null_count == 0:
        return np.zeros(len(array), dtype=np.bool_)
    return _mask(pc.is_null(array))


def flag(array: Any) -> BoolArray:
    """A boolean Arrow array as NumPy, null read as False."""
    return _mask(array if array.null_count == 0 else pc.fill_null(array, False))


def as_array(column: Any) -> Any:
    """A single contiguous Arrow array from a column or chunked array."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return column.chunk(0)  # combine_chunks would copy even a single chunk
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column


def as_text(column: Any) -> Any:
    """Trimmed text with empty cells as null; typed values are cast to their text form."""
    array = as_array(column)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_large_string(array.type) or not pa.types.is_string(array.type):
        try:
            array = pc.cast(array, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Lists or structs where a single value belongs: JSON text shows what was sent.
            array = pa.array([None if v is None else str(v) for v in array.to_pylist()])
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _result(values: Any, raw: Any, ok: Any) -> Coerced:
    empty = nulls(raw)
    invalid = ~empty & ~flag(ok)
    return Coerced(values=values, raw=raw, empty=empty, invalid=invalid)


def _typed(values: Any) -> Coerced:
    """A column already of the right type: every value given is readable."""
    empty = nulls(values)
    return Coerced(values=values, raw=values, empty=empty, invalid=np.zeros(len(values), np.bool_))


def to_integer(column: Any) -> Coerced:
    """Whole numbers as int64 (the range check runs before narrowing to the canonical type).

    A column already of the canonical ``int32`` is kept as it is: nothing in it can be
    out of that range, and a million-row copy is saved.
    """
    array = as_array(column)
    if pa.types.is_int32(array.type):
        return _typed(array)
    if pa.types.is_integer(array.type):
        return _typed(pc.cast(array, pa.int64()))
    if pa.types.is_floating(array.type):
        ok = pc.and_(pc.is_finite(array), pc.equal(pc.floor(array), array))
        wide = pc.cast(pc.if_else(ok, array, None), pa.int64(), safe=False)
        return _result(wide, array, ok)
    text = as_text(array)
    ok = pc.match_substring_regex(text, INTEGER_PATTERN)
    digits = pc.replace_substring_regex(pc.if_else(ok, text, None), r"^\+|\.0+$", "")
    return _result(pc.cast(digits, pa.int64()), text, ok)


def to_number(column: Any) -> Coerced:
    """Decimal numbers; NaN and infinity are not numbers here."""
    array = as_array(column)
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        numbers = pc.cast(array, pa.float64())
        empty = nulls(numbers)
        invalid = np.zeros(len(numbers), dtype=np.bool_)
        if pa.types.is_floating(array.type) and not pc.all(pc.is_finite(numbers)).as_py():
            invalid = flag(pc.invert(pc.is_finite(numbers)))  # NaN or infinity given
        if invalid.any():
            numbers = pc.if_else(pa.array(~invalid), numbers, None)
        return Coerced(values=numbers, raw=array, empty=empty, invalid=invalid)
    text = as_text(array)
    ok = pc.match_substring_regex(text, NUMBER_PATTERN)
    floats = pc.cast(pc.if_else(ok, text, None), pa.float64())
    ok = pc.and_(ok, pc.is_finite(floats))
    return _result(pc.if_else(ok, floats, None), text, ok)


def to_boolean(column: Any) -> Coerced:
    """true/false, yes/no, y/n, 1/0 in any case."""
    array = as_array(column)
    if pa.types.is_boolean(array.type):
        return _typed(array)
    text = as_text(array)
    keys = pa.array(list(BOOLEAN_SPELLINGS))
    index = pc.index_in(pc.utf8_lower(text), value_set=keys)
    values = pc.take(pa.array(list(BOOLEAN_SPELLINGS.values())), index)
    return _result(values, text, pc.is_valid(index))


def to_date(column: Any) -> Coerced:
    """ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY`` dates.

    ``pc.strptime`` is not used: it rolls 30 February over to 2 March and accepts
    unpadded ISO dates, so the parts are matched by regex and the calendar is checked
    with NumPy instead.
    """
    array = as_array(column)
    if pa.types.is_date(array.type) or pa.types.is_timestamp(array.type):
        return _typed(pc.cast(array, pa.date32()))
    text = as_text(array)
    iso = pc.extract_regex(text, ISO_DATE)
    uk = pc.extract_regex(text, UK_DATE)
    parts = {
        name: pc.cast(
            pc.coalesce(pc.struct_field(iso, name), pc.struct_field(uk, name)), pa.int64()
        )
        for name in ("y", "m", "d")
    }
    matched = _mask(pc.is_valid(parts["y"]))
    y, m, d = (pc.fill_null(parts[k], 1).to_numpy() for k in ("y", "m", "d"))
    ok = matched & (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1)
    y, m = np.where(ok, y, 1970), np.where(ok, m, 1)
    month = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    first = month.astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[D]") - first).astype(np.int64)
    ok &= d <= length
    days = (first - np.datetime64("1970-01-01", "D")).astype(np.int64) + np.where(ok, d - 1, 0)
    values = pa.array(days.astype(np.int32), type=pa.int32(), mask=~ok).cast(pa.date32())
    return _result(values, text, pa.array(ok))


def to_code(column: Any, lookup: Mapping[str, str]) -> Coerced:
    """Codes, accepting labels, synonyms and mapped local values in any case."""
    text = as_text(column)
    keys = pa.array(list(lookup), type=pa.string())
    index = pc.index_in(pc.utf8_lower(text), value_set=keys)
    values = pc.take(pa.array(list(lookup.values()), type=pa.string()), index)
    return _result(values, text, pc.is_valid(index))


def to_codes(column: Any, lookup: Mapping[str, str]) -> Coerced:
    """A list of codes: a list column, or text joined by ``;``.

    A row is invalid when any of its elements is not a code; its raw value is the
    elements joined by ``;``.
    """
    array = as_array(column)
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        lists = pc.cast(array, pa.list_(pa.string()))
        raw = pc.if_else(pc.is_null(lists), None, pc.binary_join(lists, LIST_SEPARATOR))
    else:
        raw = as_text(array)
        lists = pc.split_pattern(raw, LIST_SEPARATOR)
    lists = as_array(lists)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parents = pc.list_parent_indices(lists).to_numpy()
    keep = flag(pc.not_equal(flat, ""))  # "a;;b" and a trailing ';' are harmless
    flat, parents = flat.filter(pa.array(keep)), parents[keep]
    index = pc.index_in(pc.utf8_lower(flat), value_set=pa.array(list(lookup), pa.string()))
    codes = pc.take(pa.array(list(lookup.values()), type=pa.string()), index)
    bad_element = ~_mask(pc.is_valid(index))
    n = len(lists)
    bad_row = np.zeros(n, dtype=np.bool_)
    bad_row[parents[bad_element]] = True
    counts = np.bincount(parents, minlength=n)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
    empty = _mask(pc.is_null(raw)) | (counts == 0)
    null = pa.array(empty | bad_row)
    values = pa.ListArray.from_arrays(pa.array(offsets), codes, mask=null)
    return Coerced(values, raw, empty, bad_row & ~empty)
