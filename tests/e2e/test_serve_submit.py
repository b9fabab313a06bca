"""End to end: a real ``peerbench serve`` process, ``peerbench submit`` and ``status``.

The one test that starts a real server (the in-process tests cover behaviour); every
wait is bounded. Commands run as ``python -c`` over the click objects, so the test does
not depend on how the main ``peerbench`` group registers them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peerbench.server.db.models import Role
from peerbench.server.db.session import Database
from peerbench.server.settings import Settings
from peerbench.server.tenancy import create_key, create_organisation
from peerbench.synth.split import split_dataset

PERIOD = "2026-Q3"
HEALTH_WAIT_S = 180.0
"""An upper bound only (a healthy server answers in about a second): generous, so a
loaded machine slows the test down instead of failing it."""


def command(module: str, name: str, *args: str) -> list[str]:
    """Run click command ``name`` of ``module`` in a fresh interpreter."""
    return [sys.executable, "-c", f"from {module} import {name}; {name}()", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBENCH_")}
    return env | {
        "PEERBENCH_DATA_DIR": str(tmp_path / "data"),
        "PEERBENCH_CONFIG": str(tmp_path / "no-config.toml"),
    }


@pytest.fixture
def server_url(tmp_path: Path, environment: dict[str, str]) -> Iterator[str]:
    upgraded = run(command("peerbench.cli.db_cmd", "db", "upgrade"), environment)
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        command("peerbench.cli.serve", "serve", "--port", str(port), "--log-level", "warning"),
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTH_WAIT_S
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become healthy in time"
            time.sleep(0.1)  # one poll interval; the loop is bounded by the deadline
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_serve_submit_status(tmp_path: Path, environment: dict[str, str], server_url: str) -> None:
    out = str(tmp_path / "ref")
    synth = run(command("peerbench.cli.synth", "synth", "--reference", "--out", out), environment)
    assert synth.returncode == 0, synth.stderr
    slices = split_dataset(tmp_path / "ref", tmp_path / "by-org")
    org = sorted(slices)[0]
    settings = Settings(data_dir=tmp_path / "data")
    database = Database(settings.resolved_database_url())
    with database.session() as session:
        create_organisation(session, id=org, name=org)
        key = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
    database.dispose()
    env = environment | {"PEERBENCH_SERVER": server_url, "PEERBENCH_KEY": key}

    submitted = run(
        command(
            "peerbench.cli.submit",
            "submit",
            str(slices[org]),
            "--period",
            PERIOD,
            "--format",
            "json",
        ),
        env,
    )
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    result = json.loads(submitted.stdout)
    assert result["status"] == "accepted" and result["organisation_id"] == org

    listed = run(command("peerbench.cli.submit", "status"), env)
    assert listed.returncode == 0 and result["id"] in listed.stdout
    one = run(command("peerbench.cli.submit", "status", result["id"]), env)
    assert one.returncode == 0 and "ACCEPTED" in one.stdout

    api = httpx.get(
        f"{server_url}/v1/submissions/{result['id']}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert api.status_code == 200 and api.json()["rows"] == result["rows"] > 0
    for output in (submitted.stdout, submitted.stderr, listed.stdout, one.stdout):
        assert key not in output
    assert key not in (tmp_path / "server.log").read_text()
