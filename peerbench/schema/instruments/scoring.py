"""Vectorised scoring of item responses, driven entirely by an ``InstrumentDefinition``.

No Python loop runs per row: responses become an ``(n, k)`` matrix (``item_matrix``)
and every rule (range checks, reverse scoring, missing-item rules, pro-rating, lookup
tables, value sets) is a NumPy operation over whole columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from peerbench.schema.instruments.errors import InstrumentDefinitionError
from peerbench.schema.instruments.item_matrix import (
    BoolArray,
    FloatArray,
    IntArray,
    ItemMatrix,
    ItemsInput,
    as_float_vector,
    item_matrix,
    row_blocks,
)
from peerbench.schema.instruments.kinds import SUMMARY_METHODS, ScoringMethod

if TYPE_CHECKING:  # scoring reads definitions (models or frozen copies) without pydantic
    from peerbench.schema.instruments.components import ValueSet
    from peerbench.schema.instruments.definition import InstrumentDefinition

BLOCK_ROWS = 1 << 16
"""Rows scored at a time; large enough that per-block overhead is negligible."""


@dataclass(frozen=True)
class ScoreResult:
    """Scores and the reasons a row was not scored, one entry per input row.

    Attributes:
        score: float64 total score; null where not scorable (and always null for
            ``per_item``, and for ``profile`` without a value set).
        n_missing: int32 count of missing items (the item count for a null list; null
            when a licensed score was given without items).
        wrong_length: bool, a list whose length is not the item count (not scored).
        out_of_range: bool, an item outside its response range or not a whole number
            (not scored); for ``licensed`` also a supplied score outside the score range.
        subscores: float64 score per subscale for ``per_item`` and ``profile``.
    """

    score: Any
    n_missing: Any
    wrong_length: Any
    out_of_range: Any
    subscores: dict[str, Any] = field(default_factory=dict)


def _arrow(values: FloatArray, valid: BoolArray) -> Any:
    return pa.array(values, type=pa.float64(), mask=~valid)


def _scatter(m: ItemMatrix, values: FloatArray, valid: BoolArray) -> Any:
    """Place per-matrix-row results back at their input rows (others null)."""
    if m.complete_shape.all():
        return _arrow(values, valid)
    full = np.zeros(m.n_rows, dtype=np.float64)
    full_valid = np.zeros(m.n_rows, dtype=np.bool_)
    full[m.complete_shape] = values
    full_valid[m.complete_shape] = valid
    return _arrow(full, full_valid)


def item_bounds(definition: InstrumentDefinition) -> tuple[FloatArray, FloatArray]:
    """Each item's lowest and highest allowed answer, in questionnaire order."""
    items = definition.items()
    return (
        np.array([i.min for i in items], dtype=np.float64),
        np.array([i.max for i in items], dtype=np.float64),
    )


def _bad_rows(m: ItemMatrix, low: FloatArray, high: FloatArray) -> BoolArray:
    """Rows with any answered item outside its range or not a whole number."""
    x = m.values
    bad = np.zeros(x.shape[0], dtype=np.bool_)
    rng = m.value_range
    if rng is None or (
        m.integral
        and rng[0] >= low.min()
        and rng[1] <= high.max()
        and np.all(low == low[0])
        and np.all(high == high[0])
    ):
        # Fast path: every value of an integer column lies in the one shared range.
        return bad
    # One pass per item column (k passes) beats a row-wise any() over an (n, k) matrix.
    with np.errstate(invalid="ignore"):
        for j in range(x.shape[1]):
            column = x[:, j]
            bad |= (column < low[j]) | (column > high[j])
            if not m.integral:
                bad |= ~np.isnan(column) & (np.floor(column) != column)
    return bad


def _oriented(
    definition: InstrumentDefinition, values: FloatArray, low: FloatArray, high: FloatArray
) -> FloatArray:
    """Item values with reverse-scored items flipped (min + max - x)."""
    if not definition.reverse_items:
        return values
    x = np.array(values, dtype=np.float64)  # a copy: Arrow-backed arrays are read-only
    cols = np.array(definition.reverse_items) - 1
    x[:, cols] = (low + high)[cols] - x[:, cols]
    return x


