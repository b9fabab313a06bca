"""Vectorised interpretation of scores: bands, caseness, levels and reliable change.

Every function takes a whole score column and returns an Arrow array of the same
length, null wherever the score is null or the instrument defines no such rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments.item_matrix import FloatArray, as_float_vector
from peerbench.schema.instruments.kinds import CasenessRule, Direction, ScoringMethod

if TYPE_CHECKING:  # reads definitions (models or frozen copies) without pydantic
    from peerbench.schema.instruments.definition import InstrumentDefinition

IMPROVED = "reliably_improved"
NO_CHANGE = "no_reliable_change"
DETERIORATED = "reliably_deteriorated"
CHANGE_CATEGORIES = (IMPROVED, NO_CHANGE, DETERIORATED)

# Scores from pro-rating or lookup tables carry float noise; a change that is meant to
# equal the threshold exactly must still count as reaching it.
_EPSILON = 1e-9


def _labelled(labels: Sequence[str], index: Any, valid: Any) -> Any:
    """Arrow string array of ``labels[index]``, null where not ``valid``."""
    safe = np.where(valid, index, 0).astype(np.int64)
    return pc.take(pa.array(list(labels), pa.string()), pa.array(safe, mask=~valid))


def band(definition: InstrumentDefinition, scores: Any, *, subscale: str | None = None) -> Any:
    """Band label for each score (category label for categorical instruments).

    Bands are half-open ``[min, next band's min)``; the last band closes at its max.

    Args:
        definition: The instrument.
        scores: A score column (Arrow, NumPy or a sequence with None).
        subscale: Use this subscale's bands (ONS4 ``anxiety``) instead of the total's.

    Returns:
        A pyarrow string array; null where the score is null, outside every band, or
        the instrument has no bands.
    """
    s = as_float_vector(scores)
    finite = ~np.isnan(s)
    if subscale is None and definition.scoring.method is ScoringMethod.CATEGORICAL:
        values = np.array([c.value for c in definition.categories], dtype=np.float64)
        order = np.argsort(values)
        position = np.clip(np.searchsorted(values[order], s), 0, len(values) - 1)
        valid = finite & (values[order][position] == s)
        labels = [definition.categories[i].label for i in order]
        return _labelled(labels, position, valid)
    bands = definition.subscale(subscale).bands if subscale else definition.bands
    if not bands:
        return pa.nulls(len(s), pa.string())
    mins = np.array([b.min for b in bands], dtype=np.float64)
    index = np.searchsorted(mins, s, side="right") - 1
    with np.errstate(invalid="ignore"):
        valid = finite & (index >= 0) & (s <= bands[-1].max)
    return _labelled([b.label for b in bands], index, valid)


def is_case(definition: InstrumentDefinition, scores: Any) -> Any:
    """Whether each score is in the clinical ('case') range.

    Returns:
        A pyarrow bool array; null where the score is null or the instrument has no
        caseness rule.
    """
    s = as_float_vector(scores)
    if definition.caseness is None:
        return pa.nulls(len(s), pa.bool_())
    threshold = definition.caseness.threshold
    with np.errstate(invalid="ignore"):
        case = (
            s >= threshold
            if definition.caseness.rule is CasenessRule.AT_OR_ABOVE
            else (s < threshold)
        )
    return pa.array(case, type=pa.bool_(), mask=np.isnan(s))


def change_category(
    definition: InstrumentDefinition,
    baseline: Any,
    follow_up: Any,
    *,
    threshold: float | None = None,
    subscale: str | None = None,
) -> Any:
    """Classify each baseline/follow-up pair as reliable improvement, deterioration or neither.

    A change reaching the threshold in the better direction is ``reliably_improved``; in
    the worse direction ``reliably_deteriorated``; otherwise ``no_reliable_change``.

    Args:
        definition: The instrument (gives the direction and default threshold).
        baseline: First scores.
        follow_up: Last scores, same length as ``baseline``.
        threshold: Override the instrument's threshold, e.g. with a Jacobson-Truax value.
        subscale: Use this subscale's direction (thresholds are never per subscale, so
            pass ``threshold`` too).

    Returns:
        A pyarrow string array; null where either score is null, or everywhere when no
        threshold is available or the direction is ``none``.

    Raises:
        ValueError: if the two columns differ in length or the threshold is not positive.
    """
    before, after = as_float_vector(baseline), as_float_vector(follow_up)
    if before.shape != after.shape:
        raise ValueError(f"baseline has {len(before)} rows but follow_up has {len(after)}")
    direction = definition.subscale(subscale).direction if subscale else definition.direction
    if threshold is None and subscale is None and definition.reliable_change is not None:
        threshold = definition.reliable_change.threshold
    if threshold is None or direction is Direction.NONE:
        return pa.nulls(len(before), pa.string())
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    gain = after - before if direction is Direction.HIGHER_IS_BETTER else before - after
    with np.errstate(invalid="ignore"):
        category = np.where(
            gain >= threshold - _EPSILON, 0, np.where(gain <= -threshold + _EPSILON, 2, 1)
        )
    return _labelled(CHANGE_CATEGORIES, category, ~np.isnan(gain))


def level_from_score(
    definition: InstrumentDefinition,
    scores: Any,
    *,
    cut_points: Sequence[float] | None = None,
) -> Any:
    """Level (1, 2, ...) for each score from the instrument's cut points (PAM levels).

    A score at or below the first cut point is level 1, at or below the second level 2,
    and so on (PAM: 47.0 is level 1, 47.1 level 2).

    Args:
        definition: The instrument.
        scores: A score column.
        cut_points: Use these ascending cut points instead of ``definition.levels``
            (e.g. ``[47.0, 55.1, 72.4]``).

    Returns:
        A pyarrow int8 array, null where the score is null.

    Raises:
        ValueError: if there are no cut points or they are not strictly ascending.
    """
    if cut_points is None:
        if definition.levels is None:
            raise ValueError(f"{definition.code} defines no levels: pass cut_points")
        cut_points = definition.levels.cut_points
    cuts: FloatArray = np.asarray(cut_points, dtype=np.float64)
    if cuts.ndim != 1 or cuts.size == 0 or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"cut_points must be strictly ascending, got {list(cut_points)}")
    s = as_float_vector(scores)
    level = np.searchsorted(cuts, s, side="left") + 1
    return pa.array(level.astype(np.int8), type=pa.int8(), mask=np.isnan(s))


def jacobson_truax_threshold(sd_baseline: float, reliability: float) -> float:
    """Smallest change that is reliable by the Jacobson-Truax Reliable Change Index.

    ``1.96 * SD * sqrt(2) * sqrt(1 - r)``: a change this large or larger has |RC| > 1.96.

    Args:
        sd_baseline: Standard deviation of baseline scores (positive).
        reliability: Reliability of the measure, e.g. Cronbach's alpha, in [0, 1).

    Raises:
        ValueError: if either argument is out of range.
    """
    if not sd_baseline > 0:
        raise ValueError(f"sd_baseline must be positive, got {sd_baseline}")
    if not 0 <= reliability < 1:
        raise ValueError(f"reliability must be at least 0 and below 1, got {reliability}")
    return 1.96 * sd_baseline * math.sqrt(2) * math.sqrt(1 - reliability)
