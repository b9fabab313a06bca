"""Backend connections: DuckDB (default, in-process) and Spark (the ``peerbench[spark]`` extra).

Aggregations are Ibis expressions, so the same code runs on either backend. Spark is
only imported inside :func:`spark_connection`: the base install imports
``peerbench.aggregate`` without pyspark. Spark runs in local mode bound to 127.0.0.1,
with no web UI, so nothing listens on a public interface.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from itertools import count
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

Backend = Literal["duckdb", "spark"]
"""Names accepted by :func:`connect`."""

SPARK_MASTER = "local[2]"
SPARK_SHUFFLE_PARTITIONS = 4
"""Small: benchmark tables are small after the first aggregation, and every shuffle
partition is a task with fixed overhead in local mode."""

_LOOPBACK = "127.0.0.1"
_view_numbers = count()
_spark_lock = threading.Lock()
_spark_backend: Any = None


def duckdb_connection(**config: Any) -> Any:
    """A new in-memory DuckDB backend (``ibis.duckdb.connect()``).

    Insertion order is not preserved unless asked for (``preserve_insertion_order``):
    every table the engine returns is sorted by its key, and letting DuckDB's threads
    emit rows in any order saves about a tenth of the time on 10M rows.

    Args:
        **config: DuckDB settings such as ``threads=4`` or ``memory_limit="8GB"``.

    Returns:
        An Ibis DuckDB backend.
    """
    return ibis.duckdb.connect(**{"preserve_insertion_order": False, **config})


def spark_connection() -> Any:
    """The process-wide Ibis PySpark backend on a local Spark session, created on first use.

    The session runs ``local[2]`` bound to 127.0.0.1 (``SPARK_LOCAL_IP``,
    ``spark.driver.bindAddress``, ``spark.driver.host``) with the UI off, few shuffle
    partitions and Arrow transfers on. Spark allows one active session per process, so
    the backend is shared; call :func:`stop_spark` to end it.

    Raises:
        ImportError: if pyspark is not installed (install ``peerbench[spark]``).
    """
    global _spark_backend
    with _spark_lock:
        if _spark_backend is None:
            os.environ["SPARK_LOCAL_IP"] = _LOOPBACK
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ImportError(
                    "the Spark backend needs the spark extra: pip install 'peerbench[spark]'"
                ) from exc
            session = (
                SparkSession.builder.master(SPARK_MASTER)
                .appName("peerbench-aggregate")
                .config("spark.driver.bindAddress", _LOOPBACK)
                .config("spark.driver.host", _LOOPBACK)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", str(SPARK_SHUFFLE_PARTITIONS))
                .config("spark.default.parallelism", "2")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
            _spark_backend = ibis.pyspark.connect(session)
        return _spark_backend


def stop_spark() -> None:
    """Stop the shared Spark session, if one was started (the next call starts a new one)."""
    global _spark_backend
    with _spark_lock:
        if _spark_backend is not None:
            _spark_backend._session.stop()
            _spark_backend = None


def connect(backend: Backend | str = "duckdb") -> Any:
    """A backend by name: a new DuckDB connection, or the shared Spark one.

    Raises:
        ValueError: for an unknown backend name.
    """
    if backend == "duckdb":
        return duckdb_connection()
    if backend == "spark":
        return spark_connection()
    raise ValueError(f"unknown backend {backend!r}: use 'duckdb' or 'spark'")


def is_spark(con: Any) -> bool:
    """Whether ``con`` is an Ibis PySpark backend."""
    return str(getattr(con, "name", "")) == "pyspark"


def register_arrow(con: Any, table: pa.Table) -> ir.Table:
    """Make an Arrow table queryable on ``con``; return an Ibis table that names it.

    DuckDB scans the Arrow memory in place (``register``); Spark gets a temporary view
    built straight from Arrow (``createDataFrame`` takes a pyarrow Table since PySpark
    4, with no pandas round trip).
    """
    name = f"peerbench_arrow_{next(_view_numbers)}"
    if is_spark(con):
        con._session.createDataFrame(table).createOrReplaceTempView(name)
    else:
        con.con.register(name, table)
    return ibis.table(ibis.Schema.from_pyarrow(table.schema), name=name)


def to_arrow(con: Any, expr: ir.Table) -> pa.Table:
    """Run ``expr`` on ``con`` and return an Arrow table in the expression's schema.

    The expression is compiled by Ibis and run by the engine itself (DuckDB
    ``to_arrow_table``, Spark ``DataFrame.toArrow``); the result is cast to the
    expression's Arrow schema so both backends give identical types.
    """
    schema = expr.schema().to_pyarrow()
    sql = con.compile(expr)
    spark = is_spark(con)
    result = con._session.sql(sql).toArrow() if spark else con.con.sql(sql).to_arrow_table()
    return result.rename_columns(schema.names).cast(schema)


def materialise(con: Any, expr: ir.Table) -> tuple[ir.Table, Callable[[], None]]:
    """Compute ``expr`` once on ``con``; return it as a table and a function that frees it.

    Used for the baselines and pairs, which several summaries read. DuckDB gets a
    temporary table, Spark a cached DataFrame behind a temporary view. (``Table.cache``
    is not used: with unbound inputs it would cache on Ibis's default backend.)
    """
    name = f"peerbench_tmp_{next(_view_numbers)}"
    sql = con.compile(expr)
    if is_spark(con):
        frame = con._session.sql(sql).cache()
        frame.createOrReplaceTempView(name)

        def release() -> None:
            con._session.catalog.dropTempView(name)
            frame.unpersist()

    else:
        con.con.execute(f'CREATE TEMP TABLE "{name}" AS {sql}')

        def release() -> None:
            con.con.execute(f'DROP TABLE IF EXISTS "{name}"')

    return ibis.table(expr.schema(), name=name), release
