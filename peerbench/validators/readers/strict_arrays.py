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
    return per_row(verdicts, parts, len(values))


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
