"""Bootstrapping several arrays at once gives each array's own interval."""

import numpy as np
import pytest

from peerbench.economics.estimate import bootstrap_ci, bootstrap_cis, estimate, estimates

OPTS = {"n_boot": 600, "seed": 7, "confidence": 0.9}


def _arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    by_level = rng.integers(-3, 4, 400).astype(float)  # few levels: drawn by level
    by_index = rng.normal(0, 2, 40)  # drawn by index
    return [
        by_level,
        by_level * 13_000 * 1.07,  # a positive multiple: the same counts, drawn together
        -by_level,  # its counts in the reverse order
        rng.integers(0, 2, 400).astype(float),  # other counts
        by_index,
        by_index * 3.5,  # the same length: the same indices
        rng.normal(0, 1, 39),
        np.array([1.0]),
        np.array([]),
    ]


def test_bootstrap_cis_equal_bootstrap_ci_one_by_one() -> None:
    arrays = _arrays()
    together = bootstrap_cis(arrays, **OPTS)  # type: ignore[arg-type]
    assert together == [bootstrap_ci(a, **OPTS) for a in arrays]  # type: ignore[arg-type]
    assert together[-2:] == [None, None]
    assert together[1] == pytest.approx((together[0][0] * 13_910, together[0][1] * 13_910))  # type: ignore[index]


def test_estimates_equal_estimate_one_by_one() -> None:
    arrays = _arrays()
    triples = [(a, a * 0.5, a * 2.0) for a in arrays]
    one_by_one = [estimate(a, low_values=lo, high_values=hi, **OPTS) for a, lo, hi in triples]  # type: ignore[arg-type]
    assert estimates(triples, **OPTS) == one_by_one  # type: ignore[arg-type]
    assert estimates([(arrays[0], None, None)]) == [estimate(arrays[0])]


def _chunked_reference(
    values: np.ndarray, n_boot: int, seed: int, confidence: float
) -> tuple[float, float]:
    """The index bootstrap as first written: 250 resamples drawn at a time, one quantile call."""
    n = values.shape[0]
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    for start in range(0, n_boot, 250):
        stop = min(start + 250, n_boot)
        means[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 8, 9, 31, 64, 255, 256, 257, 300])
def test_kept_draws_give_the_chunked_intervals_exactly(n: int) -> None:
    # Small groups reuse one draw per n (kept); the intervals are the chunked ones, bit
    # for bit, whether the draw is new or kept, and whatever else is bootstrapped with it.
    rng = np.random.default_rng(n)
    arrays = [rng.normal(0, 3, n), np.round(rng.normal(0, 3, n), 1), rng.normal(0, 3, n + 1)]
    expected = [_chunked_reference(a, 2000, 11, 0.95) for a in arrays]
    for _ in range(2):
        assert bootstrap_cis(arrays, n_boot=2000, seed=11, confidence=0.95) == expected
    assert [bootstrap_ci(a, n_boot=2000, seed=11, confidence=0.95) for a in arrays] == expected


def test_large_groups_are_drawn_in_chunks_as_before() -> None:
    values = np.random.default_rng(5).normal(0, 1, 600)  # 600 x 2000 cells: not kept
    expected = _chunked_reference(values, 2000, 3, 0.9)
    assert bootstrap_ci(values, n_boot=2000, seed=3, confidence=0.9) == expected
