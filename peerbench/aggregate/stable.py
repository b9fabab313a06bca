"""Engine results made reproducible to the last digit that carries information.

A parallel engine adds floating-point numbers up in whatever order its threads finish
(DuckDB's hash aggregates combine partial sums so), and the same data can give means
that differ in the last bit: 2.85 one run and 2.8499999999999996 the next. Published
figures are rounded half-up to one or two decimals, so that last bit could flip a
published mean (2.9 against 2.8) and everything derived from it. Every float an engine
returns is therefore rounded to :data:`SIGNIFICANT_DIGITS` significant digits, far
below any published precision and far above the engines' rounding noise (a few units
in the 16th digit), so the same data always gives the same figures.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIGNIFICANT_DIGITS = 12
"""Digits kept: the engines' summation-order noise is ~1e-15 relative; publication uses 3."""


def stable_values(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to :data:`SIGNIFICANT_DIGITS` significant digits.

    Zeros, NaN and infinities are kept as they are.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    finite = np.isfinite(out) & (out != 0.0)
    if finite.any():
        x = out[finite]
        exponent = np.floor(np.log10(np.abs(x)))
        scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - exponent)
        out[finite] = np.round(x * scale) / scale
    return out


def stable_floats(table: pa.Table) -> pa.Table:
    """``table`` with every float64 column passed through :func:`stable_values`."""
    for index, field in enumerate(table.schema):
        if not pa.types.is_float64(field.type):
            continue
        column = table.column(index).combine_chunks()
        valid = column.is_valid()
        values = stable_values(column.fill_null(0.0).to_numpy(zero_copy_only=False))
        stable = pc.if_else(valid, pa.array(values, pa.float64()), pa.scalar(None, pa.float64()))
        table = table.set_column(index, field, stable)
    return table
