"""Text fields: trimmed, empty as null, and (for identifiers) matched against a pattern.

Most cells are already clean, so the bytes of a column are checked first with NumPy: a
cell made only of characters its pattern allows (or, for free text, not starting or
ending with a space) is its own canonical value and needs neither trimming nor a regex.
Only the remaining cells go through Arrow's trim and regex kernels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar import compiled as compiled_loops
from peerbench.validators.columnar.coerce import Coerced, as_array, as_text, flag, nulls
from peerbench.validators.columnar.context import BoolArray

ByteTable = npt.NDArray[np.bool_]

_SEGMENT = re.compile(r"\[((?:\\.|[^\]\\])+)\](?:\{(\d+)(?:,(\d+))?\})?")
_CLEAN_EDGE = np.zeros(256, dtype=np.bool_)
_CLEAN_EDGE[33:127] = True  # printable ASCII but space: nothing for a trim to remove


@dataclass(frozen=True)
class BytePattern:
    """A regex of the shape ``^[first]{a}[rest]{m,n}$`` as byte tables.

    Attributes:
        prefix: Tables for the fixed leading positions.
        rest: Table every other byte must be in (it also admits every prefix byte).
        shortest: Fewest bytes a match has.
        longest: Most bytes a match has.
        rest_bytes: The bytes ``rest`` admits.
    """

    prefix: tuple[ByteTable, ...]
    rest: ByteTable
    shortest: int
    longest: int
    rest_bytes: bytes

    def matches(self, array: Any) -> BoolArray:
        """Per cell of a ``string`` array, True where it is non-null and matches."""
        loop = compiled_loops.kernel("match_bytes", len(array))
        if loop is None:
            return self.matches_numpy(array)
        ok = ~nulls(array)
        buffers = array.buffers()
        if buffers[2] is None:  # no bytes at all: every cell is empty
            return ok & (self.shortest == 0)
        offsets = np.frombuffer(buffers[1], dtype=np.int32)[array.offset :]
        data = np.frombuffer(buffers[2], dtype=np.uint8)
        prefix = np.array(self.prefix, dtype=np.bool_).reshape(len(self.prefix), 256)
        loop(offsets, data, prefix, self.rest, self.shortest, self.longest, ok)
        return ok

    def matches_numpy(self, array: Any) -> BoolArray:
        """:meth:`matches` with NumPy: the compiled loop's twin, used for small arrays."""
        offsets, data = _buffers(array)
        lengths = np.diff(offsets)
        ok = ~nulls(array) & (lengths >= self.shortest) & (lengths <= self.longest)
        if data.size == 0:
            return ok
        # Deleting the allowed bytes is one C loop; only if any byte is left do we look
        # for where the others are.
        if data.tobytes().translate(None, self.rest_bytes):
            bad_bytes = np.flatnonzero(~self.rest[data])
            ok[np.searchsorted(offsets, bad_bytes, side="right") - 1] = False
        last = data.size - 1
        for position, table in enumerate(self.prefix):
            ok &= table[data[np.minimum(offsets[:-1] + position, last)]]
        return ok


@cache
def byte_pattern(pattern: str) -> BytePattern | None:
    """``pattern`` as a :class:`BytePattern`, or None when it has another shape."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    body, segments = pattern[1:-1], []
    position = 0
    while position < len(body):
        match = _SEGMENT.match(body, position)
        if match is None:
            return None
        table = _class_table(match.group(1))
        if table is None:
            return None
        low = int(match.group(2) or 1)
        high = int(match.group(3)) if match.group(3) else low
        segments.append((table, low, high))
        position = match.end()
    if not segments or any(low != high for _table, low, high in segments[:-1]):
        return None
    *fixed, (rest, low, high) = segments
    prefix = tuple(table for table, count, _high in fixed for _ in range(count))
    if any((table & ~rest).any() for table in prefix):
        return None  # a prefix byte the rest does not admit: the tables cannot express it
    shortest = len(prefix) + low
    rest_bytes = bytes(np.flatnonzero(rest).astype(np.uint8))
    return BytePattern(prefix, rest, shortest, len(prefix) + high, rest_bytes)


def _class_table(content: str) -> ByteTable | None:
    """The bytes a character class admits; None if it may admit whitespace or non-ASCII."""
    if content.startswith("^"):
        return None
    compiled = re.compile(f"[{content}]")
    table = np.array([compiled.fullmatch(chr(b)) is not None for b in range(256)])
    if table[128:].any() or table[:33].any() or table[127]:
        return None
    return table


def _buffers(array: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Offsets (rebased to 0) and data bytes of a ``string`` array."""
    buffers = array.buffers()
    start, stop = array.offset, array.offset + len(array) + 1
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[start:stop].astype(np.int64)
    if buffers[2] is None:
        return offsets - offsets[0], np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


