"""Per-person outcomes: reliable change, caseness, recovery, and NHS Talking Therapies rates.

Definitions (NHS Talking Therapies, see SPEC.md):

* reliably improved: oriented change ``gain ≥ threshold``; reliably deteriorated:
  ``gain ≤ −threshold``; otherwise no reliable change (the same rule, labels and float
  tolerance as :func:`peerbench.schema.instruments.change_category`).
* recovered: a case at baseline and not a case at follow-up.
* reliably recovered: recovered and reliably improved.
* rates (``rates.py``): recovery ``= recovered / (finished − not a case at baseline)``;
  reliable improvement (and deterioration) ``= count / finished``.
"""

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from peerbench.schema.instruments.components import CasenessRule, Direction
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.interpretation import (
    CHANGE_CATEGORIES,
    DETERIORATED,
    IMPROVED,
    change_category,
    is_case,
    jacobson_truax_threshold,
)
from peerbench.schema.instruments.item_matrix import BoolArray, FloatArray
from peerbench.stats.paired import orient_change
from peerbench.stats.rates import OutcomeRates, outcome_rates
from peerbench.stats.result import StatsResult

__all__ = [
    "CHANGE_CATEGORIES",
    "IndividualOutcomes",
    "case_mask",
    "classify_individuals",
    "classify_with_instrument",
    "jacobson_truax_threshold",
]

# Same tolerance as interpretation.change_category: scores from pro-rating carry float noise.
_EPSILON = 1e-9


@dataclasses.dataclass(frozen=True)
class IndividualOutcomes(StatsResult):
    """Per-person flags; every flag is False where ``valid`` (both scores present) is False."""

    gain: FloatArray
    valid: BoolArray
    category: npt.NDArray[np.str_]
    reliably_improved: BoolArray
    reliably_deteriorated: BoolArray
    case_baseline: BoolArray
    case_follow_up: BoolArray
    recovered: BoolArray
    reliably_recovered: BoolArray
    threshold: float

    def rates(self) -> OutcomeRates:
        """Counts and rates over the valid pairs (each valid pair counts as finished)."""
        v = self.valid
        return outcome_rates(
            finished=int(v.sum()),
            not_case_at_baseline=int((v & ~self.case_baseline).sum()),
            recovered=int(self.recovered.sum()),
            reliably_improved=int(self.reliably_improved.sum()),
            reliably_deteriorated=int(self.reliably_deteriorated.sum()),
            reliably_recovered=int(self.reliably_recovered.sum()),
        )


def case_mask(
    scores: npt.ArrayLike, threshold: float, rule: CasenessRule | str = CasenessRule.AT_OR_ABOVE
) -> BoolArray:
    """Whether each score is a case: ``score ≥ threshold`` (or ``< threshold`` for
    ``rule="below"``); False where the score is NaN."""
    s = np.asarray(scores, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out: BoolArray = (
            s >= threshold if CasenessRule(rule) is CasenessRule.AT_OR_ABOVE else (s < threshold)
        )
    return out & ~np.isnan(s)


def classify_individuals(
    baseline: npt.ArrayLike,
    follow_up: npt.ArrayLike,
    direction: Direction | str,
    *,
    threshold: float | None = None,
    sd_baseline: float | None = None,
    reliability: float | None = None,
    case_baseline: npt.ArrayLike | None = None,
    case_follow_up: npt.ArrayLike | None = None,
    case_threshold: float | None = None,
    case_rule: CasenessRule | str = CasenessRule.AT_OR_ABOVE,
) -> IndividualOutcomes:
    """Classify each person's baseline → follow-up change (vectorised).

    The reliable-change threshold is ``threshold`` if given, else the Jacobson–Truax
    value ``1.96 · SD₁ · √2 · √(1 − r)`` from ``sd_baseline`` and ``reliability``.
    Caseness comes from ``case_baseline``/``case_follow_up`` boolean arrays when given
    (e.g. NHS Talking Therapies' "PHQ-9 ≥ 10 or GAD-7 ≥ 8" computed by the caller),
    else from ``case_threshold``/``case_rule`` applied to the scores; with neither,
    nobody is a case and recovery is all False.

    Raises:
        ValueError: if no threshold can be formed, it is not positive, or shapes differ.
    """
    if threshold is None:
        if sd_baseline is None or reliability is None:
            raise ValueError("pass threshold, or sd_baseline and reliability")
        threshold = jacobson_truax_threshold(sd_baseline, reliability)
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    gain = orient_change(baseline, follow_up, direction)
    valid = np.isfinite(gain)
    improved = valid & (np.nan_to_num(gain) >= threshold - _EPSILON)
    deteriorated = valid & (np.nan_to_num(gain) <= -threshold + _EPSILON)
    code = np.where(improved, 0, np.where(deteriorated, 2, 1))
    category = np.where(valid, np.asarray(CHANGE_CATEGORIES)[code], "")

    def caseness(given: npt.ArrayLike | None, scores: npt.ArrayLike) -> BoolArray:
        if given is not None:
            flags: BoolArray = np.asarray(given, dtype=np.bool_)
        elif case_threshold is not None:
            flags = case_mask(scores, case_threshold, case_rule)
        else:
            flags = np.zeros(gain.shape, dtype=np.bool_)
        if flags.shape != gain.shape:
            raise ValueError(f"caseness has shape {flags.shape}, scores {gain.shape}")
        return flags & valid

    case_0 = caseness(case_baseline, baseline)
    case_1 = caseness(case_follow_up, follow_up)
    recovered = case_0 & ~case_1
    return IndividualOutcomes(
        gain,
        valid,
        category,
        improved,
        deteriorated,
        case_0,
        case_1,
        recovered,
        recovered & improved,
        float(threshold),
    )


def _arrow_bool(values: Any) -> BoolArray:
    out: BoolArray = np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), bool)
    return out


def classify_with_instrument(
    definition: InstrumentDefinition,
    baseline: npt.ArrayLike,
    follow_up: npt.ArrayLike,
    *,
    threshold: float | None = None,
) -> IndividualOutcomes:
    """:func:`classify_individuals` with direction, threshold and caseness from the registry.

    Delegates to :func:`peerbench.schema.instruments.change_category` and
    :func:`~peerbench.schema.instruments.is_case`, so the instrument's own rules apply.

    Raises:
        ValueError: if the instrument has no reliable-change threshold and none is given,
            or its direction is ``none``.
    """
    if threshold is None and definition.reliable_change is not None:
        threshold = definition.reliable_change.threshold
    if threshold is None:
        raise ValueError(f"{definition.code} has no reliable-change threshold: pass one")
    before = np.asarray(baseline, dtype=np.float64)
    after = np.asarray(follow_up, dtype=np.float64)
    gain = orient_change(before, after, definition.direction)
    category = change_category(definition, before, after, threshold=threshold)
    labels = np.asarray(category.fill_null("").to_numpy(zero_copy_only=False), dtype=np.str_)
    valid = np.isfinite(gain)
    case_0 = _arrow_bool(is_case(definition, before)) & valid
    case_1 = _arrow_bool(is_case(definition, after)) & valid
    improved = labels == IMPROVED
    recovered = case_0 & ~case_1
    return IndividualOutcomes(
        gain,
        valid,
        labels,
        improved,
        labels == DETERIORATED,
        case_0,
        case_1,
        recovered,
        recovered & improved,
        float(threshold),
    )
