"""Participant-level frames joined on one integer per key instead of on text columns.

The participant-level frames carry their keys as text (``participant_key``: 32
characters, ``service_id``, ``period``), which pandas holds as Arrow strings: every merge,
sort, group or de-duplication on them factorises the strings again, and at 10M outcome
rows the text merges took about a quarter of a cold benchmark. :func:`key_codes` names
each distinct key (a tuple of the columns) by one ``int64``, the same in every frame
given together, and the callers join, sort and de-duplicate on it: the same rows in the
same order, since equal codes are exactly equal keys. A missing value is a value of its
own, as pandas merges and ``duplicated`` match NaN with NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["KEY", "PAIR", "key_codes"]

PAIR = ("participant_key", "service_id")
"""A person at a service: the key of participants, referrals and service use."""
KEY = "_key"
"""The name callers give the code column they join on (and drop after)."""
_LIMIT = 2**62


def key_codes(
    frames: Sequence[pd.DataFrame], columns: Sequence[str] = PAIR
) -> list[npt.NDArray[np.int64]]:
    """Per frame, one integer per row naming its value of ``columns``: equal integers
    exactly when the rows agree on every column, across all of ``frames``."""
    sizes = [len(f) for f in frames]
    code = np.zeros(sum(sizes), dtype=np.int64)
    for column in columns:
        values = pd.concat([f[column] for f in frames], ignore_index=True)
        found, uniques = pd.factorize(values, use_na_sentinel=False)
        radix = max(len(uniques), 1)
        if int(code.max(initial=0)) + 1 >= _LIMIT // radix:  # renumber before it overflows
            code = pd.factorize(code)[0].astype(np.int64)
        code = code * radix + found.astype(np.int64)
    return np.split(code, np.cumsum(sizes)[:-1])
