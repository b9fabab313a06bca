"""The same expressions on a local Spark session give the same tables as on DuckDB.

``make soak`` only (about a minute, most of it starting a second JVM): ``make test``
compares the same expressions on the Spark Connect server it starts
(``test_spark_connect.py``), which is how ``--engine spark`` reaches a deployment.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from peerbench.aggregate.backends import spark_connection, stop_spark
from tests.aggregate.spark_compare import assert_same_tables, engine_tables

pytest.importorskip("pyspark")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.soak,  # make soak only
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
    return engine_tables(synth_tables, "duckdb"), engine_tables(synth_tables, "spark")


def test_spark_runs_locally_on_the_loopback_interface(spark: object) -> None:
    conf = spark._session.sparkContext.getConf()  # type: ignore[attr-defined]
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"


def test_every_table_is_identical_on_duckdb_and_spark(
    both: tuple[dict[str, pa.Table], dict[str, pa.Table]],
) -> None:
    assert_same_tables(*both)
