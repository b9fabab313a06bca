"""The aggregation on an existing Spark deployment over Spark Connect (``PEERBENCH_SPARK_REMOTE``).

The test starts a real Spark Connect server from the installed pyspark (its jars include
``spark-connect_2.13``; pyspark 4 ships it, so nothing is downloaded) on 127.0.0.1 and
a free port, and checks that every benchmark table computed there equals DuckDB's
within 1e-9.

One server per run: a single test function uses it, so under ``pytest -n 2`` (xdist,
each worker its own session) exactly one worker starts it, and no lock between workers
is needed. The fixture is module-scoped, so the JVM stops as soon as that test is done
rather than idling until the worker's session ends. The server's log is written to the
session's temporary directory (kept by pytest) and appended to any failure.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate import BenchmarkSource, compute_tables
from peerbench.aggregate.backends import (
    SPARK_REMOTE_ENV,
    is_spark_connect,
    spark_connection,
    spark_remote,
    stop_spark,
)
from peerbench.cli.benchmark import benchmark
from tests.benchmarking.conftest import tiny_tables

pytestmark = [
    pytest.mark.spark,
    # grpc and py4j leave sockets to the garbage collector, which warns about them.
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 300.0
"""Seconds for the JVM to start and bind (about 15 s on a quiet 2-core machine)."""
STOP_TIMEOUT = 60.0
START_ATTEMPTS = 3
"""New ports to try if another process took the chosen one before the server bound it."""


@dataclass(frozen=True)
class ConnectServer:
    """A running Spark Connect server: its URL and its log file."""

    url: str
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _pyspark_home() -> Path | None:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _why_not() -> str | None:
    """Why no Spark Connect server can be started here, or None when one can."""
    home = _pyspark_home()
    if home is None:
        return "pyspark is not installed"
    if importlib.util.find_spec("grpc") is None:
        return "the Spark Connect client (grpcio) is not installed"
    if not list((home / "jars").glob("spark-connect_*.jar")):
        # pyspark 3.5 leaves the server out of its wheel (spark-submit --packages would
        # download it from Maven Central).
        return "this pyspark does not ship the Spark Connect server jar (pyspark 4 does)"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "no Java runtime (java on PATH or JAVA_HOME)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the server gets SIGTERM if this test process dies without tearing down.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(home: Path, port: int, workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    conf = {
        "spark.connect.grpc.binding.address": LOOPBACK,
        "spark.connect.grpc.binding.port": str(port),
        # Fail rather than quietly moving to the next port.
        "spark.connect.grpc.port.maxRetries": "0",
        "spark.driver.bindAddress": LOOPBACK,
        "spark.driver.host": LOOPBACK,
        "spark.ui.enabled": "false",
        "spark.local.dir": str(workdir / "local"),
        "spark.sql.warehouse.dir": str(workdir / "warehouse"),
        # Small test data: few partitions, no per-stage code generation.
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.session.timeZone": "UTC",
    }
    command = [
        str(home / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        # The quick JIT only: a short test run spends more on C2 compilation than it
        # saves (measured here: server ready in 15 s not 30 s, first run 49 s not 108 s).
        "--driver-java-options",
        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "--driver-memory",
        "1g",
        "--name",
        "peerbench-test-connect",
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": LOOPBACK}
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
            preexec_fn=_die_with_parent,
        )


def _wait_until_listening(process: subprocess.Popen[bytes], port: int) -> bool:
    """Poll a TCP connection until the server accepts; False if it exits first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=1):
            return True
        time.sleep(0.25)
    raise TimeoutError(f"the Spark Connect server did not listen within {START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectServer]:
    """A Spark Connect server on 127.0.0.1 on a free port, always stopped."""
    reason = _why_not()
    if reason is not None:
        pytest.skip(f"cannot start a Spark Connect server: {reason}")
    home = _pyspark_home()
    assert home is not None
    workdir = tmp_path_factory.mktemp("spark-connect")
    log = workdir / "server.log"
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        process = _start(home, port, workdir, log)
        try:
            listening = _wait_until_listening(process, port)
        except BaseException:
            _stop(process)
            raise
        if listening:
            break
        # It exited: most likely the port was taken in between; try another.
    else:
        text = log.read_text(encoding="utf-8", errors="replace")[-6000:]
        pytest.fail(f"the Spark Connect server did not start (log {log}):\n{text}")
    server = ConnectServer(url=f"sc://{LOOPBACK}:{port}", log=log)
    try:
        yield server
    finally:
        stop_spark()
        _stop(process)


@contextlib.contextmanager
def _log_on_failure(server: ConnectServer) -> Iterator[None]:
    try:
        yield
    except BaseException as exc:
        exc.add_note(f"Spark Connect server log ({server.log}):\n{server.log_tail()}")
        raise


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


def test_every_table_on_spark_connect_equals_duckdb(
    connect_server: ConnectServer,
    synth_tables: dict[str, pa.Table],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = synth_tables["service"].column("service_id").to_pylist()
    networks = pa.table(
        {"service_id": services, "network": [f"n{i % 2}" for i in range(len(services))]}
    )
    source = BenchmarkSource.from_tables(synth_tables)
    duck = compute_tables(source, backend="duckdb", networks=networks, include_paired=True)
    monkeypatch.setenv(SPARK_REMOTE_ENV, connect_server.url)
    with _log_on_failure(connect_server):
        con = spark_connection()
        assert is_spark_connect(con)
        remote = compute_tables(source, backend="spark", networks=networks, include_paired=True)
        stop_spark()
    assert sorted(duck) == sorted(remote)
    assert "network_outcomes" in duck and "paired" in duck
    for name in duck:
        _assert_same(name, duck[name], remote[name])


# Without a server: the setting is read, checked and reported plainly.


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
