"""Loading the compiled loops of :mod:`.kernels_jit`, for batches worth it.

Numba is imported on first use only, so small files never pay its start-up (about
0.3 s per process, loading the loops from Numba's on-disk cache).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

COMPILED_MIN_ROWS = 32_768
"""Work over at least this many rows uses the compiled loops; below it, NumPy."""


def worth_it(rows: int) -> bool:
    """Whether work over ``rows`` rows should use the compiled loops."""
    return rows >= COMPILED_MIN_ROWS


@cache
def kernel(name: str) -> Callable[..., Any] | None:
    """The compiled loop ``name``, or None (with one warning) where Numba cannot load."""
    try:
        kernels_jit = importlib.import_module("peerbench.validators.columnar.kernels_jit")
    except Exception as exc:  # an unusable Numba must not stop validation
        logger.warning("compiled checks unavailable (%s); using NumPy", exc)
        return None
    loop: Callable[..., Any] = getattr(kernels_jit, name)
    return loop
