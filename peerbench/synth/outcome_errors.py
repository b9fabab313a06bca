"""Makers for errors that need the instrument registry or other outcome rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments import default_registry
from peerbench.schema.instruments.components import ScoringMethod
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.synth.columns import BoolArray, IntArray
from peerbench.synth.error_makers import _mask, _values
from peerbench.synth.errors import Context


def has_items(table: pa.Table, _: Context) -> BoolArray:
    """Rows with an item list (every instrument but the licensed PAM-13)."""
    return _mask(table.column("items").is_valid())


def can_lose_items(table: pa.Table, _: Context) -> BoolArray:
    """Rows whose instrument has more items than it may miss plus one."""
    registry = default_registry()
    codes = [d.code for d in registry if d.item_count > d.missing.max_missing + 1]
    listed = pc.is_in(table.column("instrument"), value_set=pa.array(codes, pa.string()))
    return _mask(listed) & has_items(table, _)


def baseline_day(table: pa.Table) -> IntArray:
    """Per row, the date of the same person's baseline on the same instrument (-1: none)."""
    n = table.num_rows
    frame = pa.table(
        {
            "i": pa.array(np.arange(n)),
            "k": table.column("participant_key"),
            "s": table.column("service_id"),
            "x": table.column("instrument"),
            "d": table.column("date_administered").cast(pa.int32()),
        }
    )
    is_base = pc.equal(table.column("timepoint"), "baseline")
    base = frame.filter(is_base).group_by(["k", "s", "x"]).aggregate([("d", "min")])
    joined = frame.select(["i", "k", "s", "x"]).join(base, ["k", "s", "x"], join_type="left outer")
    out = np.full(n, -1, dtype=np.int64)
    index = joined.column("i").to_numpy()
    days = pc.fill_null(joined.column("d_min"), -1).to_numpy()
    out[index] = days
    return out


def after_baseline(table: pa.Table, _: Context) -> BoolArray:
    """Follow-up rows (not baseline, not 'other') with a baseline to come before."""
    timepoint = table.column("timepoint")
    follow_up = _mask(pc.is_in(timepoint, pa.array(["month_3", "month_6", "month_12", "end"])))
    result: BoolArray = follow_up & (baseline_day(table) >= 0)
    return result


def before_baseline(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``follow-up-before-baseline``: the follow-up dated 1-30 days before its baseline."""
    base = baseline_day(table)[rows] - rng.integers(1, 31, size=rows.shape[0])
    epoch = dt.date(1970, 1, 1)
    values = [epoch + dt.timedelta(days=int(d)) for d in base]
    return values, ["date_administered"] * len(values)


def item_out_of_range(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``item-out-of-range``: one item 1-2 above its maximum."""
    registry = default_registry()
    values, columns = [], []
    for code, items in zip(
        _values(table, "instrument", rows), _values(table, "items", rows), strict=True
    ):
        spec = registry.get(code).items()
        position = int(rng.integers(len(items)))
        items[position] = spec[position].max + 1 + int(rng.integers(2))
        values.append(items)
        columns.append(f"item_{position + 1}")
    return values, columns


def blank_items(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``too-many-missing-items``: one more blank item than the registry allows."""
    registry = default_registry()
    values = []
    for code, items in zip(
        _values(table, "instrument", rows), _values(table, "items", rows), strict=True
    ):
        definition = registry.get(code)
        blanks = rng.choice(len(items), size=definition.missing.max_missing + 1, replace=False)
        for position in blanks:
            items[int(position)] = None
        values.append(items)
    return values, ["items"] * len(values)


def wrong_total(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``total-mismatch``: a total that differs from the items' score but stays in range.

    Never the plain sum of the answered items of a pro-rated form, which the validator
    accepts with a note (``total-answered-sum``).
    """
    registry = default_registry()
    values = []
    for code, total, items in zip(
        _values(table, "instrument", rows),
        _values(table, "total_score", rows),
        _values(table, "items", rows),
        strict=True,
    ):
        definition = registry.get(code)
        low, high = definition.score_range() or (0.0, 100.0)
        step = 1.0 if high - low <= 10 else float(rng.integers(2, 6))
        wrong = total + step if total + step <= high else total - step
        if wrong == _answered_sum(definition, items):
            wrong -= 1.0  # below the pro-rated score, which is above the answered sum
        values.append(wrong)
    return values, ["total_score"] * len(values)


def _answered_sum(definition: InstrumentDefinition, items: list[Any] | None) -> float | None:
    """The sum of a summed form's answered items when some are blank, else None."""
    if items is None or None not in items or definition.scoring.method is not ScoringMethod.SUM:
        return None
    reverse = set(definition.reverse_items)
    return float(
        sum(
            item.min + item.max - value if number in reverse else value
            for number, (item, value) in enumerate(
                zip(definition.items(), items, strict=False), start=1
            )
            if value is not None
        )
    )


def wrong_level(
    rng: np.random.Generator, table: pa.Table, rows: IntArray, ctx: Context
) -> tuple[list[Any], list[str]]:
    """``pam-level-mismatch``: a PAM level one away from what the score implies."""
    levels = _values(table, "licensed_level", rows)
    values = [level + 1 if level < 4 else level - 1 for level in levels]
    return values, ["licensed_level"] * len(values)
