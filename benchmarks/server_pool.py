"""Helpers for the server benchmarks: a seeded data directory, a live server, timed reads.

Not a benchmark itself (no ``bench_`` prefix): ``bench_server`` and ``bench_national``
use it. The server runs as a real ``peerbench serve`` process on 127.0.0.1 (uvicorn),
so a read is timed the way a client sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import VENV_BIN

NETWORK = "net-bench"
ADMIN = "admin"
ANALYST = "analyst"


def seed(data_dir: Path, organisations: Sequence[str], network: Sequence[str]) -> dict[str, str]:
    """Migrate a new data directory, add the organisations, a network and keys.

    Returns:
        Key secrets: ``admin``, ``analyst`` (of ``network``'s members) and one submitter
        key per organisation.
    """
    from peerbench.server.context import open_server
    from peerbench.server.db.migrate import upgrade
    from peerbench.server.db.models import Role
    from peerbench.server.settings import Settings
    from peerbench.server.tenancy import (
        add_member,
        create_key,
        create_network,
        create_organisation,
    )

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir)
    upgrade(settings.resolved_database_url())
    context = open_server(settings)
    keys: dict[str, str] = {}
    try:
        with context.db.session() as session:
            for org in organisations:
                create_organisation(session, id=org, name=org.title())
                keys[org] = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
            create_network(session, id=NETWORK, name="Bench network")
            for org in network:
                add_member(
                    session,
                    network_id=NETWORK,
                    organisation_id=org,
                    agreement_reference="DSA-BENCH",
                    agreement_start=dt.date(2020, 1, 1),
                )
            keys[ADMIN] = create_key(session, role=Role.ADMIN)[1]
            keys[ANALYST] = create_key(session, role=Role.NETWORK_ANALYST, network_id=NETWORK)[1]
    finally:
        context.close()
    (data_dir / "bench-keys.json").write_text(json.dumps(keys))
    return keys


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Live:
    """A running ``peerbench serve``: its base URL and key secrets."""

    url: str
    keys: dict[str, str]
    pid: int


@contextmanager
def live_server(data_dir: Path, keys: dict[str, str], *, wait: float = 180.0) -> Iterator[Live]:
    """``peerbench serve --data-dir DATA_DIR`` on a free loopback port, until the block ends."""
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(VENV_BIN / "peerbench"), "serve", "--data-dir", str(data_dir),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                with urllib.request.urlopen(f"{url}/v1/health", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    message = f"server did not start; see {data_dir / 'serve.log'}"
                    raise RuntimeError(message) from None
                time.sleep(0.2)
        yield Live(url, keys, proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclass(frozen=True)
class Read:
    """One timed GET: status, seconds, bytes of the body."""

    status: int
    seconds: float
    size: int


def get(url: str, secret: str, *, timeout: float = 600.0) -> Read:
    """GET ``url`` with a bearer key; the whole body is read before the clock stops."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        status = exc.code
    return Read(status, time.perf_counter() - start, len(body))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` (inclusive method, as numpy's linear)."""
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[min(max(round(q) - 1, 0), 98)]


def submit_folder(
    client: Any, secret: str, folder: Path, period: str
) -> tuple[float, dict[str, Any]]:
    """POST a folder's files as one submission through ``client``; (seconds, JSON)."""
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
    start = time.perf_counter()
    response = client.post(
        "/v1/submissions",
        data={"period": period},
        files=files,
        headers={"Authorization": f"Bearer {secret}"},
    )
    seconds = time.perf_counter() - start
    body: dict[str, Any] = response.json()
    return seconds, body


def log(message: str) -> None:
    """A progress line on stderr."""
    print(message, file=sys.stderr, flush=True)
