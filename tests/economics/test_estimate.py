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