def _summary(
    definition: InstrumentDefinition, x: FloatArray, n_missing: IntArray, usable: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Totals for sum, mean, scaled_mean and lookup, with the missing-item rule."""
    any_missing = bool(n_missing.any())
    # A matrix-vector product is a BLAS call and several times faster than sum(axis=1);
    # sums of small whole numbers stay exact whatever the order of addition.
    ones = np.ones(definition.item_count)
    total = (np.where(np.isnan(x), 0.0, x) if any_missing else x) @ ones
    return summary_scores(definition, total, n_missing, usable)


def summary_scores(
    definition: InstrumentDefinition, total: FloatArray, n_missing: IntArray, usable: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Scores of a sum, mean, scaled_mean or lookup instrument from its rows' totals.

    Args:
        definition: The instrument (its method one of ``SUMMARY_METHODS``).
        total: Each row's sum of answered items, reverse-scored items already flipped.
        n_missing: Unanswered items per row.
        usable: Rows whose answers are all in range.

    Returns:
        Each row's score and whether it is valid (usable, and the missing-item rule
        allows it).
    """
    k = definition.item_count
    method, rule = definition.scoring.method, definition.missing
    any_missing = bool(n_missing.any())
    valid = usable & (n_missing <= rule.max_missing)
    answered = np.maximum(k - n_missing, 1)  # avoids 0/0 on rows that are invalid anyway
    if method is ScoringMethod.SUM:
        score = total * k / answered if any_missing else total
    elif method is ScoringMethod.MEAN:
        score = total / answered
    elif method is ScoringMethod.SCALED_MEAN:
        assert definition.scoring.multiplier is not None
        score = total / answered * definition.scoring.multiplier
    else:  # lookup
        assert definition.scoring.lookup is not None
        raw_low, raw_high = definition.raw_range()
        table = np.array(
            [definition.scoring.lookup[r] for r in range(raw_low, raw_high + 1)],
            dtype=np.float64,
        )
        raw = total * k / answered if any_missing else total
        # The table is indexed by whole raw scores, so a pro-rated raw score is rounded
        # half up first.
        index = np.floor(raw + 0.5).astype(np.int64) - raw_low
        index = np.where(valid, index, 0)
        score = table[index]
    return score, valid


def _index(
    value_set: ValueSet, definition: InstrumentDefinition, x: FloatArray, usable: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Additive value-set index over the dimensions the value set names."""
    items = definition.items()
    valid = usable.copy()
    penalty = np.zeros(x.shape[0], dtype=np.float64)
    any_problem = np.zeros(x.shape[0], dtype=np.bool_)
    for number, decrements in value_set.decrements.items():  # per dimension, not per row
        column = x[:, number - 1]
        answered = ~np.isnan(column)
        valid &= answered
        level = np.where(answered & usable, column - items[number - 1].min, 0).astype(np.int64)
        penalty += np.asarray(decrements, dtype=np.float64)[level]
        any_problem |= level > 0
    index = value_set.intercept - penalty - np.where(any_problem, value_set.constant, 0.0)
    return index, valid


def _licensed(
    definition: InstrumentDefinition, items: ItemsInput | None, licensed_score: Any
) -> ScoreResult:
    scores = as_float_vector(licensed_score)
    n = scores.shape[0]
    rng = definition.score_range()
    assert rng is not None
    with np.errstate(invalid="ignore"):
        out_of_range = ~np.isnan(scores) & ((scores < rng[0]) | (scores > rng[1]))
    wrong_length = np.zeros(n, dtype=np.bool_)
    n_missing: Any = pa.nulls(n, pa.int32())
    if items is not None:
        m = item_matrix(items, definition.item_count)
        if m.n_rows != n:
            raise ValueError(f"items has {m.n_rows} rows but licensed_score has {n}")
        low, high = item_bounds(definition)
        out_of_range[m.complete_shape] |= _bad_rows(m, low, high)
        wrong_length = m.wrong_length
        n_missing = pa.array(m.n_missing.astype(np.int32))
    valid = ~np.isnan(scores) & ~out_of_range & ~wrong_length
    return ScoreResult(
        score=_arrow(scores, valid),
        n_missing=n_missing,
        wrong_length=pa.array(wrong_length),
        out_of_range=pa.array(out_of_range),
    )


def score_items(
    definition: InstrumentDefinition,
    items: ItemsInput | None = None,
    *,
    licensed_score: Any = None,
    value_set: ValueSet | None = None,
) -> ScoreResult:
    """Score item responses for one instrument, all rows at once.

    Args:
        definition: The instrument.
        items: Responses per row: a pyarrow list array (or chunked array of lists) of
            numbers with null for a missing item and a null list for no response, or a
            2-D NumPy array with NaN for missing. Optional only for ``licensed``.
        licensed_score: For ``licensed`` instruments (PAM13), the score produced by the
            licensed software, one per row; peerbench never computes it.
        value_set: For ``profile`` instruments, a value set to use instead of the
            definition's own (``scoring.value_set``). Without either, no index.

    Returns:
        A ``ScoreResult`` with one entry per input row.

    Raises:
        ValueError: if a licensed score is missing, given for another method, or its
            length does not match ``items``.
        TypeError: if ``items`` is not a supported type.
        InstrumentDefinitionError: if ``value_set`` does not fit the instrument.
    """
    method = definition.scoring.method
    if method is ScoringMethod.LICENSED:
        if licensed_score is None:
            raise ValueError(
                f"{definition.code} is scored by licensed software: pass licensed_score"
            )
        return _licensed(definition, items, licensed_score)
    if licensed_score is not None:
        raise ValueError(f"{definition.code} is not a licensed instrument ({method.value})")
    if value_set is not None:
        _check_value_set(definition, value_set)
    blocks = [
        _score_block(definition, block, value_set)
        for block in row_blocks(items, BLOCK_ROWS)  # a handful of blocks, never per row
    ]
    if len(blocks) == 1:
        return blocks[0]
    return ScoreResult(
        score=pa.concat_arrays([b.score for b in blocks]),
        n_missing=pa.concat_arrays([b.n_missing for b in blocks]),
        wrong_length=pa.concat_arrays([b.wrong_length for b in blocks]),
        out_of_range=pa.concat_arrays([b.out_of_range for b in blocks]),
        subscores={
            name: pa.concat_arrays([b.subscores[name] for b in blocks])
            for name in blocks[0].subscores
        },
    )


def _score_block(
    definition: InstrumentDefinition, items: ItemsInput, value_set: ValueSet | None
) -> ScoreResult:
    m = item_matrix(items, definition.item_count)
    low, high = item_bounds(definition)
    bad = _bad_rows(m, low, high)
    usable = ~bad
    x = _oriented(definition, m.values, low, high)
    n_missing = m.n_missing[m.complete_shape]
    subscores: dict[str, Any] = {}
    for sub in definition.subscales:
        column = x[:, sub.item - 1]
        subscores[sub.name] = _scatter(m, column, usable & ~np.isnan(column))
    score, valid = _scores(definition, x, n_missing, usable, value_set)
    out_of_range = np.zeros(m.n_rows, dtype=np.bool_)
    out_of_range[m.complete_shape] = bad
    return ScoreResult(
        score=_scatter(m, score, valid),
        n_missing=pa.array(m.n_missing.astype(np.int32)),
        wrong_length=pa.array(m.wrong_length),
        out_of_range=pa.array(out_of_range),
        subscores=subscores,
    )


def _scores(
    definition: InstrumentDefinition,
    x: FloatArray,
    n_missing: IntArray,
    usable: BoolArray,
    value_set: ValueSet | None,
) -> tuple[FloatArray, BoolArray]:
    """Each row's score by the instrument's method (oriented items), and where it is valid."""
    method = definition.scoring.method
    if method in SUMMARY_METHODS:
        return _summary(definition, x, n_missing, usable)
    if method is ScoringMethod.CATEGORICAL:
        return x[:, 0], usable & ~np.isnan(x[:, 0])
    chosen = value_set or definition.scoring.value_set
    if method is ScoringMethod.PROFILE and chosen is not None:
        return _index(chosen, definition, x, usable)
    return np.zeros(x.shape[0], dtype=np.float64), np.zeros(x.shape[0], dtype=np.bool_)


def score_checked(
    definition: InstrumentDefinition, values: npt.NDArray[np.floating[Any]], n_missing: IntArray
) -> tuple[FloatArray, BoolArray]:
    """Scores of a ``(rows, k)`` matrix whose answers are already known to be valid.

    For callers that have checked every answer against the instrument's ranges (the
    columnar validator): the same scores as :func:`score_items`, without building and
    checking the matrix a second time. Not for licensed instruments.

    Args:
        definition: The instrument (not ``licensed``).
        values: Answers, NaN where missing, every other value a whole number in range.
        n_missing: NaN answers per row.

    Returns:
        Each row's score and whether it is valid (the missing-item rule allows it).
    """
    low, high = item_bounds(definition)
    x = _oriented(definition, np.asarray(values, dtype=np.float64), low, high)
    usable = np.ones(x.shape[0], dtype=np.bool_)
    return _scores(definition, x, n_missing, usable, None)


def _check_value_set(definition: InstrumentDefinition, value_set: ValueSet) -> None:
    """Validate a caller-supplied value set against the instrument's items."""
    from pydantic import ValidationError

    from peerbench.schema.instruments.definition import InstrumentDefinition

    data = definition.model_dump()
    data["scoring"]["value_set"] = value_set.model_dump()
    try:
        InstrumentDefinition.model_validate(data)
    except ValidationError as exc:
        raise InstrumentDefinitionError.from_validation(
            f"value set {value_set.name!r} for {definition.code}", exc
        ) from exc
