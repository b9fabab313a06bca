"""The same expressions on Spark give the same tables as on DuckDB (peerbench[spark]).

Runs in ``make test`` whenever pyspark is installed (it is in the test extra) and is
skipped only without it. About a minute, most of it starting the JVM.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, compute_tables
from peerbench.aggregate.backends import spark_connection, stop_spark

pytest.importorskip("pyspark")

pytestmark = [
    pytest.mark.spark,
    # py4j leaves its gateway sockets to the garbage collector, which warns about them.
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    con = spark_connection()
    # Compiling code for each stage costs more than it saves on a few thousand rows.
    con._session.conf.set("spark.sql.codegen.wholeStage", "false")
    yield con
    stop_spark()


@pytest.fixture(scope="module")
def both(
    spark: object, synth_tables: dict[str, pa.Table]
) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    services = synth_tables["service"].column("service_id").to_pylist()
    networks = pa.table(
        {"service_id": services, "network": [f"n{i % 2}" for i in range(len(services))]}
    )
    source = BenchmarkSource.from_tables(synth_tables)
    return (
        compute_tables(source, backend="duckdb", networks=networks, include_paired=True),
        compute_tables(source, backend="spark", networks=networks, include_paired=True),
    )


def test_spark_runs_locally_on_the_loopback_interface(spark: object) -> None:
    conf = spark._session.sparkContext.getConf()  # type: ignore[attr-defined]
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"


def _assert_same(name: str, left: pa.Table, right: pa.Table) -> None:
    assert left.schema.equals(right.schema), name
    assert left.num_rows == right.num_rows > 0, name
    for column in left.column_names:
        a, b = left.column(column), right.column(column)
        if pa.types.is_floating(a.type):
            x = a.to_numpy(zero_copy_only=False).astype(np.float64)
            y = b.to_numpy(zero_copy_only=False).astype(np.float64)
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-9, err_msg=f"{name}.{column}")
        else:
            assert a.to_pylist() == b.to_pylist(), f"{name}.{column}"


def test_every_table_is_identical_on_duckdb_and_spark(
    both: tuple[dict[str, pa.Table], dict[str, pa.Table]],
) -> None:
    duck, spark = both
    assert sorted(duck) == sorted(spark)
    assert "network_outcomes" in duck and "paired" in duck
    for name in duck:
        _assert_same(name, duck[name], spark[name])
