"""Backend connections: DuckDB (default, in-process) and Spark (the ``peerbench[spark]`` extra).

Aggregations are Ibis expressions, so the same code runs on either backend. Spark is
only imported inside :func:`spark_connection`: the base install imports
``peerbench.aggregate`` without pyspark.

Spark is either a local session (local mode bound to 127.0.0.1, no web UI, so nothing
listens on a public interface) or, when ``PEERBENCH_SPARK_REMOTE`` holds a Spark Connect
URL (``sc://host:port``), an existing Spark deployment reached over Spark Connect: the
same Ibis expressions are compiled here and run there.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from peerbench.aggregate.compiled_sql import compile_sql

# Ibis is imported where it is used: a benchmark whose steps are precompiled
# (peerbench.aggregate.compiled_sql) runs on a plain DuckDB connection without it.
if TYPE_CHECKING:
    import ibis.expr.types as ir

Backend = Literal["duckdb", "spark"]
"""Names accepted by :func:`connect`."""

SPARK_MASTER = "local[2]"
SPARK_SHUFFLE_PARTITIONS = 4
"""Small: benchmark tables are small after the first aggregation, and every shuffle
partition is a task with fixed overhead in local mode."""

SPARK_REMOTE_ENV = "PEERBENCH_SPARK_REMOTE"
"""Environment variable naming a Spark Connect server (``sc://host:port``) for ``spark``."""

SPARK_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the Spark Connect server's port to accept a connection: without
this check the client retries an unreachable server with back-off for minutes."""

_LOOPBACK = "127.0.0.1"
_view_numbers = count()
_spark_lock = threading.Lock()
_spark_backend: Any = None
_spark_remote: str | None = None
_CONNECT_MODE_FLAG = "SPARK_CONNECT_MODE_ENABLED"
"""Set by pyspark for the rest of the process once a Connect session exists; a classic
local session refuses to start while it is set."""
_set_connect_flag = False
_duckdb_lock = threading.Lock()
_duckdb_shared: Any = None
"""The in-memory database :func:`duckdb_database` hands out cursors on (made at first use)."""


_abandoned: list[Any] = []
"""(In a forked child) The parent's database, kept referenced so it is never closed here."""


def _forget_shared_database() -> None:
    """(In a forked child) Start without the parent's database: its threads did not
    survive the fork, and its lock may have been held by one of them. It is kept, not
    dropped: freeing it would close it, which joins the threads the fork did not copy
    (a segmentation fault, e.g. in ``subprocess`` with ``preexec_fn``)."""
    global _duckdb_lock, _duckdb_shared
    if _duckdb_shared is not None:
        _abandoned.append(_duckdb_shared)
    _duckdb_lock, _duckdb_shared = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_shared_database)


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
    import ibis

    return ibis.duckdb.connect(**{"preserve_insertion_order": False, **config})


def duckdb_database(**config: Any) -> Any:
    """An in-memory DuckDB connection set up as :func:`duckdb_connection`'s, without Ibis.

    The same settings Ibis gives its connection (UTC session time zone, no Python
    replacement scans), so that the same SQL gives the same answer on either. Without
    ``config`` it is a new cursor on one database shared by the process (about 1 ms,
    where a new database costs 20 ms of CPU and starts its own threads): registered
    tables, temporary tables and session settings belong to the cursor, so runs on
    different cursors never see each other's. Close it after use.

    Args:
        **config: Database settings (``threads``, ``memory_limit``...): a new database.
    """
    global _duckdb_shared
    if config:
        con = _new_database(config)
    else:
        with _duckdb_lock:
            if _duckdb_shared is None:
                _duckdb_shared = _new_database({})
            con = _duckdb_shared.cursor()
    # Session settings: a cursor starts from the defaults, not from its parent's.
    con.execute("SET timezone = 'UTC'")
    con.execute("SET python_enable_replacements = 'False'")
    return con


def _new_database(config: dict[str, Any]) -> Any:
    import duckdb

    return duckdb.connect(":memory:", config={"preserve_insertion_order": False, **config})


def new_view_name(prefix: str) -> str:
    """A table or view name not used before in this process (``peerbench_<prefix>_<n>``)."""
    return f"peerbench_{prefix}_{next(_view_numbers)}"


def spark_remote(remote: str | None = None) -> str | None:
    """The Spark Connect URL to use: ``remote``, else ``PEERBENCH_SPARK_REMOTE``, else None.

    An empty value means "no remote" (the local session).

    Raises:
        ValueError: if the URL is not a Spark Connect URL (``sc://host[:port][/;params]``).
    """
    url = (os.environ.get(SPARK_REMOTE_ENV, "") if remote is None else remote).strip()
    if not url:
        return None
    if not url.startswith("sc://") or len(url) == len("sc://"):
        # The value is not echoed: a Connect URL may carry a token.
        raise ValueError(
            f"the Spark remote ({SPARK_REMOTE_ENV}) must be a Spark Connect URL "
            "such as sc://spark.example.org:15002"
        )
    return url


