"""JSON Schema over whole Arrow columns: each value valid, invalid or not known.

:func:`evaluate` applies a schema to every value of an Arrow array in the three-valued
logic of :mod:`.strict_tri`, keyword by keyword (:data:`KEYWORDS`: types, codes and
text in :mod:`.strict_scalars`, arrays in :mod:`.strict_arrays`, the combinators here).
A keyword not in the table makes every value ``UNKNOWN``, so its records go to
``jsonschema-rs``. A dictionary column is evaluated once per distinct value. A null
element is the JSON ``null`` (inside item arrays); at the top level a null cell is a
field not given, which :mod:`.strict_columnar` handles.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.readers import strict_arrays as arrays
from peerbench.validators.readers import strict_scalars as scalars
from peerbench.validators.readers.strict_tri import (
    FALSE,
    TRUE,
    UNKNOWN,
    Defs,
    Rule,
    Tri,
    Values,
    bools,
    combine_if,
    full,
    is_annotation,
    only,
    values_of,
)


def evaluate(schema: Any, array: pa.Array, defs: Defs, *, nulls: bool = True) -> Tri:
    """The verdict of ``schema`` on each value of ``array``.

    Args:
        schema: The (sub)schema.
        array: The values.
        defs: The ``$defs`` its references point into.
        nulls: Judge null elements as JSON ``null``; False leaves their verdicts
            arbitrary, for a caller to whom a null cell is a field not given.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        return _dictionary(schema, array, defs)
    values = values_of(array)
    out = _assert(schema, values, defs)
    if values.kind == "number" and not values.all_finite:
        # NaN and infinity have no JSON form: whatever jsonschema-rs makes of them is its call.
        out[~np.isfinite(values.array.to_numpy(zero_copy_only=False))] = UNKNOWN
    if nulls and values.kind != "null" and array.null_count:
        verdict_of_null = null_verdict(schema, defs)
        if out.min() != verdict_of_null or out.max() != verdict_of_null:
            out[bools(array.is_null())] = verdict_of_null
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
    out: Tri = np.take(lookup, indices)
    return out


def _assert(schema: Any, values: Values, defs: Defs) -> Tri:
    n = len(values)
    if schema is True or schema == {}:
        return full(n, TRUE)
    if schema is False:
        return full(n, FALSE)
    if not isinstance(schema, dict):
        return full(n, UNKNOWN)
    out: Tri | None = None
    for keyword, argument in schema.items():
        if is_annotation(keyword) or keyword in _COMPANIONS:
            continue
        rule = KEYWORDS.get(keyword)
        if rule is None:  # a keyword the compiler does not know: the slow path decides
            return full(n, UNKNOWN)
        found = rule(argument, schema, values, defs)
        out = found if out is None else np.minimum(out, found)
        if not out.any():
            break
    return full(n, TRUE) if out is None else out


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


_COMPANIONS = frozenset({"then", "else", "minContains", "maxContains"})
"""Keywords read by the keyword they belong to (``if``, ``contains``)."""
_NUMBERS = ("integer", "number")
KEYWORDS: dict[str, Rule] = {
    "type": scalars.type_rule,
    "enum": scalars.enum_rule,
    "const": scalars.const_rule,
    "$ref": _ref,
    "anyOf": _any_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
    "pattern": only(("string",), scalars.pattern),
    "format": only(("string",), scalars.date_format),
    "minLength": only(("string",), scalars.length(pc.greater_equal)),
    "maxLength": only(("string",), scalars.length(pc.less_equal)),
    "minimum": only(_NUMBERS, scalars.bound(pc.greater_equal, operator.ge)),
    "maximum": only(_NUMBERS, scalars.bound(pc.less_equal, operator.le)),
    "exclusiveMinimum": only(_NUMBERS, scalars.bound(pc.greater, operator.gt)),
    "exclusiveMaximum": only(_NUMBERS, scalars.bound(pc.less, operator.lt)),
    "minItems": only(("array",), arrays.count(np.greater_equal)),
    "maxItems": only(("array",), arrays.count(np.less_equal)),
    "prefixItems": arrays.array_rule(arrays.items),
    "items": arrays.array_rule(
        lambda a, s, v, d: full(len(v), TRUE) if "prefixItems" in s else arrays.items(a, s, v, d)
    ),
    "contains": arrays.contains,
}
"""Every keyword compiled to column operations; any other keyword is ``UNKNOWN``."""
