"""Transitions between ordered levels (e.g. PAM activation levels 1–4) from baseline to
follow-up."""

import dataclasses

import numpy as np
import numpy.typing as npt

from peerbench.schema.instruments.item_matrix import FloatArray, IntArray
from peerbench.stats.result import StatsResult


@dataclasses.dataclass(frozen=True)
class TransitionMatrix(StatsResult):
    """Counts of people moving from each ordered level (rows) to each level (columns)."""

    levels: tuple[int, ...]
    counts: IntArray
    row_proportions: FloatArray
    n: int
    moved_up: int
    stayed: int
    moved_down: int


def transition_matrix(
    before: npt.ArrayLike, after: npt.ArrayLike, levels: tuple[int, ...] = (1, 2, 3, 4)
) -> TransitionMatrix:
    """Cross-tabulate ordered levels at baseline (rows) against follow-up (columns).

    Pairs with a missing level or a value outside ``levels`` are dropped. ``moved_up``
    counts pairs above the diagonal (a higher level at follow-up: for PAM, more activated),
    ``moved_down`` those below; row proportions are NaN for empty rows.

    Raises:
        ValueError: if ``levels`` are not strictly ascending.
    """
    b = np.asarray(before, dtype=np.float64).ravel()
    a = np.asarray(after, dtype=np.float64).ravel()
    lv = np.asarray(levels, dtype=np.float64)
    if lv.ndim != 1 or lv.size < 2 or np.any(np.diff(lv) <= 0):
        raise ValueError(f"levels must be at least two ascending values, got {levels}")
    k = lv.size
    row = np.searchsorted(lv, b).clip(0, k - 1)
    col = np.searchsorted(lv, a).clip(0, k - 1)
    keep = (lv[row] == b) & (lv[col] == a)
    counts = np.bincount(row[keep] * k + col[keep], minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        props = np.where(totals > 0, counts / totals, np.nan)
    return TransitionMatrix(
        tuple(int(x) for x in levels),
        counts.astype(np.int64),
        props,
        int(keep.sum()),
        int(np.triu(counts, 1).sum()),
        int(np.trace(counts)),
        int(np.tril(counts, -1).sum()),
    )
