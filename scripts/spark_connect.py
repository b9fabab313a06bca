"""Start (or stop) a Spark Connect server on 127.0.0.1 from the installed pyspark.

For trying ``peerbench benchmark --engine spark`` against a Spark Connect URL without a
Spark cluster, and for the test suite (``tests/aggregate/test_spark_connect.py`` uses
:func:`running`). pyspark 4 ships the server (``jars/spark-connect_2.13-*.jar``), so
nothing is downloaded; Java 17 or later must be installed.

    eval "$(python scripts/spark_connect.py start)"   # prints export PEERBENCH_SPARK_REMOTE=…
    peerbench benchmark --store demo --engine spark
    python scripts/spark_connect.py stop

The server listens only on 127.0.0.1 (no authentication, so never on a shared network),
runs Spark in ``local[2]`` mode with the web UI off, and keeps its files, log and pid in
``PEERBENCH_SPARK_DIR`` (default ``${TMPDIR:-/tmp}/peerbench-spark-connect-$UID``).
Everything except the export line goes to stderr, so the output can be eval'd.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 15002
"""Spark Connect's own default port; ``start`` takes a free one if it is busy."""
START_TIMEOUT = 300.0
"""Seconds for the JVM to start and bind (about 15 s on a quiet 2-core machine)."""
STOP_TIMEOUT = 60.0
START_ATTEMPTS = 3
"""Ports to try: another process may take a free port before the server binds it."""
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


@dataclass(frozen=True)
class ConnectServer:
    """A running Spark Connect server: its URL, process and log file."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of the server's log."""
        return _tail(self.log, lines)


def _tail(log: Path, lines: int) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def pyspark_home() -> Path | None:
    """The installed pyspark's folder (it holds ``bin/spark-submit`` and ``jars/``)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def why_not() -> str | None:
    """Why no Spark Connect server can be started here, or None when one can."""
    home = pyspark_home()
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


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the server gets SIGTERM if the process that started it dies first.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(port: int, workdir: Path, *, tie_to_parent: bool) -> subprocess.Popen[bytes]:
    """Launch the server (``spark-submit --class SparkConnectServer``) without waiting.

    Its output is appended to ``workdir/server.log``. With ``tie_to_parent`` it is
    stopped by the kernel if this process dies (Linux).
    """
    home = pyspark_home()
    if home is None:
        raise RuntimeError("pyspark is not installed")
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
        # Small data: few partitions, no per-stage code generation.
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.session.timeZone": "UTC",
    }
    command = [
        str(home / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        # The quick JIT only: short runs spend more on C2 compilation than it saves
        # (measured on the loaded 2-core machine: server ready in 15 s instead of 30 s,
        # the test's first aggregation 49 s instead of 108 s).
        "--driver-java-options",
        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "--driver-memory",
        "1g",
        "--name",
        "peerbench-connect",
        "--class",
        SERVER_CLASS,
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": LOOPBACK}
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "server.log").open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
            preexec_fn=_die_with_parent if tie_to_parent else None,
        )


def wait_until_listening(
    process: subprocess.Popen[bytes], port: int, timeout: float = START_TIMEOUT
) -> bool:
    """Poll a TCP connection until the server accepts one; False if it exits first.

    Raises:
        TimeoutError: if it neither listens nor exits within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=1):
            return True
        time.sleep(0.25)
    raise TimeoutError(f"the Spark Connect server did not listen within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after a minute."""
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def launch(
    workdir: Path, *, first_port: int | None = None, tie_to_parent: bool = True
) -> ConnectServer:
    """Start a server and wait until it listens: ``first_port`` if free, else free ports.

    Raises:
        RuntimeError: if it did not start (the message ends with its log).
    """
    log = workdir / "server.log"
    for attempt in range(START_ATTEMPTS):
        port = first_port if attempt == 0 and first_port and _port_is_free(first_port) else None
        port = port or free_port()
        process = start(port, workdir, tie_to_parent=tie_to_parent)
        try:
            listening = wait_until_listening(process, port)
        except BaseException:
            stop(process)
            raise
        if listening:
            return ConnectServer(f"sc://{LOOPBACK}:{port}", port, process, log)
        # It exited: most likely the port was taken in between; try another.
    raise RuntimeError(f"the Spark Connect server did not start (log {log}):\n{_tail(log, 80)}")


@contextlib.contextmanager
def running(workdir: Path | None = None) -> Iterator[ConnectServer]:
    """A Spark Connect server on a free loopback port for the ``with`` block, always stopped."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = launch(workdir)
        try:
            yield server
        finally:
            stop(server.process)


def _state_dir() -> Path:
    default = Path(tempfile.gettempdir()) / f"peerbench-spark-connect-{os.getuid()}"
    return Path(os.environ.get("PEERBENCH_SPARK_DIR", str(default)))


def _running_pid(state: Path) -> int | None:
    """The pid in ``state/pid`` if that process is still our server (not a reused pid)."""
    try:
        pid = int((state / "pid").read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if SERVER_CLASS.encode() in command else None


def main(argv: list[str] | None = None) -> int:
    """``start`` (idempotent; prints the export line), ``stop`` or ``status``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    state = _state_dir()
    pid = _running_pid(state)
    if args.action == "start":
        if pid is None:
            if (reason := why_not()) is not None:
                print(f"spark-connect: cannot start: {reason}", file=sys.stderr)
                return 1
            try:
                server = launch(state, first_port=args.port, tie_to_parent=False)
            except (RuntimeError, TimeoutError) as exc:
                print(f"spark-connect: {exc}", file=sys.stderr)
                return 1
            (state / "pid").write_text(str(server.process.pid))
            (state / "port").write_text(str(server.port))
            print(f"spark-connect: listening, log {server.log}", file=sys.stderr)
        port = int((state / "port").read_text())
        print(f"export PEERBENCH_SPARK_REMOTE=sc://{LOOPBACK}:{port}")
        return 0
    if args.action == "stop":
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while _running_pid(state) is not None and time.monotonic() < deadline:
                time.sleep(0.25)
            if _running_pid(state) is not None:
                _signal_group(pid, signal.SIGKILL)
            print(f"spark-connect: stopped {pid}", file=sys.stderr)
        (state / "pid").unlink(missing_ok=True)
        return 0
    print(f"running, sc://{LOOPBACK}:{(state / 'port').read_text()}" if pid else "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
