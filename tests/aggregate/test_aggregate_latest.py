"""A record re-sent in a later period is current twice in the pool but counted once."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from peerbench.aggregate import lineage
from peerbench.aggregate.lineage import latest_rows
from peerbench.synth import SynthConfig, generate


def test_latest_period_wins_per_primary_key() -> None:
    table = pa.table(
        {
            "service_id": ["s1", "s2", "s1"],
            "name": ["old name", "other", "new name"],
            "_period": ["2026-Q3", "2026-Q3", "2026-Q4"],
        }
    )
    latest = latest_rows(table, "service")
    assert sorted(zip(latest.column("service_id").to_pylist(),
                      latest.column("name").to_pylist(), strict=True)) == [
        ("s1", "new name"),
        ("s2", "other"),
    ]  # fmt: skip


def test_benchmark_source_counts_a_resubmitted_record_once() -> None:
    from peerbench.aggregate import BenchmarkSource

    tables = generate(SynthConfig(seed=3, organisations=2, outcome_rows=2_000)).tables
    services = tables["service"]
    q3 = services.append_column("_period", pa.array(["2026-Q3"] * services.num_rows))
    q4 = services.append_column("_period", pa.array(["2026-Q4"] * services.num_rows))
    doubled = {**tables, "service": pa.concat_tables([q3, q4])}
    source = BenchmarkSource.from_tables(doubled)
    assert source.read("service").num_rows == services.num_rows


def test_a_record_keeps_the_period_it_first_arrived_in() -> None:
    """Sending a record again never moves it to another period's benchmark."""
    table = pa.table(
        {
            "service_id": ["s1", "s1", "s2", "s1"],
            "name": ["q3 name", "q1 name", "only", "q4 name"],
            "_period": ["2026-Q3", "2026-Q1", None, "2026-Q4"],
        }
    )
    latest = latest_rows(table, "service").sort_by("service_id").to_pylist()
    assert latest == [
        {"service_id": "s1", "name": "q4 name", "_period": "2026-Q1"},
        {"service_id": "s2", "name": "only", "_period": None},
    ]


def test_a_cumulative_resend_leaves_every_outcome_in_its_first_quarter() -> None:
    from peerbench.aggregate import BenchmarkSource

    tables = generate(SynthConfig(seed=3, organisations=2, outcome_rows=500)).tables
    outcomes = tables["outcome"]
    q3 = outcomes.append_column("_period", pa.array(["2026-Q3"] * outcomes.num_rows))
    q4 = outcomes.append_column("_period", pa.array(["2026-Q4"] * outcomes.num_rows))
    source = BenchmarkSource.from_tables({**tables, "outcome": pa.concat_tables([q4, q3])})
    read = source.read("outcome")
    assert read.num_rows == outcomes.num_rows
    assert set(read.column("_period").to_pylist()) == {"2026-Q3"}


def test_uniqueness_agrees_with_a_pyarrow_group_by() -> None:
    """The DuckDB distinct count says what a pyarrow group-by says, nulls as one value."""
    import datetime as dt

    from peerbench.aggregate.lineage import _unique

    day = dt.date(2026, 1, 1)
    cases = [
        (pa.table({"k": ["a", "b", "c"]}), ["k"]),
        (pa.table({"k": ["a", "b", "a"]}), ["k"]),
        (pa.table({"k": ["a", None, "b"]}), ["k"]),
        (pa.table({"k": ["a", None, None]}), ["k"]),
        (pa.table({"k": ["a", "a"], "s": ["x", "y"]}), ["k", "s"]),
        (pa.table({"k": ["a", "a"], "s": ["x", "x"]}), ["k", "s"]),
        (pa.table({"k": ["a", "a"], "s": [None, None]}), ["k", "s"]),
        (pa.table({"k": ["a", "a"], "s": ["x", "x"], "d": [day, None]}), ["k", "s", "d"]),
        (pa.table({"k": pa.array([], pa.string())}), ["k"]),
    ]
    for table, key in cases:
        groups = table.select(key).group_by(key).aggregate([])
        assert _unique(table, key) == (groups.num_rows == table.num_rows), (table, key)


@pytest.mark.parametrize("small_below", [0, 1_000_000])  # DuckDB, then pyarrow
@pytest.mark.parametrize(
    ("keys", "unique"),
    [
        ({"a": ["x", "y", "z"], "b": [1, 1, 1]}, True),
        ({"a": ["x", "y", "x"], "b": [1, 2, 1]}, False),
        ({"a": ["x", None, None], "b": [1, 2, 2]}, False),  # nulls are one value
        ({"a": ["x", None, None], "b": [1, 2, None]}, True),
        ({"a": pa.array([], pa.string()), "b": pa.array([], pa.int64())}, True),
    ],
)
def test_both_key_checks_agree(
    monkeypatch: pytest.MonkeyPatch, small_below: int, keys: dict[str, Any], unique: bool
) -> None:
    monkeypatch.setattr(lineage, "SMALL_TABLE_ROWS", small_below)
    table = pa.table({**keys, "value": pa.array(range(len(keys["a"])), pa.int64())})
    assert lineage._unique(table, ["a", "b"]) is unique


def test_key_checks_reuse_one_database_per_thread() -> None:
    lineage._cursor().close()
    database = lineage._engine.database
    lineage._cursor().close()
    assert lineage._engine.database is database  # one database, a cheap cursor per check
