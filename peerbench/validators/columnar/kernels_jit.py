"""Compiled loops (Numba) for large batches; load them through :mod:`.compiled`.

Kept apart so that Numba is imported (and the loops loaded from its on-disk cache) only
when a batch is large enough to gain from them. Each loop has a NumPy twin in the
module that uses it, which is the reference it is tested against.
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


@numba.njit(nogil=True, cache=True)
def days_since_baseline(
    ids: Any, bound: int, is_baseline: Any, days: Any, since: Any, has_base: Any
) -> None:  # pragma: no cover - compiled; its Python twin is tested against it
    """Per row: days since its group's earliest baseline (0 and False where none).

    Baseline rows themselves have no baseline before them.
    """
    none = 2147483647  # int32's largest: no day is that far off
    base = np.full(bound, none, dtype=np.int32)
    for r in range(ids.shape[0]):
        if is_baseline[r] and days[r] < base[ids[r]]:
            base[ids[r]] = days[r]
    for r in range(ids.shape[0]):
        first = base[ids[r]]
        if is_baseline[r] or first == none:
            has_base[r] = False
            since[r] = 0
        else:
            has_base[r] = True
            since[r] = days[r] - first


@numba.njit(nogil=True, cache=True)
def match_bytes(
    offsets: Any, data: Any, prefix: Any, rest: Any, shortest: int, longest: int, ok: Any
) -> None:  # pragma: no cover - compiled; its Python twin is tested against it
    """Clear ``ok[i]`` unless cell ``i`` (bytes ``offsets[i]:offsets[i + 1]`` of ``data``)
    has ``shortest`` to ``longest`` bytes, byte ``j`` in ``prefix[j]`` for the first
    ``len(prefix)`` and every other byte in ``rest``. Cells already not ok are skipped.
    """
    fixed = prefix.shape[0]
    for i in range(ok.shape[0]):
        if not ok[i]:
            continue
        start = offsets[i]
        length = offsets[i + 1] - start
        if length < shortest or length > longest:
            ok[i] = False
            continue
        for j in range(length):
            byte = data[start + j]
            if not (prefix[j, byte] if j < fixed else rest[byte]):
                ok[i] = False
                break
