"""The array keywords (``prefixItems``, ``items``, ``minItems``, ``contains``…) over list columns.

Elements are flattened once per column; each element schema is evaluated over the
elements at the places it governs, and a row is as valid as its least valid element.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from peerbench.validators.readers.strict_tri import (
    FALSE,
    TRUE,
    UNKNOWN,
    Defs,
    Rule,
    Tri,
    Values,
    full,
    per_row,
    verdict,
)


def items(_: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    """``prefixItems`` and ``items`` together (each element by its place in the array)."""
    prefix = schema.get("prefixItems", [])
    if not isinstance(prefix, list):
        return full(len(values), UNKNOWN)
    from peerbench.validators.readers.strict_values import evaluate  # the recursion

    parts = values.elements
    verdicts: Tri | None = None
    subs, group_of_place = _groups(schema, prefix)
    chosen: list[tuple[Any, Any]] = []
    if len(subs) == 1 and parts.longest <= len(prefix):
        chosen.append((subs[0], True))  # one schema for every place there is
    elif subs and len(parts.flat):
        places = np.minimum(parts.position, len(prefix) - 1)
        groups = np.where(parts.position < len(prefix), group_of_place[places], -1)
        chosen.extend((sub, groups == number) for number, sub in enumerate(subs))
    if "items" in schema and parts.longest > len(prefix):
        chosen.append((schema["items"], True if not prefix else parts.position >= len(prefix)))
    for sub, where in chosen:
        if where is True:
            found = evaluate(sub, parts.flat, defs)
            verdicts = found if verdicts is None else np.minimum(verdicts, found)
        elif where.any():
            if verdicts is None:
                verdicts = full(len(parts.flat), TRUE)
            at = np.flatnonzero(where)
            verdicts[at] = np.minimum(verdicts[at], evaluate(sub, parts.flat.take(at), defs))
    if verdicts is None:
        return full(len(values), TRUE)
    return per_row(verdicts, parts, len(values))


_GROUPS: dict[int, tuple[Any, list[Any], npt.NDArray[np.int64]]] = {}


def _groups(schema: Any, prefix: list[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """The distinct schemas of ``prefixItems`` and which one governs each place (kept)."""
    kept = _GROUPS.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1], kept[2]
    keys: dict[str, int] = {}
    subs: list[Any] = []
    group_of_place = np.zeros(len(prefix), dtype=np.int64)
    for place, sub in enumerate(prefix):
        key = json.dumps(sub, sort_keys=True)
        if key not in keys:
            keys[key] = len(subs)
            subs.append(sub)
        group_of_place[place] = keys[key]
    if len(_GROUPS) >= 256:
        _GROUPS.clear()
    _GROUPS[id(schema)] = (schema, subs, group_of_place)
    return subs, group_of_place


def count(compare: Callable[[npt.NDArray[np.int64], int], Any]) -> Callable[[Any, Values], Tri]:
    def check(argument: Any, values: Values) -> Tri:
        if not isinstance(argument, int) or isinstance(argument, bool):
            return full(len(values), UNKNOWN)
        lengths = values.elements.lengths
        return verdict(np.asarray(compare(lengths, argument), dtype=np.bool_))

    return check


def contains(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
    n = len(values)
    if values.kind != "array":
        return full(n, UNKNOWN if values.kind == "unknown" else TRUE)
    low, high = schema.get("minContains", 1), schema.get("maxContains")
    if not all(isinstance(b, int) and not isinstance(b, bool) for b in (low, high or 0)):
        return full(n, UNKNOWN)
    from peerbench.validators.readers.strict_values import evaluate  # the recursion

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


def array_rule(rule: Rule) -> Rule:
    def wrapped(argument: Any, schema: dict[str, Any], values: Values, defs: Defs) -> Tri:
        if values.kind == "unknown":
            return full(len(values), UNKNOWN)
        if values.kind != "array":
            return full(len(values), TRUE)
        return rule(argument, schema, values, defs)

    return wrapped
