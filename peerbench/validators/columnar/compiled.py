"""Loading the compiled loops of :mod:`.kernels_jit`, for batches worth it.

Numba is imported on first use only, so small files never pay its start-up (about
0.9 s per process, loading the loops from Numba's on-disk cache), and not at all where
:data:`peerbench.runtime.compiled_checks` is off (one-shot commands). A server pays it
at start-up instead, with :func:`preload`.
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


def preload() -> bool:
    """Load every loop now and run it once on tiny inputs of the types validation uses.

    Numba loads a loop's machine code on its first call with given argument types, so a
    long-lived process (``peerbench serve``) calls this at start-up rather than making
    its first large upload wait.

    Returns:
        Whether the loops are ready (False where they are off or Numba cannot load).
    """
    if not runtime.compiled_checks:
        return False
    for name, inputs in warm_up_inputs().items():
        loop = _load(name)
        if loop is None:
            return False
        for args in inputs:
            loop(*args)
    return True


def warm_up_inputs() -> dict[str, list[tuple[Any, ...]]]:
    """Tiny inputs for each loop, one per combination of argument types validation passes.

    A test records the types validation really passes and compares them with these.
    """
    import numpy as np

    def zeros(dtype: Any, shape: int | tuple[int, int] = 1, *, readonly: bool = False) -> Any:
        array = np.zeros(shape, dtype=dtype)
        array.flags.writeable = not readonly
        return array

    i64, f64, b = np.int64, np.float64, np.bool_
    summarise = (np.float32, i64, i64, 1, i64, f64, f64, b, b, i64, f64)
    return {
        "summarise_rows": [tuple(a if isinstance(a, int) else zeros(a) for a in summarise)],
        # Days are Arrow's own (read-only) buffer when the column is one chunk.
        "days_since_baseline": [
            (
                zeros(np.int32),
                1,
                zeros(b),
                zeros(np.int32, readonly=readonly),
                zeros(np.int32),
                zeros(b),
            )
            for readonly in (False, True)
        ],
        "match_bytes": [
            (zeros(np.int32, 2), zeros(np.uint8), zeros(b, (1, 256)), zeros(b, 256), 0, 1, zeros(b))
        ],
    }


def forget() -> None:
    """Forget which loops were loaded (or failed to), so the next use tries again."""
    _load.cache_clear()
