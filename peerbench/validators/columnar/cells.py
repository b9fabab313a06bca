"""Cell checks for one field over a whole column: required, type, code, pattern, range."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.arrow import arrow_field
from peerbench.schema.record_info import FieldSpec
from peerbench.schema.vocabulary import ID_PATTERN, INSTRUMENT_CODE_PATTERN, PARTICIPANT_KEY_PATTERN
from peerbench.validators.catalogue import NULLED_CODES
from peerbench.validators.columnar import coerce
from peerbench.validators.columnar.context import BoolArray, CheckContext, DetailFn
from peerbench.validators.columnar.distinct import coerce_distinct
from peerbench.validators.columnar.text import to_text

CELL_CODES = NULLED_CODES | {"required-missing"}
"""Codes about one cell on its own. A cell with one of these is not used by rules."""

PATTERN_DESCRIPTIONS = {
    PARTICIPANT_KEY_PATTERN: ": 32 lower-case hex characters",
    ID_PATTERN: ": up to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
    INSTRUMENT_CODE_PATTERN: (
        ": a registry code in capitals, such as WEMWBS or PHQ9 (`peerbench instruments` lists them)"
    ),
}
TYPE_DESCRIPTIONS = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def code_lookup(spec: FieldSpec, ctx: CheckContext) -> dict[str, str]:
    """Accepted spellings for a code field: the code list plus the user's value mapping."""
    assert spec.codelist is not None
    lookup = spec.codelist.lookup()
    if ctx.mapping is not None:
        codes = set(lookup.values())
        for local, code in ctx.mapping.value_lookup(spec.name).items():
            # A mapping may name a code or a label; resolve labels through the code list.
            target = code if code in codes else lookup.get(code.strip().casefold(), code)
            lookup[local.strip().casefold()] = target
    return lookup


def suggest(lookup: dict[str, str]) -> DetailFn:
    """A detail builder naming the closest code to each listed bad value."""
    spellings = list(lookup)

    def detail(values: list[Any]) -> Sequence[str]:
        out = []
        for value in values:
            parts = [p.strip() for p in str(value).split(coerce.LIST_SEPARATOR)]
            bad = [p for p in parts if p and p.casefold() not in lookup]
            close = [difflib.get_close_matches(p.casefold(), spellings, n=1) for p in bad]
            hints = [f"'{lookup[c[0]]}'" for c in close if c]
            out.append(f" (did you mean {' / '.join(hints)}?)" if hints else "")
        return out

    return detail


def range_text(low: float | None, high: float | None, unit: str = "") -> str:
    """``1 to 10``, ``at least 0`` or ``at most 4``."""
    if low is not None and high is not None:
        return f"{low:g} to {high:g}{unit}"
    return f"at least {low:g}{unit}" if low is not None else f"at most {high:g}{unit}"


def absent(spec: FieldSpec, n: int) -> coerce.Coerced:
    """A column that is not in the file: all null; unusable by rules when required."""
    nulls = pa.nulls(n, arrow_field(spec).type)
    flags = np.full(n, spec.required, dtype=np.bool_)
    return coerce.Coerced(nulls, nulls, np.ones(n, dtype=np.bool_), flags)


def _converter(spec: FieldSpec, lookup: dict[str, str]) -> Callable[[Any], coerce.Coerced]:
    """The converter for a field (codes need their lookup, text its pattern)."""
    kind = spec.kind
    if kind == "code":
        return partial(coerce.to_code, lookup=lookup)
    if kind == "codes":
        return partial(coerce.to_codes, lookup=lookup)
    simple: dict[str, Callable[[Any], coerce.Coerced]] = {
        "integer": coerce.to_integer,
        "number": coerce.to_number,
        "boolean": coerce.to_boolean,
        "date": coerce.to_date,
    }
    return simple.get(kind, partial(to_text, pattern=spec.pattern))


