"""Outcome checks driven by the instrument registry, one instrument at a time.

Loops run over the instruments present in a batch (a dozen at most) and over item
positions; every check inside is a NumPy or Arrow operation over all rows of that
instrument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments.interpretation import level_from_score
from peerbench.schema.instruments.kinds import SUMMARY_METHODS, ScoringMethod
from peerbench.schema.instruments.scoring import score_checked, summary_scores
from peerbench.validators.columnar.coerce import Coerced, as_array, flag, floats
from peerbench.validators.columnar.compiled import worth_it
from peerbench.validators.columnar.context import BoolArray, CheckContext
from peerbench.validators.columnar.distinct import deduplicated
from peerbench.validators.columnar.item_rows import Scale, summarise
from peerbench.validators.columnar.items import (
    EXACT_FLOAT32,
    FloatMatrix,
    FloatVector,
    IntArray,
    ItemGrid,
    item_column,
)
from peerbench.validators.columnar.totals import Totals

if TYPE_CHECKING:  # definitions are only read: models or frozen copies
    from peerbench.schema.instruments.definition import InstrumentDefinition

ITEM_BOUNDS = (0, 1000)
"""The standard's bounds for any item response (``ItemResponse``), used when the
instrument is unknown and so its own scale cannot be checked."""


def _mask(n: int, positions: IntArray) -> BoolArray:
    mask = np.zeros(n, dtype=np.bool_)
    mask[positions] = True
    return mask


@dataclass(frozen=True)
class _Batch:
    """What every instrument's checks share within one batch."""

    n: int
    columns: dict[str, Coerced]
    grid: ItemGrid
    lengths: IntArray
    total: FloatVector
    ctx: CheckContext
    first_row: int

    def emit(
        self, code: str, column: str, positions: IntArray, values: Any = None, detail: Any = ""
    ) -> None:
        """Findings at batch ``positions`` (ascending); ``values`` is a whole column."""
        if positions.size:
            mask = _mask(self.n, positions)
            self.ctx.emit_where(code, column, mask, self.first_row, values=values, detail=detail)


def _instrument_index(instrument: Coerced) -> tuple[list[str], IntArray]:
    """The codes in a batch and each row's position among them (-1 for none)."""
    view = instrument.encoded
    # Checked per distinct value already: only the small dictionary is re-encoded.
    encoded = (
        pc.dictionary_encode(as_array(instrument.values)) if view is None else deduplicated(view)
    )
    codes: list[str] = encoded.dictionary.to_pylist()
    index: IntArray = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    return codes, index


def check_instruments(
    columns: dict[str, Coerced], grid: ItemGrid, ctx: CheckContext, first_row: int
) -> Callable[[], Any]:
    """Check every outcome row against its instrument's definition.

    Each instrument's rows (in file order) are read as one ``(m, k)`` matrix.

    Args:
        columns: Canonical outcome columns (``instrument``, ``total_score``, ...).
        grid: The item responses.
        ctx: Where findings go (and the registry).
        first_row: Row number of the batch's first row.

    Returns:
        A function building the canonical ``items`` list column (called only when the
        canonical rows are wanted).
    """
    instrument = columns["instrument"]
    n = len(instrument.empty)
    codes, index = _instrument_index(instrument)
    definitions: dict[int, InstrumentDefinition] = {}
    counts_by_code = np.zeros(len(codes) + 1, dtype=np.int64)  # the last is "no instrument"
    for i, code in enumerate(codes):
        if code in ctx.registry:
            definitions[i] = ctx.registry.get(code)
            counts_by_code[i] = definitions[i].item_count
        else:
            ctx.emit_where(
                "instrument-unknown", "instrument", index == i, first_row, values=instrument.raw
            )
    item_counts = counts_by_code[index]  # index -1 reads the last entry
    batch = _Batch(
        n,
        columns,
        grid,
        grid.row_lengths(item_counts),
        floats(columns["total_score"].values),
        ctx,
        first_row,
    )
    unscaled = np.sort(np.flatnonzero(item_counts == 0))
    if unscaled.size:
        width = int(grid.lengths[unscaled].max())
        _check_range(batch, unscaled, grid.block(unscaled, width), [ITEM_BOUNDS] * width, "")
    for i, definition in definitions.items():
        rows = np.flatnonzero(index == i)  # a batch holds a handful of instruments
        if rows.size:
            _check_one(definition, rows, batch)
    return partial(grid.lists, item_counts)


def _check_range(
    batch: _Batch,
    rows: IntArray,
    block: FloatMatrix,
    bounds: list[tuple[int, int]],
    code: str,
) -> None:
    """``item-out-of-range`` per item column of ``block`` (the items of ``rows``)."""
    width = min(block.shape[1], len(bounds))
    if width == 0 or rows.size == 0:
        return
    # Compare in the block's own dtype (often float32) when the bounds are exact in it.
    exact = all(abs(v) <= EXACT_FLOAT32 for b in bounds for v in b)
    dtype = block.dtype if exact else np.float64
    low = np.array([b[0] for b in bounds], dtype=dtype)
    high = np.array([b[1] for b in bounds], dtype=dtype)
    with np.errstate(invalid="ignore"):
        bad = (block < low[:width]) | (block > high[:width])  # NaN (missing) compares False
    if not bad.any():  # the usual case, and much quicker than a row-wise any()
        return
    for j in np.flatnonzero(bad.any(axis=0)):  # per item position, never per row
        at = bad[:, j]
        given = np.zeros(batch.n, dtype=np.int64)
        given[rows[at]] = block[at, j]
        scale = f"{bounds[j][0]} to {bounds[j][1]}" + (f" ({code} item {j + 1})" if code else "")
        batch.emit("item-out-of-range", item_column(int(j) + 1), rows[at], given, scale)


