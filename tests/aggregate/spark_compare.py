"""The check both Spark tests make: every benchmark table on Spark equals DuckDB's.

``test_aggregate_spark`` runs it on a local Spark session and ``test_spark_connect`` on
a Spark Connect server; both compute the same tables (:func:`engine_tables`: the small
synthetic dataset, services split over two networks, the paired table included) and
compare them with :func:`assert_same_tables` (floats within 1e-9, everything else
exactly).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from peerbench.aggregate import BenchmarkSource, compute_tables

TOLERANCE = 1e-9
"""Largest difference allowed between two engines' floats."""


def two_networks(tables: dict[str, pa.Table]) -> pa.Table:
    """Each service of ``tables`` in network ``n0`` or ``n1``, alternately."""
    services = tables["service"].column("service_id").to_pylist()
    return pa.table(
        {"service_id": services, "network": [f"n{i % 2}" for i in range(len(services))]}
    )


def engine_tables(tables: dict[str, pa.Table], backend: str) -> dict[str, pa.Table]:
    """Every benchmark table of ``tables`` on ``backend``, network and paired tables too."""
    source = BenchmarkSource.from_tables(tables)
    return compute_tables(
        source, backend=backend, networks=two_networks(tables), include_paired=True
    )


def _assert_same(name: str, left: pa.Table, right: pa.Table) -> None:
    assert left.schema.equals(right.schema), name
    assert left.num_rows == right.num_rows > 0, name
    for column in left.column_names:
        a, b = left.column(column), right.column(column)
        if pa.types.is_floating(a.type):
            x = a.to_numpy(zero_copy_only=False).astype(np.float64)
            y = b.to_numpy(zero_copy_only=False).astype(np.float64)
            np.testing.assert_allclose(x, y, rtol=0, atol=TOLERANCE, err_msg=f"{name}.{column}")
        else:
            assert a.to_pylist() == b.to_pylist(), f"{name}.{column}"


def assert_same_tables(duck: dict[str, pa.Table], other: dict[str, pa.Table]) -> None:
    """The same tables, none empty, equal in schema and rows (floats within 1e-9).

    Raises:
        AssertionError: naming the first table (and column) that differs.
    """
    assert sorted(duck) == sorted(other)
    assert "network_outcomes" in duck and "paired" in duck
    for name in duck:
        _assert_same(name, duck[name], other[name])
