"""Mean and SD of change from exact sums: the order of the rows never changes a bit."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, compute_tables
from peerbench.aggregate.backends import connect, register_arrow, to_arrow
from peerbench.aggregate.outcomes import EXACT_UNIT, exact_mean_sd


@pytest.fixture
def con() -> Iterator[Any]:
    con = connect("duckdb")
    yield con
    con.disconnect()


def _moments(con: Any, table: pa.Table) -> pa.Table:
    t = register_arrow(con, table)
    mean, sd = exact_mean_sd(t.change)
    return to_arrow(con, t.group_by("g").aggregate(n=t.count(), mean=mean, sd=sd).order_by("g"))


def _changes(seed: int, rows: int) -> pa.Table:
    """Changes as scoring makes them: differences of means of six items (sixths, each
    written with its own rounding), in three groups."""
    rng = np.random.default_rng(seed)
    after, before = rng.integers(6, 61, rows) / 6.0, rng.integers(6, 61, rows) / 6.0
    return pa.table({"g": rng.integers(0, 3, rows), "change": after - before})


def test_shuffled_rows_give_bit_identical_mean_and_sd(con: Any) -> None:
    table = _changes(1, 3000)
    values = table.column("change").to_pylist()
    orders = [np.random.default_rng(seed).permutation(table.num_rows) for seed in range(6)]
    # The data is such that a running float sum depends on the order of its terms ...
    assert len({sum(values[i] for i in order) for order in orders}) > 1
    # ... and the exact sums do not.
    results = [_moments(con, table.take(order)) for order in orders]
    for result in results[1:]:
        assert result.equals(results[0])
    assert results[0].column("n").to_pylist() == [
        int(c) for c in np.bincount(table.column("g").to_numpy())
    ]


def test_the_figures_are_the_mean_and_sample_sd(con: Any) -> None:
    table = _changes(2, 500)
    result = _moments(con, table).to_pylist()
    for row in result:
        group = [c for g, c in zip(table["g"].to_pylist(), table["change"].to_pylist(), strict=True)
                 if g == row["g"]]  # fmt: skip
        assert row["mean"] == pytest.approx(statistics.fmean(group), abs=1e-9)
        assert row["sd"] == pytest.approx(statistics.stdev(group), abs=1e-9)
    small = pa.table({"g": [0, 0, 0, 0, 1], "change": [1.0, 2.0, 3.0, 4.0, 2.5]})
    exact = _moments(con, small).to_pylist()
    assert exact[0]["mean"] == 2.5 and exact[0]["sd"] == pytest.approx((5 / 3) ** 0.5, rel=1e-15)
    assert exact[1] == {"g": 1, "n": 1, "mean": 2.5, "sd": None}  # one pair has no SD


def test_one_value_written_with_different_rounding_has_no_spread(con: Any) -> None:
    # A fall of 1/6 as two differences of means of six items: the same change, not the
    # same float.
    values = [6 / 6 - 7 / 6, 7 / 6 - 8 / 6, 6 / 6 - 7 / 6]
    assert len(set(values)) == 2 and statistics.stdev(values) > 0
    result = _moments(con, pa.table({"g": [0, 0, 0], "change": values})).to_pylist()
    assert result[0]["sd"] == 0.0
    assert result[0]["mean"] == pytest.approx(-1 / 6, abs=EXACT_UNIT)


def test_benchmark_tables_ignore_the_order_of_the_outcome_rows(
    synth_tables: dict[str, pa.Table],
) -> None:
    outcomes = synth_tables["outcome"]
    tables = []
    for seed in (None, 1, 2):
        shuffled = dict(synth_tables)
        if seed is not None:
            order = np.random.default_rng(seed).permutation(outcomes.num_rows)
            shuffled["outcome"] = outcomes.take(order)
        tables.append(compute_tables(BenchmarkSource.from_tables(shuffled)))
    for name in ("service_outcomes", "overall_outcomes"):
        for column in ("mean_change", "sd_change"):
            first = tables[0][name].column(column)
            assert first.null_count < len(first)
            for other in tables[1:]:
                assert other[name].column(column).equals(first), (name, column)
