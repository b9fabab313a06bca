"""Engine floats are reproducible whatever order the engine adds them in."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from peerbench.aggregate.stable import SIGNIFICANT_DIGITS, stable_floats, stable_values


def test_one_unit_in_the_last_place_is_the_same_figure() -> None:
    values = np.array([2.85, 0.1 + 0.2, 1234.5678, -7.25e-5, 1e10 / 3])
    nudged = np.nextafter(values, np.inf)
    assert not np.array_equal(values, nudged)
    assert np.array_equal(stable_values(values), stable_values(nudged))
    assert stable_values(np.array([0.1 + 0.2]))[0] == 0.3


def test_values_move_by_less_than_the_digits_kept() -> None:
    rng = np.random.default_rng(20261206)
    values = rng.normal(0, 1, 2000) * 10.0 ** rng.integers(-6, 7, 2000)
    stable = stable_values(values)
    relative = np.abs(stable - values) / np.abs(values)
    assert relative.max() <= 0.5 * 10.0 ** (1 - SIGNIFICANT_DIGITS)


def test_zeros_nan_infinities_and_nulls_stay() -> None:
    table = pa.table(
        {
            "x": pa.array([0.0, -0.0, math.nan, math.inf, -math.inf, None, 1 / 3], pa.float64()),
            "n": pa.array([1, 2, 3, 4, 5, 6, 7], pa.int64()),
            "s": pa.array(list("abcdefg")),
        }
    )
    out = stable_floats(table)
    assert out.schema == table.schema
    x = out["x"].to_pylist()
    assert x[:2] == [0.0, -0.0] and math.isnan(x[2]) and x[3:5] == [math.inf, -math.inf]
    assert x[5] is None and x[6] == pytest.approx(1 / 3, rel=1e-12) and x[6] != 1 / 3
    assert out["n"].equals(table["n"]) and out["s"].equals(table["s"])


def test_a_sum_in_any_order_gives_the_same_figure() -> None:
    # The same numbers summed in two orders differ in the last bits, as a parallel
    # engine's partial sums do; the stable figures are identical.
    values = [0.1 * k + 1 / (k + 3) for k in range(2000)]
    con = duckdb.connect()
    sums = []
    for order in (values, values[::-1], sorted(values, key=lambda v: (v * 7919) % 1)):
        row = con.execute("SELECT sum(v) FROM (SELECT unnest(?::DOUBLE[]) AS v)", [order])
        found = row.fetchone()
        assert found is not None
        sums.append(found[0])
    assert len(set(sums)) > 1, "the orders should give different raw sums"
    stable = {stable_values(np.array([s]))[0] for s in sums}
    assert len(stable) == 1