def _check_one(definition: InstrumentDefinition, rows: IntArray, batch: _Batch) -> None:
    """Every check of one instrument over its ``rows`` (ascending batch positions)."""
    code, k = definition.code, definition.item_count
    method = definition.scoring.method
    lengths = batch.lengths[rows]
    wrong = (lengths > 0) & (lengths != k)
    batch.emit(
        "wrong-item-count",
        "items",
        rows[wrong],
        batch.lengths,
        lambda given: [f"{code} has {k} items but {g} were given" for g in given],
    )
    summary = summarise(batch.grid, rows, Scale.of(definition), compiled=worth_it(batch.n))
    if summary.bad.any():  # rare: only these rows are read again, to list each answer
        bad_rows = rows[summary.bad]
        bounds = [(item.min, item.max) for item in definition.items()]
        _check_range(batch, bad_rows, batch.grid.block(bad_rows, k), bounds, code)
    if method is ScoringMethod.LICENSED:
        _check_licensed(definition, rows, batch)
        return
    batch.emit("required-missing", "items", rows[lengths == 0])
    scorable = ~batch.grid.unreadable[rows] & (lengths == k) & ~summary.bad
    where, n_missing, total = rows[scorable], summary.n_missing[scorable], summary.total[scorable]
    if where.size == 0:
        return
    # Every scored instrument's own missing-item rule (licensed ones returned above: the
    # licensor's software applies its rule).
    allowed = definition.missing.max_missing
    too_many = n_missing > allowed
    batch.emit(
        "too-many-missing-items",
        "items",
        where[too_many],
        _spread(where, n_missing, batch.n) if too_many.any() else None,
        lambda missing: [
            f"{code}: {m} of {k} answers are missing (at most {allowed} allowed)" for m in missing
        ],
    )
    # Scores are only needed where a total was submitted to compare them with.
    submitted = batch.total[where]
    has_total = ~np.isnan(submitted)
    if not has_total.any():
        return
    where, submitted = where[has_total], submitted[has_total]
    n_missing, total = n_missing[has_total], total[has_total]
    # Every answer here is in range, so the totals are scored as they are.
    if method in SUMMARY_METHODS:
        usable = np.ones(where.size, dtype=np.bool_)
        score, valid = summary_scores(definition, total, n_missing, usable)
    else:
        score, valid = score_checked(definition, batch.grid.block(where, k), n_missing)
    totals = Totals(definition, submitted, total, n_missing, np.where(valid, score, np.nan))
    off, noted = totals.mismatched(), totals.answered_sum()
    listed_off, listed_noted = np.flatnonzero(off), np.flatnonzero(noted)
    batch.emit(
        "total-mismatch",
        "total_score",
        where[off],
        batch.columns["total_score"].raw,
        lambda values: [totals.why(int(listed_off[i])) for i in range(len(values))],
    )
    batch.emit(
        "total-answered-sum",
        "total_score",
        where[noted],
        batch.columns["total_score"].raw,
        lambda values: [totals.note(int(listed_noted[i])) for i in range(len(values))],
    )


def _spread(where: IntArray, values: Any, n: int) -> Any:
    """Values for the rows in ``where`` placed back at their batch positions."""
    out = np.zeros(n, dtype=np.asarray(values).dtype)
    out[where] = values
    return out


def _check_licensed(definition: InstrumentDefinition, rows: IntArray, batch: _Batch) -> None:
    """Licensed instruments (PAM13): the licensor's score is required and sets the level."""
    score_column = batch.columns.get("licensed_score")
    if score_column is None:
        return
    score = floats(score_column.values)[rows]
    missing = np.isnan(score) & ~score_column.invalid[rows]
    batch.emit("licensed-score-missing", "licensed_score", rows[missing], None, definition.code)
    level_column = batch.columns.get("licensed_level")
    if definition.levels is None or level_column is None:
        return
    expected = level_from_score(definition, pa.array(score, mask=np.isnan(score)))
    given = as_array(level_column.values).take(pa.array(rows))
    differs = flag(pc.not_equal(pc.cast(given, pa.int64()), pc.cast(expected, pa.int64())))
    expected_np = pc.fill_null(expected, 0).to_numpy(zero_copy_only=False)
    listed_scores, listed_levels = score[differs], expected_np[differs]
    batch.emit(
        "pam-level-mismatch",
        "licensed_level",
        rows[differs],
        level_column.raw,
        lambda levels: [
            f"{listed_scores[i]:g} is level {listed_levels[i]}" for i in range(len(levels))
        ],
    )
