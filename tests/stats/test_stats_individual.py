"""Per-person classification and NHS Talking Therapies rates (REFERENCE.md §3)."""

import numpy as np
import pytest

from peerbench.schema.instruments import default_registry, jacobson_truax_threshold
from peerbench.stats import (
    case_mask,
    classify_individuals,
    classify_with_instrument,
    outcome_rates,
    transition_matrix,
)

NAN = float("nan")
# PHQ-9 (higher is worse; reliable change 6; caseness >= 10), one person per column.
BEFORE = np.array([15.0, 12.0, 8.0, 20.0, 10.0, 9.0, NAN])
AFTER = np.array([8.0, 9.0, 3.0, 21.0, 16.0, 9.0, 5.0])


def test_reference_worked_figures_from_counts() -> None:
    recovery = outcome_rates(
        finished=48_111, not_case_at_baseline=2_957, recovered=23_291, reliably_improved=0
    )
    assert round(recovery.recovery_rate * 100, 1) == 51.6
    assert recovery.recovery_rate == pytest.approx(23_291 / (48_111 - 2_957))
    assert recovery.recovery_ci[0] < recovery.recovery_rate < recovery.recovery_ci[1]
    improvement = outcome_rates(
        finished=57_060, not_case_at_baseline=0, recovered=0, reliably_improved=39_417
    )
    assert round(improvement.reliable_improvement_rate * 100, 1) == 69.1


def test_hand_made_per_person_classification() -> None:
    out = classify_individuals(BEFORE, AFTER, "higher_is_worse", threshold=6, case_threshold=10)
    np.testing.assert_array_equal(out.gain[:6], [7, 3, 5, -1, -6, 0])
    assert list(out.valid) == [True] * 6 + [False]
    assert list(out.category) == [
        "reliably_improved",
        "no_reliable_change",
        "no_reliable_change",
        "no_reliable_change",
        "reliably_deteriorated",
        "no_reliable_change",
        "",
    ]
    assert list(out.case_baseline) == [True, True, False, True, True, False, False]
    assert list(out.recovered) == [True, True, False, False, False, False, False]
    assert list(out.reliably_recovered) == [True] + [False] * 6
    rates = out.rates()
    assert (rates.finished, rates.not_case_at_baseline) == (6, 2)
    assert rates.recovery_rate == pytest.approx(2 / 4)
    assert rates.reliable_improvement_rate == pytest.approx(1 / 6)
    assert rates.reliable_deterioration_rate == pytest.approx(1 / 6)
    assert rates.reliable_recovery_rate == pytest.approx(1 / 4)


def test_instrument_wrapper_agrees_with_numpy_core() -> None:
    phq9 = default_registry().get("PHQ9")
    via_registry = classify_with_instrument(phq9, BEFORE, AFTER)
    core = classify_individuals(BEFORE, AFTER, "higher_is_worse", threshold=6, case_threshold=10)
    for name in ("category", "reliably_improved", "reliably_deteriorated", "recovered"):
        np.testing.assert_array_equal(getattr(via_registry, name), getattr(core, name))
    assert via_registry.rates() == core.rates()


def test_threshold_exactly_reached_counts_despite_float_noise() -> None:
    out = classify_individuals([10.0], [10.0 - 6.0 + 1e-12], "higher_is_worse", threshold=6)
    assert out.reliably_improved[0]


def test_jacobson_truax_threshold_path() -> None:
    out = classify_individuals(
        [40.0, 40.0], [48.0, 43.0], "higher_is_better", sd_baseline=8.0, reliability=0.89
    )
    assert out.threshold == pytest.approx(jacobson_truax_threshold(8.0, 0.89))
    assert list(out.reliably_improved) == [True, False]
    with pytest.raises(ValueError, match="threshold"):
        classify_individuals([1.0], [2.0], "higher_is_better")


def test_caller_supplied_caseness_for_combined_rules() -> None:
    # e.g. "PHQ-9 >= 10 or GAD-7 >= 8" computed by the caller.
    case_0 = case_mask([12, 5], 10) | case_mask([3, 9], 8)
    case_1 = case_mask([4, 5], 10) | case_mask([2, 9], 8)
    out = classify_individuals(
        [12, 5], [4, 5], "higher_is_worse", threshold=6, case_baseline=case_0,
        case_follow_up=case_1,
    )  # fmt: skip
    assert list(out.recovered) == [True, False]
    assert list(case_mask([np.nan, 3.0], 5, "below")) == [False, True]


def test_transition_matrix_pam_levels() -> None:
    before = [1, 1, 2, 3, 4, 2, np.nan, 5]
    after = [2, 1, 4, 3, 3, 1, 2, 1]
    tm = transition_matrix(before, after)
    assert tm.n == 6
    assert tm.counts[0].tolist() == [1, 1, 0, 0]
    assert tm.counts[1].tolist() == [1, 0, 0, 1]
    assert (tm.moved_up, tm.stayed, tm.moved_down) == (2, 2, 2)
    np.testing.assert_allclose(tm.row_proportions[0], [0.5, 0.5, 0, 0])
    assert tm.to_dict()["counts"][2] == [0, 0, 1, 0]
    with pytest.raises(ValueError):
        transition_matrix([1], [1], levels=(2, 1))
