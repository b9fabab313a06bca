"""The keywords on single values (types, codes, text, numbers) over whole Arrow columns.

Each rule returns a three-valued verdict per value (:mod:`.strict_tri`). Text patterns
run in Arrow's RE2 (identifier shapes as the engine's byte tables, much quicker),
trusted on every string only when the pattern uses nothing RE2 and ECMA-262 read
differently (:func:`ascii_exact`); bounds are settled from a column's minimum and
maximum when both pass.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.columnar.text import byte_pattern
from peerbench.validators.readers.strict_tri import (
    FALSE,
    TRUE,
    UNKNOWN,
    Defs,
    Tri,
    Values,
    bools,
    full,
    verdict,
)

_EXACT_FLOAT = 2**53
_PRINTABLE = r"^[ -~]*$"


def type_rule(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
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


def enum_rule(argument: Any, _: dict[str, Any], values: Values, __: Defs) -> Tri:
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


def const_rule(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    return enum_rule([argument], schema, values, defs)


def bound(
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


def length(compare: Callable[..., Any]) -> Callable[[Any, Values], Tri]:
    def check(argument: Any, values: Values) -> Tri:
        if not isinstance(argument, int) or isinstance(argument, bool):
            return full(len(values), UNKNOWN)
        return verdict(bools(compare(pc.utf8_length(values.text), argument)))

    return check


def date_format(argument: Any, values: Values) -> Tri:
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


def pattern(argument: Any, values: Values) -> Tri:
    if not isinstance(argument, str):
        return full(len(values), UNKNOWN)
    shaped = byte_pattern(argument) if ascii_exact(argument) else None
    if shaped is not None and pa.types.is_string(values.text.type):
        # Identifier shapes (``^[class]{a}[class]{m,n}$``, printable ASCII classes) as
        # byte tables: the strings RE2 would match, at a fraction of its cost per value.
        return verdict(shaped.matches(values.text))
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
