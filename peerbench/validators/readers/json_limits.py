"""Parse JSON within the limits: bounded digits per number and nesting depth.

:func:`json.loads` turns every integer into a Python ``int`` (a 100,001-digit one is
refused with a ``ValueError`` deep in the decoder) and recurses once per level of
nesting (100,000 levels exhaust the interpreter's stack). Here numbers are checked
before conversion, exhausted recursion and nesting beyond
:attr:`~peerbench.validators.limits.Limits.max_json_depth` are reported, and either
becomes :class:`JsonLimitError` naming the limit.
"""

from __future__ import annotations

import json
from typing import Any

from peerbench.validators.limits import Limits, limit_finding
from peerbench.validators.report import Finding


class JsonLimitError(ValueError):
    """A JSON document goes over a limit."""

    def __init__(self, name: str, limit: float, found: str) -> None:
        super().__init__(found)
        self.name, self.limit, self.found = name, limit, found

    def finding(self, file: str, row: int | None = None) -> Finding:
        """The ``limit-exceeded`` finding for this error."""
        return limit_finding(file, self.name, self.limit, self.found, row=row)


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def loads(text: str, limits: Limits) -> Any:
    """``json.loads(text)`` within ``limits``.

    Raises:
        json.JSONDecodeError: the text is not JSON.
        JsonLimitError: a number has too many digits, or arrays and objects nest too deep.
    """
    most = limits.max_number_digits

    def number(kind: type[int] | type[float]) -> Any:
        def parse(literal: str) -> int | float:
            if len(literal) > most and _digits(literal) > most:
                found = f"a number with {_digits(literal):,} digits"
                raise JsonLimitError("max_number_digits", most, found)
            return kind(literal)

        return parse

    try:
        data = json.loads(text, parse_int=number(int), parse_float=number(float))
    except RecursionError:
        found = "arrays or objects nested too deep to read"
        raise JsonLimitError("max_json_depth", limits.max_json_depth, found) from None
    depth = nesting(data, limits.max_json_depth)
    if depth > limits.max_json_depth:
        found = f"arrays or objects nested {depth:,} deep"
        raise JsonLimitError("max_json_depth", limits.max_json_depth, found)
    return data


def nesting(data: Any, stop_after: int) -> int:
    """How deep arrays and objects nest in ``data`` (a scalar is 0), counted without
    recursion; counting stops once it passes ``stop_after``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, list | dict) else []
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > stop_after:
            return deepest
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return deepest
