"""JSON Schema keywords over whole Arrow columns: each value valid, invalid or not known.

The per-record check of Parquet (:mod:`peerbench.validators.readers.strict`) turns each
row into a JSON record and hands it to ``jsonschema-rs``: exact, but about 10 µs a row
once the conversion is counted. Most of what the schema asks is visible column by
column: the Arrow type settles ``type``, and ``enum``, ``pattern``, ``minimum``,
``maxLength`` and the array keywords are Arrow or NumPy operations over a whole column.
This module evaluates a schema over the values of one column in **three-valued logic**
(:data:`FALSE`, :data:`UNKNOWN`, :data:`TRUE`, so AND is the minimum, OR the maximum and
NOT ``2 - x``). ``TRUE`` is claimed only where the value is certainly valid as the JSON
value it stands for, ``FALSE`` only where it is certainly not; everything else (a keyword
or an Arrow type this module does not know, NaN, dates outside the years 1-9999, text
with control characters under a pattern with classes) is ``UNKNOWN``, and the record is
then checked by ``jsonschema-rs`` as before. Only ``TRUE`` lets a row skip that check.

A null element is the JSON ``null`` (inside item arrays); at the top level a null cell is
a field not given, which :mod:`~peerbench.validators.readers.strict_columnar` handles.
"""

from __future__ import annotations

import importlib
import json
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
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
_EXACT_FLOAT = 2**53
_PRINTABLE = r"^[ -~]*$"


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
    def elements(self) -> _Elements:
        """The elements of a list column (computed once for all the array keywords)."""
        return _Elements(self.array)


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


def evaluate(schema: Any, array: pa.Array, defs: Defs) -> Tri:
    """The verdict of ``schema`` on each value of ``array`` (nulls are JSON ``null``)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        return _dictionary(schema, array, defs)
    values = values_of(array)
    out = _assert(schema, values, defs)
    if values.kind != "null" and array.null_count:
        out[bools(array.is_null())] = null_verdict(schema, defs)
    return out


_NULL_VERDICTS: dict[int, tuple[Any, int]] = {}


def null_verdict(schema: Any, defs: Defs) -> int:
    """The verdict of ``schema`` on JSON ``null`` (kept per schema)."""
    kept = _NULL_VERDICTS.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1]
    found = int(_assert(schema, values_of(pa.nulls(1)), defs)[0])
    if len(_NULL_VERDICTS) >= _MAX_LOOKUPS:
        _NULL_VERDICTS.clear()
    _NULL_VERDICTS[id(schema)] = (schema, found)
    return found


_LOOKUPS: dict[int, tuple[Any, pa.Array, Tri]] = {}
"""The last dictionary each schema was evaluated on, with the verdicts: a Parquet column
chunk's dictionary comes again (copied) with every batch of the chunk."""
_MAX_LOOKUPS = 256


def _dictionary(schema: Any, array: pa.DictionaryArray, defs: Defs) -> Tri:
    """Each distinct value once, then looked up by index (a null index reads JSON null)."""
    dictionary = array.dictionary
    kept = _LOOKUPS.get(id(schema))
    if kept is not None and kept[0] is schema and kept[1].equals(dictionary):
        lookup = kept[2]
    else:
        lookup = np.append(evaluate(schema, dictionary, defs), UNKNOWN).astype(np.uint8)
        lookup[-1] = null_verdict(schema, defs)
        if len(_LOOKUPS) >= _MAX_LOOKUPS:
            _LOOKUPS.clear()
        _LOOKUPS[id(schema)] = (schema, dictionary, lookup)
    used = lookup if array.null_count else lookup[:-1]
    if len(used) and used.min() == used.max():  # one verdict for every value
        return full(len(array), int(used[0]))
    indices = array.indices
    if indices.null_count:
        indices = indices.fill_null(-1)
    indices = indices.to_numpy(zero_copy_only=False)
    out: Tri = lookup[indices]
    return out


