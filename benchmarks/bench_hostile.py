"""Do small files with a huge cost get refused quickly, in the CLI and in the server?

The four costly files of issue 11 are generated once (cached in
``bench-output/hostile/``; see :mod:`tests.corpus.hostile`):

* ``cell-bomb``: a 1 MB workbook with one cell that expands to 1 GiB,
* ``repeated-strings``: a Parquet file of 15M rows repeating one string per column,
* ``many-rows``: a 1 MB workbook of 3M rows,
* ``many-shared-strings``: a 13 MB workbook with 5M shared strings.

Each is then checked in a child process, measured whole (wall time; peak resident
memory of the process and of any process it starts, from ``VmHWM`` and
``RUSAGE_CHILDREN``; for the server also the upload request's own time, which the
target judges, since start-up is not the file's cost; the request is sent once the
server's checker process is ready, as it is a few seconds after start-up):

* **cli**: ``peerbench validate FILE --no-quality --quiet``;
* **server**: one upload to an in-process server (FastAPI ``TestClient``, SQLite, local
  pool), which checks the files in its own worker process.

Every child runs under an address-space cap (``--memory-cap-gb``, default 8) and a
time-out (``--timeout``, default 300 s) so a run of unprotected code cannot take the
machine down: a child stopped by either shows as ``> N s`` or ``cap``. ``--code DIR``
runs the children against another checkout (e.g. the code before a change). Target:
each file refused in under 10 s with peak RSS under 1 GB (exit 1 if missed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import OUTPUT_DIR, _watch_high_water, environment, markdown_table, met_text

TARGET_SECONDS = 10.0
TARGET_RSS_MB = 1024.0
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Outcome:
    """One measured child: how it ended, its time and peak memory, what it said."""

    ended: str
    seconds: float
    peak_mb: float
    verdict: str
    cpu_seconds: float
    """CPU time (user + system) of the process and the processes it started."""
    request_seconds: float | None = None
    """For the server: the upload request alone (without the server's start-up)."""


def dataset(case: str, out_dir: Path) -> Path:
    """The folder holding ``case``'s file, generated once."""
    from tests.corpus.hostile import COSTLY

    name, build = COSTLY[case]
    folder = out_dir / "hostile" / case
    if not (folder / name).is_file():
        print(f"generating {case} ...", file=sys.stderr, flush=True)
        build(folder / name)
    return folder


def _limit_memory(cap_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))


def measure(args: list[str], *, code: Path, cap_gb: float, timeout: float) -> Outcome:
    """Run ``args`` with ``code`` first on the import path; time, peak RSS, last output line."""
    # Run from an empty folder so ``code`` (then this checkout, for the benchmark's own
    # modules) is what Python imports, not the current directory.
    env = {**os.environ, "PYTHONPATH": f"{code.resolve()}{os.pathsep}{_HERE.parent}"}
    cap = int(cap_gb * (1 << 30))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            preexec_fn=lambda: _limit_memory(cap),
        )
        stop, peak_kib = threading.Event(), [0]
        watcher = threading.Thread(target=_watch_high_water, args=(proc.pid, stop, peak_kib))
        watcher.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        stop.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace").strip().splitlines()
    last = text[-1] if text else ""
    peak = max(peak_kib[0], usage.ru_maxrss) / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if seconds >= timeout:
        return Outcome(f"> {timeout:.0f} s", seconds, peak, "killed (time-out)", cpu)
    if proc.returncode not in (0, 1):
        return Outcome(f"crashed ({proc.returncode})", seconds, peak, last[:80], cpu)
    # The server child prints its own figures, which include its worker processes.
    if last.startswith("{"):
        figures = json.loads(last)
        peak, verdict = max(peak, figures["peak_mb"]), figures["verdict"]
        request = figures.get("seconds")
        return Outcome(str(proc.returncode), seconds, peak, verdict, cpu, request)
    return Outcome(str(proc.returncode), seconds, peak, last[:80], cpu)