MAX_DIGITS = 4
"""Longest text :func:`small_whole_numbers` parses itself (item answers are 1-3 digits)."""


def small_whole_numbers(array: Any) -> npt.NDArray[np.float64] | None:
    """Text of at most :data:`MAX_DIGITS` ASCII digits per cell, as floats (NaN for null).

    Item answers in text files are a few digits each; reading their bytes with NumPy
    skips Arrow's per-cell parsing and any hashing. Returns None, so the caller takes
    the general path, when any non-null cell is empty, longer, or not only digits.
    """
    array = as_array(array)
    if not pa.types.is_string(array.type):
        return None
    offsets, data = _buffers(array)
    lengths = np.diff(offsets)
    null = nulls(array)
    given = lengths[~null]
    if given.size and (int(given.min()) < 1 or int(given.max()) > MAX_DIGITS):
        return None
    if data.size and (int(data.min()) < 48 or int(data.max()) > 57):  # only b"0"-b"9"
        return None  # null cells hold no bytes, so every byte belongs to a given cell
    starts = offsets[:-1]
    if data.size == 0:
        return np.full(len(array), np.nan)
    # The first digit of every cell (null cells read a neighbour's byte: set NaN below),
    # then the few longer cells one digit position at a time.
    values = data[np.minimum(starts, data.size - 1)].astype(np.float64) - 48.0
    longer = np.flatnonzero(lengths > 1)
    for position in range(1, MAX_DIGITS):
        longer = longer[lengths[longer] > position]
        if longer.size == 0:
            break
        values[longer] = values[longer] * 10.0 + (data[starts[longer] + position] - 48.0)
    values[null] = np.nan
    return values


def _clean_free_text(array: Any) -> BoolArray:
    """True where a non-null cell has no edge a trim could change."""
    offsets, data = _buffers(array)
    lengths = np.diff(offsets)
    ok = ~nulls(array) & (lengths > 0)
    if data.size == 0:
        return ok
    last = data.size - 1
    ok &= _CLEAN_EDGE[data[np.minimum(offsets[:-1], last)]]
    ok &= _CLEAN_EDGE[data[np.clip(offsets[1:] - 1, 0, last)]]
    return ok


def _general(column: Any, pattern: str | None) -> Coerced:
    """Trim, blank to null, then the regex: Arrow kernels over every cell."""
    text = as_text(column)
    empty = nulls(text)
    invalid = np.zeros(len(text), dtype=np.bool_)
    if pattern is None:
        return Coerced(text, text, empty, invalid)
    invalid = ~empty & ~flag(pc.match_substring_regex(text, pattern))
    values = text
    if invalid.any():
        values = pc.if_else(pa.array(invalid), pa.scalar(None, pa.string()), text)
    return Coerced(values, text, empty, invalid)


def to_text(column: Any, pattern: str | None = None) -> Coerced:
    """Free text or an identifier: trimmed, empty as null, ``invalid`` where the pattern fails.

    Cells that fail the pattern are null in ``values`` (their text stays in ``raw``).
    """
    array = as_array(column)
    compiled = byte_pattern(pattern) if pattern is not None else None
    if not pa.types.is_string(array.type) or (pattern is not None and compiled is None):
        return _general(array, pattern)
    clean = compiled.matches(array) if compiled is not None else _clean_free_text(array)
    null = nulls(array)
    rest = np.flatnonzero(~clean & ~null)
    if rest.size == 0:
        return Coerced(array, array, null, np.zeros(len(array), dtype=np.bool_))
    other = _general(array.take(pa.array(rest)), pattern)
    mask = np.zeros(len(array), dtype=np.bool_)
    mask[rest] = True
    where = pa.array(mask)
    values = pc.replace_with_mask(array, where, as_array(other.values).cast(pa.string()))
    raw = pc.replace_with_mask(array, where, as_array(other.raw).cast(pa.string()))
    empty, invalid = null.copy(), np.zeros(len(array), dtype=np.bool_)
    empty[rest], invalid[rest] = other.empty, other.invalid
    return Coerced(values, raw, empty, invalid)
