"""Outcome checks driven by the instrument registry, one instrument at a time.

Loops run over the instruments present in a batch (a dozen at most) and over item
positions; every check inside is a NumPy or Arrow operation over all rows of that
instrument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments.components import ScoringMethod
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.interpretation import level_from_score
from peerbench.schema.instruments.scoring import score_items
from peerbench.validators.columnar.coerce import Coerced, flag
from peerbench.validators.columnar.context import BoolArray, CheckContext
from peerbench.validators.columnar.items import FloatMatrix, IntArray, ItemGrid, item_column

TOTAL_TOLERANCE = 0.01
"""Largest accepted |total_score - computed| for sums of complete answers."""
ROUNDED_TOLERANCE = 0.05
"""For mean, scaled-mean and lookup scores, which organisations round to one decimal."""
PRORATED_TOLERANCE = 0.5
"""For pro-rated totals (answers missing), which are commonly rounded to a whole number."""
ITEM_BOUNDS = (0, 1000)
"""The standard's bounds for any item response (``ItemResponse``), used when the
instrument is unknown and so its own scale cannot be checked."""


def _numbers(column: Coerced) -> Any:
    return pc.cast(column.values, pa.float64()).to_numpy(zero_copy_only=False)


def check_instruments(
    columns: dict[str, Coerced], grid: ItemGrid, ctx: CheckContext, first_row: int
) -> Any:
    """Check every outcome row against its instrument's definition.

    Args:
        columns: Canonical outcome columns (``instrument``, ``total_score``, ...).
        grid: The item responses.
        ctx: Where findings go (and the registry).
        first_row: Row number of the batch's first row.

    Returns:
        The canonical ``items`` list column.
    """
    instrument = columns["instrument"].values
    n = len(instrument)
    codes = pc.unique(instrument.drop_null()).to_pylist()
    index = pc.fill_null(pc.index_in(instrument, value_set=pa.array(codes, pa.string())), -1)
    index = index.to_numpy()
    definitions: dict[int, InstrumentDefinition] = {}
    for i, code in enumerate(codes):
        if code in ctx.registry:
            definitions[i] = ctx.registry.get(code)
        else:
            ctx.emit_where(
                "instrument-unknown", "instrument", index == i, first_row, values=instrument
            )
    item_counts = np.zeros(n, dtype=np.int64)
    for i, definition in definitions.items():
        item_counts[index == i] = definition.item_count
    lists = grid.lists(item_counts)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy().astype(np.int64)
    values = grid.widened(int(item_counts.max(initial=0)))
    unscaled = item_counts == 0
    _check_range(values, unscaled, [ITEM_BOUNDS] * values.shape[1], "", ctx, first_row)
    for i, definition in definitions.items():
        rows = index == i
        usable = rows & ~grid.unreadable
        _check_one(definition, rows, usable, columns, lists, lengths, values, ctx, first_row)
    return lists


def _check_range(
    values: FloatMatrix,
    rows: BoolArray,
    bounds: list[tuple[int, int]],
    code: str,
    ctx: CheckContext,
    first_row: int,
) -> BoolArray:
    """``item-out-of-range`` per item column; returns rows with any such item."""
    any_bad = np.zeros(len(rows), dtype=np.bool_)
    where = np.flatnonzero(rows)
    if where.size == 0 or not bounds:
        return any_bad
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    block = values[where, : len(bounds)]  # only this instrument's rows and items
    with np.errstate(invalid="ignore"):
        bad = (block < low) | (block > high)  # NaN (missing) compares False
    any_bad[where] = bad.any(axis=1)
    for j in np.flatnonzero(bad.any(axis=0)):  # per item position, never per row
        mask = np.zeros(len(rows), dtype=np.bool_)
        mask[where[bad[:, j]]] = True
        given = np.zeros(len(rows), dtype=np.int64)
        given[where[bad[:, j]]] = block[bad[:, j], j]
        scale = f"{bounds[j][0]} to {bounds[j][1]}" + (f" ({code} item {j + 1})" if code else "")
        ctx.emit_where(
            "item-out-of-range",
            item_column(int(j) + 1),
            mask,
            first_row,
            values=given,
            detail=scale,
        )
    return any_bad


def _check_one(
    definition: InstrumentDefinition,
    rows: BoolArray,
    readable: BoolArray,
    columns: dict[str, Coerced],
    lists: Any,
    lengths: IntArray,
    values: FloatMatrix,
    ctx: CheckContext,
    first_row: int,
) -> None:
    code, k = definition.code, definition.item_count
    method = definition.scoring.method
    wrong = rows & (lengths > 0) & (lengths != k)
    ctx.emit_where(
        "wrong-item-count",
        "items",
        wrong,
        first_row,
        values=lengths,
        detail=lambda given: [f"{code} has {k} items but {g} were given" for g in given],
    )
    bounds = [(item.min, item.max) for item in definition.items()]
    bad_items = _check_range(values, rows, bounds, code, ctx, first_row)
    if method is ScoringMethod.LICENSED:
        _check_licensed(definition, rows, columns, ctx, first_row)
        return
    ctx.emit_where("required-missing", "items", rows & (lengths == 0), first_row)
    scorable = readable & (lengths == k) & ~bad_items
    where = np.flatnonzero(scorable)
    if where.size == 0:
        return
    result = score_items(definition, lists.take(pa.array(where)))
    n_missing = result.n_missing.to_numpy(zero_copy_only=False)
    # Every scored instrument's own missing-item rule (licensed ones returned above: the
    # licensor's software applies its rule).
    too_many = np.zeros(len(rows), dtype=np.bool_)
    too_many[where] = n_missing > definition.missing.max_missing
    allowed = definition.missing.max_missing
    ctx.emit_where(
        "too-many-missing-items",
        "items",
        too_many,
        first_row,
        values=_spread(where, n_missing, len(rows)),
        detail=lambda missing: [
            f"{code}: {m} of {k} answers are missing (at most {allowed} allowed)" for m in missing
        ],
    )
    total = _numbers(columns["total_score"])
    score = pc.fill_null(result.score, np.nan).to_numpy(zero_copy_only=False)
    if np.isnan(score).all():
        return
    tolerance = np.where(
        n_missing > 0,
        PRORATED_TOLERANCE,
        TOTAL_TOLERANCE if method is ScoringMethod.SUM else ROUNDED_TOLERANCE,
    )
    submitted = total[where]
    with np.errstate(invalid="ignore"):
        off = ~np.isnan(submitted) & ~np.isnan(score) & (np.abs(submitted - score) > tolerance)
    mismatch = np.zeros(len(rows), dtype=np.bool_)
    mismatch[where] = off
    computed = _spread(where, score, len(rows))
    ctx.emit_where(
        "total-mismatch",
        "total_score",
        mismatch,
        first_row,
        values=columns["total_score"].raw,
        detail=_computed_text(computed, mismatch),
    )


def _spread(where: IntArray, values: Any, n: int) -> Any:
    """Values for the rows in ``where`` placed back at their batch positions."""
    out = np.zeros(n, dtype=np.asarray(values).dtype)
    out[where] = values
    return out


def _computed_text(computed: Any, mask: BoolArray) -> Any:
    listed = computed[mask]

    def detail(values: list[Any]) -> list[str]:
        return [f"{listed[i]:.2f}" for i in range(len(values))]

    return detail


def _check_licensed(
    definition: InstrumentDefinition,
    rows: BoolArray,
    columns: dict[str, Coerced],
    ctx: CheckContext,
    first_row: int,
) -> None:
    """Licensed instruments (PAM13): the licensor's score is required and sets the level."""
    score_column = columns.get("licensed_score")
    if score_column is None:
        return
    score = _numbers(score_column)
    missing = rows & np.isnan(score) & ~score_column.invalid
    ctx.emit_where(
        "licensed-score-missing", "licensed_score", missing, first_row, detail=definition.code
    )
    level_column = columns.get("licensed_level")
    if definition.levels is None or level_column is None:
        return
    expected = level_from_score(definition, pa.array(score, mask=np.isnan(score)))
    given = level_column.values
    differs = flag(pc.not_equal(pc.cast(given, pa.int64()), pc.cast(expected, pa.int64())))
    mismatch = rows & differs
    expected_np = pc.fill_null(expected, 0).to_numpy(zero_copy_only=False)
    listed_scores, listed_levels = score[mismatch], expected_np[mismatch]
    ctx.emit_where(
        "pam-level-mismatch",
        "licensed_level",
        mismatch,
        first_row,
        values=level_column.raw,
        detail=lambda levels: [
            f"{listed_scores[i]:g} is level {listed_levels[i]}" for i in range(len(levels))
        ],
    )
