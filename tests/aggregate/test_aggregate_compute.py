"""compute_tables: every table comes back in its key order, as the engine sorted it."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.aggregate import BenchmarkSource, compute_tables
from peerbench.aggregate.compute import TABLE_KEYS


def _networks(services: pa.Table) -> pa.Table:
    ids = sorted(services.column("service_id").to_pylist())
    return pa.table({"service_id": ids, "network": [f"n{i % 2}" for i in range(len(ids))]})


def test_every_table_is_in_the_order_of_a_pyarrow_sort_by_its_key(
    synth_tables: dict[str, pa.Table],
) -> None:
    """DuckDB sorts in the query (ORDER BY); the rows must be exactly those of the old
    pyarrow ``sort_by`` (byte-wise strings, nulls last) of the same table."""
    source = BenchmarkSource.from_tables(synth_tables)
    tables = compute_tables(
        source, networks=_networks(synth_tables["service"]), include_paired=True
    )
    assert set(tables) == set(TABLE_KEYS)
    for name, table in tables.items():
        keys = [(k, "ascending") for k in TABLE_KEYS[name]]
        assert table.num_rows > 1, name
        assert table.equals(table.sort_by(keys)), name


def test_the_order_is_the_key_order_when_the_engine_returns_rows_shuffled(
    synth_tables: dict[str, pa.Table],
) -> None:
    """The same tables from the same data with the outcome rows reversed: identical
    (but for the surrogate keys, which number rows in the order they arrive)."""
    outcomes = synth_tables["outcome"]
    reversed_rows = outcomes.take(pa.array(range(outcomes.num_rows - 1, -1, -1)))
    first = compute_tables(BenchmarkSource.from_tables(synth_tables), include_paired=True)
    again = compute_tables(
        BenchmarkSource.from_tables({**synth_tables, "outcome": reversed_rows}),
        include_paired=True,
    )
    for name in first:
        assert first[name].num_rows == again[name].num_rows, name
        for column in first[name].column_names:
            if column in ("person", "seq"):
                continue  # surrogate keys: numbered in the order rows arrive
            x, y = first[name].column(column), again[name].column(column)
            if pa.types.is_floating(x.type):
                # NaN is not equal to itself: compare with nulls and NaN made comparable.
                x, y = (pc.fill_null(pc.if_else(pc.is_nan(c), -1e300, c), -2e300) for c in (x, y))
            assert x.equals(y), (name, column)
