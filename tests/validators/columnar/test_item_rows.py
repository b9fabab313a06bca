"""Per-row item summaries: the compiled loop agrees with NumPy, and NumPy with hand sums."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from peerbench.validators.columnar import compiled
from peerbench.validators.columnar.item_rows import RowSummary, Scale, summarise
from peerbench.validators.columnar.items import ItemGrid


def _list_grid(rows: list[list[float]], dtype: type = np.float32) -> ItemGrid:
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    flat: np.ndarray[Any, Any] = np.array([v for r in rows for v in r], dtype=dtype)
    return ItemGrid(flat, starts, lengths, False, np.zeros(len(rows), dtype=np.bool_))


def _scale(low: list[float], high: list[float], reverse: list[int]) -> Scale:
    flags = np.zeros(len(low), dtype=np.bool_)
    flags[np.array(reverse, dtype=np.int64)] = True
    return Scale(np.array(low, dtype=np.float64), np.array(high, dtype=np.float64), flags)


def _assert_same(a: RowSummary, b: RowSummary) -> None:
    np.testing.assert_array_equal(a.bad, b.bad)
    np.testing.assert_array_equal(a.n_missing, b.n_missing)
    np.testing.assert_array_equal(a.total[~a.bad], b.total[~b.bad])


@pytest.mark.parametrize("compiled", [False, True])
def test_worked_example(compiled: bool) -> None:
    # Three items scored 0-3; the second is reverse-scored (3 - x).
    nan = float("nan")
    grid = _list_grid([[1, 0, 2], [3, nan, 3], [1, 4, 0], [2], [], [0, 1, 2, 9]])
    scale = _scale([0, 0, 0], [3, 3, 3], reverse=[1])
    rows = np.arange(6, dtype=np.int64)
    got = summarise(grid, rows, scale, compiled=compiled)
    assert got.bad.tolist() == [False, False, True, False, False, False]
    # Items a row lacks are missing; answers past the item count are not read.
    assert got.n_missing.tolist() == [0, 1, 0, 2, 3, 0]
    assert got.total[~got.bad].tolist() == [1 + 3 + 2, 3 + 3, 2, 0, 0 + 2 + 2]


@pytest.mark.parametrize("seed", range(12))
def test_the_compiled_loop_agrees_with_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 400)), int(rng.integers(1, 12))
    dtype = np.float32 if seed % 2 else np.float64
    low = rng.integers(-2, 3, size=k).astype(np.float64)
    high = low + rng.integers(0, 6, size=k)
    scale = Scale(low, high, rng.random(k) < 0.3)
    lengths = rng.integers(0, k + 3, size=n)
    values = [
        np.where(rng.random(m) < 0.1, np.nan, rng.integers(-4, 10, size=m)).tolist()
        for m in lengths
    ]
    if seed % 3 == 0:
        # Text files lay item columns out one after another (stride = rows).
        width = int(lengths.max(initial=0))
        dense = np.full((width, n), np.nan, dtype=dtype)
        for i, row in enumerate(values):
            dense[: len(row), i] = row
        starts = np.arange(n, dtype=np.int64)
        grid = ItemGrid(dense.ravel(), starts, lengths, True, np.zeros(n, np.bool_), stride=n)
    else:
        grid = _list_grid(values, dtype)
    rows = np.sort(rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False))
    _assert_same(
        summarise(grid, rows, scale, compiled=True), summarise(grid, rows, scale, compiled=False)
    )


def test_without_numba_numpy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled.forget()
    monkeypatch.setitem(sys.modules, "peerbench.validators.columnar.kernels_jit", None)
    try:
        assert compiled.kernel("summarise_rows") is None
        grid = _list_grid([[1, 2], [3, 0]])
        scale = _scale([0, 0], [3, 3], reverse=[])
        got = summarise(grid, np.arange(2, dtype=np.int64), scale, compiled=True)
        assert got.total.tolist() == [3.0, 3.0]
    finally:
        compiled.forget()
