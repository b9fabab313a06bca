"""Loading the compiled loops of :mod:`.kernels_jit`, for batches worth it.

Numba is imported on first use only, so small files never pay its start-up (about
0.9 s per process, loading the loops from Numba's on-disk cache), and not at all where
:data:`peerbench.runtime.compiled_checks` is off (one-shot commands).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from peerbench import runtime

logger = logging.getLogger(__name__)

COMPILED_MIN_ROWS = 32_768
"""Work over at least this many rows uses the compiled loops; below it, NumPy."""


def worth_it(rows: int) -> bool:
    """Whether work over ``rows`` rows should use the compiled loops."""
    return runtime.compiled_checks and rows >= COMPILED_MIN_ROWS


def kernel(name: str, rows: int | None = None) -> Callable[..., Any] | None:
    """The compiled loop ``name`` (for work over ``rows`` rows, when given).

    None where the loops are off, Numba cannot load, or ``rows`` are too few to gain.
    """
    if not runtime.compiled_checks or (rows is not None and not worth_it(rows)):
        return None
    return _load(name)


@cache
def _load(name: str) -> Callable[..., Any] | None:
    try:
        kernels_jit = importlib.import_module("peerbench.validators.columnar.kernels_jit")
    except Exception as exc:  # an unusable Numba must not stop validation
        logger.warning("compiled checks unavailable (%s); using NumPy", exc)
        return None
    loop: Callable[..., Any] = getattr(kernels_jit, name)
    return loop


def forget() -> None:
    """Forget which loops were loaded (or failed to), so the next use tries again."""
    _load.cache_clear()