def check_column(spec: FieldSpec, column: Any, ctx: CheckContext, first_row: int) -> coerce.Coerced:
    """Coerce one column to its canonical type and record every cell finding.

    Args:
        spec: The field.
        column: The raw column.
        ctx: Where findings go.
        first_row: Row number of the column's first cell.

    Returns:
        The canonical column with ``invalid`` set for every cell that had a finding
        (those cells are null in ``values``).
    """
    name = spec.name
    lookup: dict[str, str] = code_lookup(spec, ctx) if spec.codelist is not None else {}
    result = coerce_distinct(column, _converter(spec, lookup))
    if spec.required:
        ctx.emit_where("required-missing", name, result.empty, first_row)
    if spec.kind in ("code", "codes"):
        ctx.emit_where(
            "code-invalid",
            name,
            result.invalid,
            first_row,
            values=result.raw,
            detail=suggest(lookup),
        )
    elif spec.kind == "date":
        ctx.emit_where("date-invalid", name, result.invalid, first_row, values=result.raw)
    elif spec.kind == "string" and spec.pattern is not None:
        # The conversion matched the pattern (and nulled the cells that fail it).
        detail = PATTERN_DESCRIPTIONS.get(spec.pattern, f" (pattern {spec.pattern})")
        ctx.emit_where(
            "pattern-invalid", name, result.invalid, first_row, values=result.raw, detail=detail
        )
    elif spec.kind in TYPE_DESCRIPTIONS:
        ctx.emit_where(
            "type-invalid",
            name,
            result.invalid,
            first_row,
            values=result.raw,
            detail=TYPE_DESCRIPTIONS[spec.kind],
        )
    bad = _value_checks(spec, result, ctx, first_row)
    invalid = result.invalid | bad
    if spec.required:
        invalid = invalid | result.empty  # a missing required value is not used by rules
    if not bad.any() and spec.kind != "integer":
        return result.replace(invalid=invalid)  # values stay as they are (perhaps lazy)
    values, encoded = result.values, result.encoded
    if bad.any():
        values = pc.if_else(pa.array(bad), pa.scalar(None, values.type), values)
        encoded = None  # it still holds the values just nulled
    if spec.kind == "integer":
        values = pc.cast(values, pa.int32(), safe=False)  # out-of-range values are null now
    return result.replace(values=values, invalid=invalid, encoded=encoded)


def _beyond(values: Any, low: Any, high: Any) -> BoolArray:
    """True where a value is below ``low`` or above ``high`` (either may be None).

    One min/max pass first: in most columns nothing is out of range, and then no
    per-cell comparison (nor its conversion to NumPy) is needed.
    """
    out = np.zeros(len(values), dtype=np.bool_)
    if len(values) == 0:
        return out
    extremes = pc.min_max(values)
    smallest, largest = extremes["min"].as_py(), extremes["max"].as_py()
    if smallest is None:
        return out  # nothing but nulls
    if low is not None and smallest < low:
        out |= coerce.flag(pc.less(values, low))
    if high is not None and largest > high:
        out |= coerce.flag(pc.greater(values, high))
    return out


def _too_long(result: coerce.Coerced, max_length: int) -> BoolArray:
    """True where a text is longer than ``max_length`` characters.

    A character is at least a byte, so short byte lengths prove short texts; a column
    checked per distinct value is measured on its dictionary.
    """
    view = result.encoded
    texts = result.values if view is None else view.dictionary
    flagged = np.zeros(len(texts), dtype=np.bool_)
    if _beyond(pc.binary_length(texts), None, max_length).any():
        flagged = _beyond(pc.utf8_length(texts), None, max_length)
    if view is None:
        return flagged
    if not flagged.any():
        return np.zeros(len(view), dtype=np.bool_)
    out: BoolArray = coerce.spread(
        flagged, coerce.entry_positions(view.indices, len(flagged)), False
    )  # a null cell is never too long
    return out


def _value_checks(
    spec: FieldSpec, result: coerce.Coerced, ctx: CheckContext, first_row: int
) -> BoolArray:
    """Pattern, length, range and future-date checks on readable values."""
    name = spec.name
    bad = np.zeros(len(result.empty), dtype=np.bool_)
    if spec.kind == "string":
        if spec.max_length is not None:
            flagged = _too_long(result, spec.max_length)
            ctx.emit_where(
                "out-of-range",
                name,
                flagged,
                first_row,
                values=result.raw,
                detail=f"of up to {spec.max_length} characters",
            )
            bad |= flagged
    elif spec.kind in ("integer", "number") and (spec.minimum, spec.maximum) != (None, None):
        flagged = _beyond(result.values, spec.minimum, spec.maximum)
        ctx.emit_where(
            "out-of-range",
            name,
            flagged,
            first_row,
            values=result.raw,
            detail=range_text(spec.minimum, spec.maximum),
        )
        bad |= flagged
    elif spec.kind == "codes" and spec.max_length is not None:
        flagged = _beyond(pc.list_value_length(result.values), None, spec.max_length)
        ctx.emit_where(
            "out-of-range",
            name,
            flagged,
            first_row,
            values=result.raw,
            detail=range_text(1, spec.max_length, " codes"),
        )
        bad |= flagged
    elif spec.kind == "date":
        flagged = _beyond(result.values, None, ctx.today)
        ctx.emit_where("date-in-future", name, flagged, first_row, values=result.raw)
        bad |= flagged
    return bad
