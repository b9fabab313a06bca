"""`make demo`: the main job end to end, through the same commands a user runs.

1. Generate the fixed-seed reference synthetic dataset and validate it.
2. Start an embedded server (SQLite + a local Parquet pool), create the demo
   organisations, a network with all of them as members, and a key per organisation.
3. Each organisation validates and submits its own slice with `peerbench submit`.
4. Aggregate the pool into benchmarks and write the reference-style reports.

Everything goes under DEMO_DIR (default ./demo-output); the server is stopped at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq

from peerbench.reports.builders import write_all
from peerbench.synth.split import split_dataset

PERIOD = "2026-Q3"
NETWORK = "demo-network"
PEERBENCH = str(Path(sys.executable).with_name("peerbench"))


def peerbench(*args: str, env: dict[str, str] | None = None, capture: bool = False) -> str:
    """Run a peerbench command, echoing it, and stop the demo if it fails."""
    command = [PEERBENCH, *args]
    print("$ peerbench " + " ".join(args), flush=True)
    result = subprocess.run(
        command, env=env, text=True, stdout=subprocess.PIPE if capture else None, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"demo failed: peerbench {args[0]} exited {result.returncode}")
    return result.stdout if capture else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("demo failed: the server stopped during start-up")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"demo failed: no answer from {url} within {timeout:.0f} s")


def main() -> None:
    demo = Path(os.environ.get("DEMO_DIR", "demo-output")).resolve()
    reference = demo / "reference"
    peerbench("synth", "--reference", "--out", str(reference))
    peerbench(
        "validate", str(reference), "--format", "html", "--out", str(demo / "validation.html")
    )

    env = {**os.environ, "PEERBENCH_DATA_DIR": str(demo / "server")}
    peerbench("db", "upgrade", env=env)
    peerbench("admin", "create-network", "--id", NETWORK, "--name", "Demo Network", env=env)
    organisations = pq.read_table(reference / "organisations.parquet").to_pylist()
    slices = split_dataset(reference, demo / "by-organisation")
    keys: dict[str, str] = {}
    for org in organisations:
        org_id = org["organisation_id"]
        peerbench("admin", "create-org", "--id", org_id, "--name", org["name"], env=env)
        peerbench(
            "admin", "add-member", "--network", NETWORK, "--org", org_id,
            "--agreement", "DSA-DEMO-2026", "--start", "2026-01-01", env=env,
        )  # fmt: skip
        keys[org_id] = peerbench(
            "admin", "create-key", "--org", org_id, "--role", "submitter", env=env, capture=True
        ).strip()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PEERBENCH, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    try:
        wait_for_health(url, server)
        for org_id, folder in sorted(slices.items()):
            submit_env = {**env, "PEERBENCH_SERVER": url, "PEERBENCH_KEY": keys[org_id]}
            peerbench("submit", str(folder), "--period", PERIOD, env=submit_env)
        peerbench("status", env={**env, "PEERBENCH_SERVER": url, "PEERBENCH_KEY": keys[org_id]})
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("$ (aggregate the pool and write the reports)", flush=True)
    reports = write_all(demo / "server", demo / "reports")
    print(f"\nDemo finished. Validation report: {demo / 'validation.html'}")
    print(f"Pooled store (Parquet): {demo / 'server' / 'pool'}")
    print("Reports (open in a browser):")
    for path in reports:
        if path.suffix == ".html":
            print(f"  {path}")


if __name__ == "__main__":
    main()
