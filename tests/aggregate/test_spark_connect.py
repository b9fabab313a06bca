"""The aggregation on an existing Spark deployment over Spark Connect (``PEERBENCH_SPARK_REMOTE``).

The test starts a real Spark Connect server from the installed pyspark (its jars include
``spark-connect_2.13``; pyspark 4 ships it, so nothing is downloaded) on 127.0.0.1 and
a free port (``scripts/spark_connect.py``: spark-submit, readiness by polling a TCP
connection, the process group always stopped), and checks that every benchmark table
computed there equals DuckDB's within 1e-9 (:mod:`tests.aggregate.spark_compare`).

One server per run: a single test function uses it, so under ``pytest -n 2`` (xdist,
each worker its own session) exactly one worker starts it, and no lock between workers
is needed. The fixture is module-scoped, so the JVM stops as soon as that test is done
rather than idling until the worker's session ends. The server's log is written to the
session's temporary directory (kept by pytest) and appended to any failure.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate.backends import (
    SPARK_REMOTE_ENV,
    is_spark_connect,
    spark_connection,
    spark_remote,
    stop_spark,
)
from peerbench.cli.benchmark import benchmark
from scripts import spark_connect
from scripts.spark_connect import ConnectServer
from tests.aggregate.spark_compare import assert_same_tables, engine_tables
from tests.benchmarking.conftest import tiny_tables

pytestmark = [
    pytest.mark.spark,
    # grpc and py4j leave sockets to the garbage collector, which warns about them.
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

LOOPBACK = spark_connect.LOOPBACK


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectServer]:
    """A Spark Connect server on 127.0.0.1 on a free port, always stopped."""
    reason = spark_connect.why_not()
    if reason is not None:
        pytest.skip(f"cannot start a Spark Connect server: {reason}")
    with spark_connect.running(tmp_path_factory.mktemp("spark-connect")) as server:
        try:
            yield server
        finally:
            stop_spark()


@contextlib.contextmanager
def _log_on_failure(server: ConnectServer) -> Iterator[None]:
    try:
        yield
    except BaseException as exc:
        exc.add_note(f"Spark Connect server log ({server.log}):\n{server.log_tail()}")
        raise


def test_every_table_on_spark_connect_equals_duckdb(
    connect_server: ConnectServer,
    synth_tables: dict[str, pa.Table],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    duck = engine_tables(synth_tables, "duckdb")
    monkeypatch.setenv(SPARK_REMOTE_ENV, connect_server.url)
    with _log_on_failure(connect_server):
        con = spark_connection()
        assert is_spark_connect(con)
        remote = engine_tables(synth_tables, "spark")
        stop_spark()
    assert_same_tables(duck, remote)


# Without a server: the comparison itself, and the setting read, checked and reported plainly.


def test_the_comparison_allows_1e_9_and_no_more(synth_tables: dict[str, pa.Table]) -> None:
    duck = engine_tables(synth_tables, "duckdb")
    assert_same_tables(duck, engine_tables(synth_tables, "duckdb"))
    paired = duck["paired"]
    at = paired.column_names.index("change")
    for shift, same in ((5e-10, True), (2e-9, False)):
        moved = pc.add(paired.column(at), pa.scalar(shift, pa.float64()))
        changed = {**duck, "paired": paired.set_column(at, paired.field(at), moved)}
        if same:
            assert_same_tables(duck, changed)
        else:
            with pytest.raises(AssertionError, match=r"paired\.change"):
                assert_same_tables(duck, changed)
    with pytest.raises(AssertionError, match="reach"):
        assert_same_tables(duck, {**duck, "reach": duck["reach"].slice(1)})


def test_the_remote_comes_from_the_argument_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SPARK_REMOTE_ENV, raising=False)
    assert spark_remote() is None
    monkeypatch.setenv(SPARK_REMOTE_ENV, "  ")
    assert spark_remote() is None
    monkeypatch.setenv(SPARK_REMOTE_ENV, "sc://spark.example.org:15002")
    assert spark_remote() == "sc://spark.example.org:15002"
    assert spark_remote("sc://other:1") == "sc://other:1"
    assert spark_remote("") is None


@pytest.mark.parametrize("url", ["spark.example.org:15002", "http://h:1", "sc://"])
def test_a_remote_that_is_not_a_spark_connect_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"Spark Connect URL such as sc://"):
        spark_remote(url)


def test_a_refused_url_is_not_echoed() -> None:
    with pytest.raises(ValueError) as caught:
        spark_remote("https://user:secret@h/")
    assert "secret" not in str(caught.value)


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of standard Parquet files to benchmark."""
    out = tmp_path_factory.mktemp("tiny")
    tables = tiny_tables()
    pq.write_table(tables["outcome"], out / "outcomes.parquet")
    pq.write_table(tables["service"], out / "services.parquet")
    return out


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so no one else takes it), not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind((LOOPBACK, 0))
        yield held.getsockname()[1]


def test_an_unreachable_server_is_a_connection_error_not_a_long_retry(closed_port: int) -> None:
    pytest.importorskip("grpc")
    with pytest.raises(ConnectionError, match=rf"127\.0\.0\.1:{closed_port}"):
        spark_connection(f"sc://{LOOPBACK}:{closed_port}")


def test_benchmark_engine_spark_reports_an_unreachable_remote(
    tiny_store: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("grpc")
    monkeypatch.setenv(SPARK_REMOTE_ENV, f"sc://{LOOPBACK}:{closed_port}")
    result = CliRunner().invoke(benchmark, ["--store", str(tiny_store), "--engine", "spark"])
    assert result.exit_code == 1, result.output
    assert f"cannot reach the Spark Connect server at {LOOPBACK}:{closed_port}" in result.output


def test_benchmark_engine_spark_reports_a_bad_remote(
    tiny_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPARK_REMOTE_ENV, "spark.example.org:15002")
    result = CliRunner().invoke(benchmark, ["--store", str(tiny_store), "--engine", "spark"])
    assert result.exit_code == 1, result.output
    assert "must be a Spark Connect URL" in result.output


def test_the_start_script_does_not_take_a_reused_pid_for_its_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PEERBENCH_SPARK_DIR", str(tmp_path))
    (tmp_path / "pid").write_text(str(os.getpid()))  # alive, but not a Spark server
    (tmp_path / "port").write_text("15002")
    assert spark_connect.main(["status"]) == 0
    assert capsys.readouterr().out.strip() == "stopped"
    assert spark_connect.main(["stop"]) == 0  # signals nothing
    assert not (tmp_path / "pid").exists()
