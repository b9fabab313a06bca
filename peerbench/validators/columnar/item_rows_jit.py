"""The compiled loop behind :mod:`peerbench.validators.columnar.item_rows`.

Kept apart so that Numba is imported (and the loop loaded from its on-disk cache) only
when a batch is large enough to gain from it.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def summarise_rows(
    flat: Any,
    starts: Any,
    lengths: Any,
    stride: int,
    rows: Any,
    low: Any,
    high: Any,
    reverse: Any,
    bad: Any,
    missing: Any,
    total: Any,
) -> None:  # pragma: no cover - compiled; its Python twin is tested against it
    """Per row of ``rows``: any answer out of range, answers missing, oriented total.

    Only the first ``len(low)`` answers count; answers a row lacks are missing. The
    total sums answered items, reverse-scored ones flipped (``low + high - x``), and
    is meaningless for rows with an answer out of range.
    """
    k = low.shape[0]
    for r in range(rows.shape[0]):
        i = rows[r]
        start = starts[i]
        given = min(lengths[i], k)
        out_of_range = False
        n_missing = k - given
        s = 0.0
        for j in range(given):
            x = flat[start + j * stride]
            if np.isnan(x):
                n_missing += 1
            elif x < low[j] or x > high[j]:
                out_of_range = True
            elif reverse[j]:
                s += low[j] + high[j] - x
            else:
                s += x
        bad[r] = out_of_range
        missing[r] = n_missing
        total[r] = s