def _import_spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the Spark backend needs the spark extra: pip install 'peerbench[spark]'"
        ) from exc
    return SparkSession


def _local_session() -> Any:
    os.environ["SPARK_LOCAL_IP"] = _LOOPBACK
    session = (
        _import_spark_session()
        .builder.master(SPARK_MASTER)
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
    return session


def _remote_session(url: str) -> Any:
    # The Connect client needs grpcio, grpcio-status and googleapis-common-protos (the
    # spark extra); check them first for a clear message rather than a failed import deep
    # inside pyspark.
    session_class = _import_spark_session()
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies("pyspark.sql.connect")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"{SPARK_REMOTE_ENV} needs the Spark Connect client: pip install 'peerbench[spark]'"
        ) from exc
    from pyspark.sql.connect.client import DefaultChannelBuilder

    endpoint = DefaultChannelBuilder(url)  # validates the URL (ValueError)
    port = int(endpoint.endpoint.rsplit(":", 1)[1])
    try:
        socket.create_connection((endpoint.host, port), timeout=SPARK_CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(
            f"cannot reach the Spark Connect server at {endpoint.host}:{port}: {exc}"
        ) from exc
    # A new session of our own on the server (``create``, not ``getOrCreate``): its
    # temporary views and cached frames are private to this process, and the session's
    # settings below do not change anyone else's.
    global _set_connect_flag
    _set_connect_flag = _CONNECT_MODE_FLAG not in os.environ
    session = session_class.builder.remote(url).create()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def spark_connection(remote: str | None = None) -> Any:
    """The process-wide Ibis PySpark backend, created on first use.

    With a Spark Connect URL (``remote``, else the ``PEERBENCH_SPARK_REMOTE`` environment
    variable), the backend is a Spark Connect session on that server: the Ibis
    expressions are compiled to Spark SQL here and run on the remote deployment, and the
    inputs travel to it as Arrow and are held in its driver's memory (a 1 GB driver
    takes the 30,000-row reference pool but not 200,000 outcome rows). Otherwise it is
    a local session running ``local[2]`` bound to 127.0.0.1 (``SPARK_LOCAL_IP``,
    ``spark.driver.bindAddress``, ``spark.driver.host``) with the UI off, few shuffle
    partitions and Arrow transfers on. One backend is shared per process; asking for a
    different remote stops the previous one first. Call :func:`stop_spark` to end it.

    Raises:
        ImportError: if pyspark (or the Connect client) is not installed.
        ValueError: if the remote is not an ``sc://`` URL.
    """
    global _spark_backend, _spark_remote
    url = spark_remote(remote)
    with _spark_lock:
        if _spark_backend is not None and _spark_remote != url:
            _stop_locked()
        if _spark_backend is None:
            import ibis

            session = _local_session() if url is None else _remote_session(url)
            _spark_backend = ibis.pyspark.connect(session)
            _spark_remote = url
        return _spark_backend


def _stop_locked() -> None:
    global _spark_backend, _spark_remote, _set_connect_flag
    if _spark_backend is not None:
        # On Spark Connect this closes our session on the server, not the server.
        _spark_backend._session.stop()
        _spark_backend = None
        _spark_remote = None
    if _set_connect_flag:
        # Undo pyspark's process-wide Connect flag, so a local session can start again.
        os.environ.pop(_CONNECT_MODE_FLAG, None)
        _set_connect_flag = False


def stop_spark() -> None:
    """Stop the shared Spark session, if one was started (the next call starts a new one)."""
    with _spark_lock:
        _stop_locked()


def is_spark_connect(con: Any) -> bool:
    """Whether ``con`` is an Ibis PySpark backend on a Spark Connect session."""
    return is_spark(con) and type(con._session).__module__.startswith("pyspark.sql.connect")


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
    import ibis

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
    sql = compile_sql(con, expr)
    spark = is_spark(con)
    result = con._session.sql(sql).toArrow() if spark else con.con.sql(sql).to_arrow_table()
    return result.rename_columns(schema.names).cast(schema)


def materialise(con: Any, expr: ir.Table) -> tuple[ir.Table, Callable[[], None]]:
    """Compute ``expr`` once on ``con``; return it as a table and a function that frees it.

    Used for the baselines and pairs, which several summaries read. DuckDB gets a
    temporary table, Spark a cached DataFrame behind a temporary view. (``Table.cache``
    is not used: with unbound inputs it would cache on Ibis's default backend.)
    """
    import ibis

    name = f"peerbench_tmp_{next(_view_numbers)}"
    sql = compile_sql(con, expr)
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
