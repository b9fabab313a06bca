"""`make demo`: the main job end to end, through the same commands a user runs.

1. Generate the fixed-seed reference synthetic dataset and validate it.
2. Start an embedded server (SQLite + a local Parquet pool), create the demo
   organisations, a network with all of them as members, and a key per organisation.
3. Each organisation validates and submits its own slice with `peerbench submit`.
4. Aggregate the pool into benchmarks and write the reference-style reports.
5. Print the workforce and access figures of the pool (`peerbench benchmark --store`).
6. Invite the portal's demo users (`peerbench admin invite`) and print one-time sign-in
   links (`peerbench admin sign-in-link`) for the first organisation's coordinator and
   the network's analyst, and the command that starts the portal on the same data.

Everything goes under DEMO_DIR (default ./demo-output); the server is stopped at the end.
The links' tokens live in the database, so they work when the server starts later (for
24 hours, once each).
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
PORTAL_URL = "http://127.0.0.1:8000"
"""Where `peerbench serve` listens by default: the address the printed links point to."""
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


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
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


def invite_portal_users(
    env: dict[str, str], organisation: dict[str, str], network: str
) -> list[tuple[str, str]]:
    """Invite the demo's people; a one-time sign-in link for the coordinator and analyst.

    Returns ``[(who, link)]``. The researcher and the admin are invited too (their
    invite links are printed by the commands above, for whoever wants to try them).
    """
    people = [
        ("coordinator", "submitter", ["--org", organisation["organisation_id"]]),
        ("analyst", "network-analyst", ["--network", network]),
        ("researcher", "researcher", ["--network", network, "--project", "demo-study"]),
        ("admin", "admin", []),
    ]
    for who, role, scope in people:
        peerbench(
            "admin", "invite", "--email", f"{who}@example.org", "--role", role, *scope,
            "--name", f"Demo {who}", "--base-url", PORTAL_URL, env=env,
        )  # fmt: skip
    described = {
        "coordinator": f"coordinator of {organisation['name']}",
        "analyst": f"analyst of the network {network}",
    }
    links = []
    for who, description in described.items():
        link = peerbench(
            "admin", "sign-in-link", "--email", f"{who}@example.org",
            "--base-url", PORTAL_URL, env=env, capture=True,
        ).strip()  # fmt: skip
        links.append((description, link))
    return links


def shown(path: Path) -> str:
    """``path`` relative to the current folder when inside it (shorter to copy), else as is."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def print_portal(data_dir: Path, links: list[tuple[str, str]]) -> None:
    """How to open the portal on the demo's data."""
    print("\nThe web portal, on the same data:")
    print(f"  start it:  {shown(Path(PEERBENCH))} serve --data-dir {shown(data_dir)}")
    print(f"  then open: {PORTAL_URL}")
    print("One-time sign-in links (each works once, within 24 hours; open in a browser):")
    for description, link in links:
        print(f"  {description}:\n    {link}")


def main() -> None:
    demo = Path(os.environ.get("DEMO_DIR", "demo-output")).resolve()
    reference = demo / "reference"
    peerbench("synth", "--reference", "--out", str(reference))
    peerbench(
        "validate", str(reference), "--format", "html", "--out", str(demo / "validation.html")
    )

    data_dir = demo / "portal"
    env = {**os.environ, "PEERBENCH_DATA_DIR": str(data_dir)}
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
    reports = write_all(data_dir, demo / "reports")
    # The workforce and access pillars (issue 16), as the CLI prints them for the pool.
    text = peerbench("benchmark", "--store", str(data_dir), capture=True)
    start = text.find("Peer workers, measured")
    print(text[start:] if start >= 0 else "(no peer workers or referrals in the pool)")
    links = invite_portal_users(env, organisations[0], NETWORK)
    print(f"\nDemo finished. Validation report: {demo / 'validation.html'}")
    print(f"Pooled store (Parquet): {data_dir / 'pool'}")
    print("Reports (open in a browser):")
    for path in reports:
        if path.suffix == ".html":
            print(f"  {path}")
    print_portal(data_dir, links)


if __name__ == "__main__":
    main()
