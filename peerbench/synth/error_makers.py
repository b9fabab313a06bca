"""How each kind of injected error is made: generic makers shared by every file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth import identifiers
from peerbench.synth.columns import BoolArray, IntArray
from peerbench.synth.errors import Context, Eligible, Maker

FUTURE_DAYS = (400, 1200)
"""Injected future dates fall 400-1200 days after as_of: future by any reasonable clock."""


def _values(table: pa.Table, column: str, rows: IntArray) -> list[Any]:
    values: list[Any] = table.column(column).take(pa.array(rows)).to_pylist()
    return values


def _mask(array: Any) -> BoolArray:
    result: BoolArray = pc.fill_null(array, False).to_numpy(zero_copy_only=False)
    return result


def present(column: str) -> Eligible:
    """Rows where ``column`` is filled in."""
    return lambda table, _: _mask(table.column(column).is_valid())


def equals(column: str, value: Any, *, negate: bool = False) -> Eligible:
    """Rows where ``column`` equals (or, negated, differs from) ``value``."""

    def check(table: pa.Table, _: Context) -> BoolArray:
        same = _mask(pc.equal(table.column(column), value))
        return ~same & _mask(table.column(column).is_valid()) if negate else same

    return check


def both(first: Eligible, second: Eligible) -> Eligible:
    """Rows eligible under both rules."""
    return lambda table, context: first(table, context) & second(table, context)


def _codelist(record_type: str, column: str) -> type[CodeList]:
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.name == column and spec.codelist is not None:
            return spec.codelist
    raise KeyError(f"{record_type}.{column} has no code list")


def _typo(code: str, codelist: type[CodeList]) -> str:
    """A misspelt code that no spelling in the code list matches."""
    lookup = codelist.lookup()
    for candidate in (code[:-1], code.replace("_", " ") + "s", f"{code}x"):
        if len(candidate) > 1 and candidate.casefold() not in lookup:
            return candidate
    return f"not-a-code-{code}"


def typo(record_type: str, column: str) -> Maker:
    """``code-invalid``: a misspelling of the current (or first) code."""
    codelist = _codelist(record_type, column)

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        del rng, ctx
        current = _values(table, column, rows)
        first = codelist.codes()[0]
        if isinstance(table.column(column).type, pa.ListType):
            values: list[Any] = [[_typo(v[0], codelist), *v[1:]] for v in current]
        else:
            values = [_typo(v or first, codelist) for v in current]
        return values, [column] * len(values)

    return make


def constant(column: str, value: Any) -> Maker:
    """Set ``column`` to ``value`` (``""`` or ``[]`` for required-missing)."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        return [value] * rows.shape[0], [column] * rows.shape[0]

    return make


def same(column: str) -> Maker:
    """Keep the value (used with ``append`` for ``duplicate-key``)."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        return _values(table, column, rows), [column] * rows.shape[0]

    return make


def out_of_range(record_type: str, column: str, *, above_only: bool = False) -> Maker:
    """``out-of-range``: just outside the field's declared minimum or maximum."""
    spec = next(s for s in field_specs(RECORD_TYPES[record_type]) if s.name == column)
    low, high = int(spec.minimum or 0), int(spec.maximum or 0)

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        k = rows.shape[0]
        above = high + 1 + rng.integers(0, max(2, high // 5), size=k)
        below = low - 1 - rng.integers(0, 5, size=k)
        pick = np.where(above_only | (rng.random(k) < 0.5), above, below)
        return [int(v) for v in pick], [column] * k

    return make


def future(column: str) -> Maker:
    """``date-in-future``: a date well after the extract date."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        days = rng.integers(FUTURE_DAYS[0], FUTURE_DAYS[1], size=int(rows.shape[0]))
        values = [ctx.config.as_of + dt.timedelta(days=int(d)) for d in days.tolist()]
        return values, [column] * len(values)

    return make


def bad_key(column: str) -> Maker:
    """``pattern-invalid``: a key in capitals, cut short, or a raw local id."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        values = []
        for key in _values(table, column, rows):
            kind = rng.integers(3)
            key = key or "0" * 32
            if kind == 0 and key.upper() != key:
                values.append(key.upper())
            elif kind == 1:
                values.append(key[:-3])
            else:
                values.append(f"P{rng.integers(10**6, 10**7)}")
        return values, [column] * len(values)

    return make


def unknown(column: str) -> Maker:
    """``unknown-reference``: an identifier defined in no other file."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        if column == "participant_key":
            values = [rng.bytes(16).hex() for _ in range(rows.shape[0])]
        else:
            values = [f"{v}-retired" for v in _values(table, column, rows)]
        return values, [column] * len(values)

    return make


def with_identifier(column: str) -> Maker:
    """``identifier-detected``: an email, NHS number, phone number or postcode in text."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        values = []
        for text in _values(table, column, rows):
            lead = f"{text} " if text else ""
            values.append(
                f"{lead}{identifiers.sentence(rng)}"[-200:]
                if column == "name"
                else f"{lead}{identifiers.sentence(rng)}."
            )
        return values, [column] * len(values)

    return make


def earlier_key(column: str) -> Maker:
    """``duplicate-key`` in place: the identifier of an earlier row, so the later copy errs.

    Used for ``outcomes``, whose exact row count must not grow and whose ``record_id``
    nothing else refers to.
    """

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        # Copy only from rows not changed here, so every copied id still exists.
        others = np.setdiff1d(np.arange(table.num_rows), rows)
        before = np.searchsorted(others, rows)
        pick = np.floor(rng.random(rows.shape[0]) * before).astype(np.int64)
        source = others[np.minimum(pick, others.shape[0] - 1)]
        return _values(table, column, source), [column] * rows.shape[0]

    return make


def not_first(table: pa.Table, _: Context) -> BoolArray:
    """Every row but the first (which has no earlier row to copy)."""
    mask = np.ones(table.num_rows, dtype=np.bool_)
    mask[:1] = False
    return mask


def invalid_org_id(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``pattern-invalid`` organisation id: the name typed in, spaces and all."""
    values = _values(table, "name", rows)
    return values, ["organisation_id"] * len(values)


def date_order(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``date-order``: an end date 1-60 days before the start date."""
    starts = _values(table, "start_date", rows)
    values = [
        s - dt.timedelta(days=int(d))
        for s, d in zip(starts, rng.integers(1, 61, size=len(starts)), strict=True)
    ]
    return values, ["end_date"] * len(values)


def earlier_than(column: str, anchor: str) -> Maker:
    """``date-order``: ``column`` set 1-60 days before ``anchor`` (e.g. contact before referral)."""

    def make(
        rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
    ) -> tuple[list[Any], list[str]]:
        anchors = _values(table, anchor, rows)
        values = [
            a - dt.timedelta(days=int(d))
            for a, d in zip(anchors, rng.integers(1, 61, size=len(anchors)), strict=True)
        ]
        return values, [column] * len(values)

    return make


def too_many_attended(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``sessions-exceed-offered``: attended 1-4 more than offered."""
    offered = _values(table, "sessions_offered", rows)
    values = [
        o + int(d) for o, d in zip(offered, rng.integers(1, 5, size=len(offered)), strict=True)
    ]
    return values, ["sessions_attended"] * len(values)