def serve_one(folder: Path) -> int:
    """(Child) Upload ``folder``'s files to an in-process server; print figures as JSON."""
    from multiprocessing import forkserver

    from starlette.exceptions import StarletteDeprecationWarning

    from peerbench.api.app import create_app
    from peerbench.server.context import open_server
    from peerbench.server.db.migrate import upgrade
    from peerbench.server.db.models import Role
    from peerbench.server.isolation import start_checker
    from peerbench.server.settings import Settings
    from peerbench.server.tenancy import create_key, create_organisation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), background_threshold_bytes=2**40)
        upgrade(settings.resolved_database_url())
        context = open_server(settings)
        with context.db.session() as session:
            create_organisation(session, id="org-1", name="org-1")
            key = create_key(session, role=Role.SUBMITTER, organisation_id="org-1")[1]
        files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
        try:
            with TestClient(create_app(settings, context=context)) as client:
                start_checker(wait=True)  # as in a server that has been up a few seconds
                start = time.perf_counter()
                response = client.post(
                    "/v1/submissions",
                    data={"period": "2026-Q3"},
                    files=files,
                    headers={"Authorization": f"Bearer {key}"},
                )
                seconds = time.perf_counter() - start
        finally:
            context.close()
    body: dict[str, Any] = response.json()
    codes = sorted({f["code"] for f in (body.get("report") or {}).get("findings", [])})
    verdict = f"{response.status_code} {body.get('status')} {','.join(codes)}".strip()
    # The checker processes are the fork server's children: stop it (it reaps them) and
    # reap it, so RUSAGE_CHILDREN covers their peak memory. (Private, benchmark only.)
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures = {"peak_mb": max(own, children) / 1024, "verdict": verdict, "seconds": seconds}
    print(json.dumps(figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 if a target is missed."""
    parser = argparse.ArgumentParser(prog="bench_hostile", description=__doc__)
    parser.add_argument("--code", type=Path, default=Path.cwd(), help="Checkout to measure.")
    parser.add_argument("--memory-cap-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--paths", nargs="*", default=["cli", "server"])
    parser.add_argument("--cases", nargs="*", default=None)
    parser.add_argument("--out-dir", type=Path, default=OUTPUT_DIR)
    parser.add_argument("--serve-one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_one is not None:
        return serve_one(args.serve_one)
    from tests.corpus.hostile import COSTLY

    rows, met_all = [], True
    for case in args.cases or list(COSTLY):
        folder = dataset(case, args.out_dir)
        file = folder / COSTLY[case][0]
        for path in args.paths:
            if path == "cli":
                command = [sys.executable, "-c", "from peerbench.cli.main import cli; cli()"]
                command += ["validate", str(file.resolve()), "--no-quality", "--quiet"]
            else:
                command = [sys.executable, str(_HERE / "bench_hostile.py"), "--serve-one"]
                command += [str(folder.resolve())]
            outcome = measure(
                command, code=args.code, cap_gb=args.memory_cap_gb, timeout=args.timeout
            )
            spent = outcome.seconds if outcome.request_seconds is None else outcome.request_seconds
            met = (
                spent < TARGET_SECONDS
                and outcome.peak_mb < TARGET_RSS_MB
                and outcome.ended in ("0", "1")
            )
            met_all = met_all and met
            size = file.stat().st_size / (1 << 20)
            rows.append([case, f"{size:.1f} MB", path, outcome.ended, outcome.seconds,
                         outcome.cpu_seconds, outcome.request_seconds, outcome.peak_mb,
                         outcome.verdict, met_text(met)])  # fmt: skip
            print(f"{case} {path}: {outcome}", file=sys.stderr, flush=True)
    print(environment())
    headers = ["file", "size", "path", "exit", "seconds", "CPU s", "request s", "peak RSS MB",
               "outcome", "target met"]  # fmt: skip
    print(markdown_table(headers, rows))
    return 0 if met_all else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