def _assert(schema: Any, values: Values, defs: Defs) -> Tri:
    n = len(values)
    if schema is True or schema == {}:
        return full(n, TRUE)
    if schema is False:
        return full(n, FALSE)
    if not isinstance(schema, dict):
        return full(n, UNKNOWN)
    out = full(n, TRUE)
    for keyword, argument in schema.items():
        if is_annotation(keyword) or keyword in _COMPANIONS:
            continue
        rule = KEYWORDS.get(keyword)
        if rule is None:  # a keyword the compiler does not know: the slow path decides
            return full(n, UNKNOWN)
        out = np.minimum(out, rule(argument, schema, values, defs))
        if not out.any():
            break
    return out


# ------------------------------------------------------------------- the keywords
Rule = Callable[[Any, dict[str, Any], Values, Defs], Tri]


def _type(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
    wanted = {argument} if isinstance(argument, str) else set(argument)
    n, kind = len(values), values.kind
    if kind == "unknown":
        return full(n, UNKNOWN)
    if kind == "integer" and "number" in wanted:
        return full(n, TRUE)
    if kind == "number" and "number" not in wanted and "integer" in wanted:
        x = values.array.to_numpy(zero_copy_only=False)
        finite = np.isfinite(x)
        whole = np.zeros(n, dtype=np.bool_)
        whole[finite] = np.floor(x[finite]) == x[finite]
        return verdict(whole, ~finite)
    return full(n, TRUE if kind in wanted else FALSE)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def _enum(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
    n, kind = len(values), values.kind
    if kind == "unknown" or not isinstance(argument, list):
        return full(n, UNKNOWN)
    kinds = {_json_kind(v) for v in argument}
    same = {"integer": "number"}.get(kind, kind)
    if same not in kinds:
        return full(n, UNKNOWN if kind == "array" and "other" in kinds else FALSE)
    if kind in ("null", "boolean") or kind == "string":
        if kind == "null":
            return full(n, TRUE)
        wanted = [v for v in argument if _json_kind(v) == kind]
        return verdict(bools(pc.is_in(values.text, value_set=pa.array(wanted))))
    return full(n, UNKNOWN)  # numbers and arrays equal across types: leave to the validator


def _const(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    return _enum([argument], schema, values, defs)


def _ref(argument: Any, _: dict[str, Any], values: Values, defs: Defs) -> Tri:
    prefix = "#/$defs/"
    if not isinstance(argument, str) or not argument.startswith(prefix):
        return full(len(values), UNKNOWN)
    name = argument[len(prefix) :]
    if name not in defs:
        return full(len(values), UNKNOWN)
    return _assert(defs[name], values, defs)


def _any_of(argument: Any, _: dict[str, Any], values: Values, defs: Defs) -> Tri:
    out = full(len(values), FALSE)
    for branch in argument:
        out = np.maximum(out, _assert(branch, values, defs))
    return out


def _all_of(argument: Any, _: dict[str, Any], values: Values, defs: Defs) -> Tri:
    out = full(len(values), TRUE)
    for branch in argument:
        out = np.minimum(out, _assert(branch, values, defs))
    return out


def _not(argument: Any, _: dict[str, Any], values: Values, defs: Defs) -> Tri:
    out: Tri = (TRUE - _assert(argument, values, defs)).astype(np.uint8)
    return out


def _if(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    cond = _assert(argument, values, defs)
    then = _assert(schema.get("then", True), values, defs)
    other = _assert(schema.get("else", True), values, defs)
    return combine_if(cond, then, other)


def _only(kinds: tuple[str, ...], check: Callable[[Any, Values], Tri]) -> Rule:
    """A keyword that asserts on values of ``kinds`` and accepts every other kind."""

    def rule(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
        if values.kind == "unknown":
            return full(len(values), UNKNOWN)
        if values.kind not in kinds:
            return full(len(values), TRUE)
        return check(argument, values)

    return rule


def _bound(
    compare: Callable[..., Any], holds: Callable[[Any, Any], bool]
) -> Callable[[Any, Values], Tri]:
    def check(argument: Any, values: Values) -> Tri:
        n = len(values)
        if isinstance(argument, bool) or not isinstance(argument, int | float):
            return full(n, UNKNOWN)
        if not math.isfinite(argument) or abs(argument) > _EXACT_FLOAT:
            return full(n, UNKNOWN)
        low, high = values.extent
        if low is None or (
            (values.kind == "integer" or values.all_finite)
            and (holds(low, argument) and holds(high, argument))
        ):
            return full(n, TRUE)  # every value is between the two that pass
        if values.kind == "number":  # doubles against a double: NaN and infinity unknown
            ok = bools(compare(values.array, float(argument)))
            return verdict(ok, ~np.isfinite(values.array.to_numpy(zero_copy_only=False)))
        if isinstance(argument, float):  # whole numbers as doubles: exact up to 2**53
            as_float = values.array.cast(pa.float64())
            big = bools(pc.greater(pc.abs(as_float), float(_EXACT_FLOAT)))
            return verdict(bools(compare(as_float, argument)), big)
        return verdict(bools(compare(values.array, argument)))

    return check


def _length(compare: Callable[..., Any]) -> Callable[[Any, Values], Tri]:
    def check(argument: Any, values: Values) -> Tri:
        if not isinstance(argument, int) or isinstance(argument, bool):
            return full(len(values), UNKNOWN)
        return verdict(bools(compare(pc.utf8_length(values.text), argument)))

    return check


def _format(argument: Any, values: Values) -> Tri:
    n = len(values)
    if argument != "date":
        return full(n, UNKNOWN)
    if values.is_date:
        return verdict(values.dates, ~values.dates)
    text = values.text
    shaped = bools(pc.match_substring_regex(text, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    written = pc.strftime(parsed, format="%Y-%m-%d")  # strptime rolls 02-30 into March
    ok = shaped & bools(pc.equal(written, text))
    return verdict(ok, ~ok)


def _pattern(argument: Any, values: Values) -> Tri:
    if not isinstance(argument, str):
        return full(len(values), UNKNOWN)
    try:
        found = bools(pc.match_substring_regex(values.text, argument))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # not RE2 syntax
        return full(len(values), UNKNOWN)
    if ascii_exact(argument):
        return verdict(found)
    printable = bools(pc.match_substring_regex(values.text, _PRINTABLE))
    return verdict(found, ~printable)


@cache
def ascii_exact(pattern: str) -> bool:
    """Whether RE2 and ECMA-262 agree on ``pattern`` for every string.

    True for patterns built only of ASCII literals, ASCII classes without negation or
    shorthand classes (``\\s``, ``\\d``, ``.``), groups, alternation, repetition and
    the ``^``/``$`` anchors: nothing in them reads a character's Unicode properties or
    line breaks. Anything else is trusted only on printable ASCII text.
    """
    if "{," in pattern:
        return False  # a repeat in Python, a literal in RE2 and ECMA-262
    try:
        parsed = importlib.import_module("re._parser").parse(pattern)
    except Exception:  # not a pattern Python reads: do not claim anything
        return False
    return _simple(list(parsed))


def _simple(items: list[Any]) -> bool:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            ok = arg < 128
        elif name == "AT":
            ok = str(arg) in ("AT_BEGINNING", "AT_END")
        elif name == "IN":
            ok = all(str(o) in ("LITERAL", "RANGE") and max(np.atleast_1d(a)) < 128 for o, a in arg)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            ok = _simple(list(arg[2]))
        elif name == "SUBPATTERN":
            ok = arg[1] == 0 and arg[2] == 0 and _simple(list(arg[3]))
        elif name == "BRANCH":
            ok = all(_simple(list(b)) for b in arg[1])
        else:
            ok = False
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------- arrays
class _Elements:
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


def _per_row(elements: Tri, parts: _Elements, n: int) -> Tri:
    """A row is as valid as its least valid element (true for no elements)."""
    out = full(n, TRUE)
    if len(elements) == 0 or elements.min() == TRUE:
        return out
    parent = parts.parent
    out[parent[elements == UNKNOWN]] = UNKNOWN
    out[parent[elements == FALSE]] = FALSE
    return out


def _items(_: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    """``prefixItems`` and ``items`` together (each element by its place in the array)."""
    prefix = schema.get("prefixItems", [])
    if not isinstance(prefix, list):
        return full(len(values), UNKNOWN)
    parts = values.elements
    verdicts = full(len(parts.flat), TRUE)
    groups: dict[str, tuple[Any, list[int]]] = {}
    for place, sub in enumerate(prefix):
        groups.setdefault(json.dumps(sub, sort_keys=True), (sub, []))[1].append(place)
    chosen: list[tuple[Any, Any]] = []
    for sub, places in groups.values():
        every = places == list(range(len(prefix))) and parts.longest <= len(prefix)
        chosen.append((sub, True if every else np.isin(parts.position, places)))
    if "items" in schema and parts.longest > len(prefix):
        every = not prefix
        chosen.append((schema["items"], True if every else parts.position >= len(prefix)))
    for sub, where in chosen:
        if where is True:
            verdicts = np.minimum(verdicts, evaluate(sub, parts.flat, defs))
        elif where.any():
            at = np.flatnonzero(where)
            verdicts[at] = np.minimum(verdicts[at], evaluate(sub, parts.flat.take(at), defs))
    return _per_row(verdicts, parts, len(values))


def _count(compare: Callable[[npt.NDArray[np.int64], int], Any]) -> Callable[[Any, Values], Tri]:
    def check(argument: Any, values: Values) -> Tri:
        if not isinstance(argument, int) or isinstance(argument, bool):
            return full(len(values), UNKNOWN)
        lengths = values.elements.lengths
        return verdict(np.asarray(compare(lengths, argument), dtype=np.bool_))

    return check


def _contains(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    n = len(values)
    if values.kind != "array":
        return full(n, UNKNOWN if values.kind == "unknown" else TRUE)
    low, high = schema.get("minContains", 1), schema.get("maxContains")
    if not all(isinstance(b, int) and not isinstance(b, bool) for b in (low, high or 0)):
        return full(n, UNKNOWN)
    parts = values.elements
    matches = evaluate(argument, parts.flat, defs)
    count = np.zeros(n, dtype=np.int64)
    unknown = np.zeros(n, dtype=np.bool_)
    if len(matches) and matches.max() != FALSE:
        count = np.bincount(parts.parent[matches == TRUE], minlength=n)
        unknown[parts.parent[matches == UNKNOWN]] = True
    ok = count >= low
    if high is not None:
        ok &= count <= high
    return verdict(ok, unknown)


def _array_rule(rule: Rule) -> Rule:
    def wrapped(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
        if values.kind == "unknown":
            return full(len(values), UNKNOWN)
        if values.kind != "array":
            return full(len(values), TRUE)
        return rule(argument, schema, values, defs)

    return wrapped


_COMPANIONS = frozenset({"then", "else", "minContains", "maxContains"})
"""Keywords read by the keyword they belong to (``if``, ``contains``)."""
_NUMBERS = ("integer", "number")
KEYWORDS: dict[str, Rule] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "$ref": _ref,
    "anyOf": _any_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
    "pattern": _only(("string",), _pattern),
    "format": _only(("string",), _format),
    "minLength": _only(("string",), _length(pc.greater_equal)),
    "maxLength": _only(("string",), _length(pc.less_equal)),
    "minimum": _only(_NUMBERS, _bound(pc.greater_equal, operator.ge)),
    "maximum": _only(_NUMBERS, _bound(pc.less_equal, operator.le)),
    "exclusiveMinimum": _only(_NUMBERS, _bound(pc.greater, operator.gt)),
    "exclusiveMaximum": _only(_NUMBERS, _bound(pc.less, operator.lt)),
    "minItems": _only(("array",), _count(np.greater_equal)),
    "maxItems": _only(("array",), _count(np.less_equal)),
    "prefixItems": _array_rule(_items),
    "items": _array_rule(
        lambda a, s, v, d: full(len(v), TRUE) if "prefixItems" in s else _items(a, s, v, d)
    ),
    "contains": _contains,
}
"""Every keyword compiled to column operations; any other keyword is ``UNKNOWN``."""
