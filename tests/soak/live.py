"""A real ``peerbench serve`` process on 127.0.0.1 for the soak tests, and what they check.

:func:`seeded` migrates and seeds a database (organisations, keys) the way an operator
would; :class:`LiveServer` starts ``peerbench serve`` on it, waits (bounded) until it
answers, and can stop it or SIGKILL it. :func:`pool_state` reads what survived straight
from the database and the pooled store, and :func:`pool_problems` lists every row lost,
duplicated or half-visible.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
from sqlalchemy import select

from peerbench.schema.records import RECORD_TYPES
from peerbench.server.context import open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import PoolVersion, Role, Submission
from peerbench.server.settings import Settings
from peerbench.server.tenancy import create_key
from tests.api.harness import bundle_of, seed

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180.0
"""Seconds a server may take to answer after start (imports are slow on a busy machine)."""

SOAK_REPORT_ENV = "PEERBENCH_SOAK_REPORT"
"""File the soak tests append their figures to (JSON lines), when set."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(data_dir: Path, database_url: str | None) -> Settings:
    """Settings of the server under test (generous rate limit: the clients are the load)."""
    return Settings.model_validate(
        {
            "data_dir": data_dir,
            "database_url": database_url,
            "submissions_per_minute": 100_000,
        }
    )


def seeded(
    settings: Settings, organisations: list[str], *, extra_keys: dict[str, int] | None = None
) -> dict[str, str]:
    """Migrate and seed the database; the keys' secrets by name (see ``harness.seed``).

    ``extra_keys`` adds that many more submitter keys for an organisation, named
    ``{org}#{i}`` (several clients of one organisation).
    """
    upgrade(settings.resolved_database_url())
    context = open_server(settings)
    try:
        keys = seed(context, organisations)
        with context.db.session() as session:
            for org, count in (extra_keys or {}).items():
                for i in range(count):
                    keys[f"{org}#{i}"] = create_key(
                        session, role=Role.SUBMITTER, organisation_id=org
                    )[1]
    finally:
        context.close()
    return keys


@dataclass
class LiveServer:
    """One ``peerbench serve`` process."""

    settings: Settings
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PEERBENCH_SUBMISSIONS_PER_MINUTE"] = str(self.settings.submissions_per_minute)
        if self.settings.database_url:
            env["PEERBENCH_DATABASE_URL"] = self.settings.database_url
        return env

    def start(self) -> None:
        """Start the server and wait until ``/v1/health`` answers (bounded)."""
        assert self.process is None
        self.log = self.settings.data_dir / f"serve-{self.port}.log"
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-c",
            "from peerbench.cli.main import cli; cli()",
            "serve",
            "--data-dir",
            str(self.settings.data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment(), stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"peerbench serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"peerbench serve did not answer within {START_TIMEOUT:.0f} s")

    def kill(self) -> None:
        """SIGKILL the server (no clean shutdown) and reap it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM), or kill it after 30 s."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            self.process = None


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """A started server, killed at the end whatever happens."""
    server = LiveServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def variant(folder: Path, n: int, period: str) -> dict[str, Any]:
    """Organisation ``folder``'s records as JSON, made distinct by ``n`` (a service name).

    The same records under another service name are a new submission for the same
    period (a correction), so each variant supersedes the one before.
    """
    body = bundle_of(folder, period)
    body["services"] = [{**s, "name": f"{s['name']} (v{n})"} for s in body["services"]]
    return body


def expected_rows(body: dict[str, Any]) -> dict[str, int]:
    """Rows per record type a JSON submission carries (arrays are keyed by file stem)."""
    stems = {model.file_stem: rt for rt, model in RECORD_TYPES.items()}
    return {stems[k]: len(v) for k, v in body.items() if k in stems and v}


@dataclass
class PoolState:
    """What the database and the pooled store hold after a run."""

    statuses: dict[str, str]  # submission id -> status (or "superseded")
    organisation_of: dict[str, str]
    current: dict[tuple[str, str, str], str]  # (org, period, record type) -> submission id
    versions: dict[str, dict[str, int]]  # submission id -> record type -> rows in its file
    current_rows: dict[str, Counter[str]]  # record type -> submission id -> rows read
    duplicate_rows: int
    orphans: list[str]  # pool files no version points to (never read)


def pool_state(settings: Settings) -> PoolState:
    """Read the database and the current pool directly (the server must be stopped)."""
    context = open_server(settings)
    try:
        with context.db.session() as session:
            submissions = list(session.scalars(select(Submission)))
            versions = list(session.scalars(select(PoolVersion)))
            # An accepted submission whose every version a later one superseded reads
            # as "superseded" here (the database keeps that on the versions).
            live = {v.submission_id for v in versions if v.is_current or not v.superseded_by}
            statuses = {
                s.id: "superseded"
                if s.status == "accepted"
                and s.id not in live
                and any(v.submission_id == s.id for v in versions)
                else s.status
                for s in submissions
            }
            organisation_of = {s.id: s.organisation_id for s in submissions}
            current = {
                (v.organisation_id, v.period, v.record_type): v.submission_id
                for v in versions
                if v.is_current
            }
            files: dict[str, dict[str, int]] = {}
            for v in versions:
                try:
                    rows = pq.read_metadata(context.store.uri(v.path)).num_rows
                except (FileNotFoundError, OSError):
                    rows = -1  # the file the database points to is missing or unreadable
                files.setdefault(v.submission_id, {})[v.record_type] = rows
            referenced = {v.path for v in versions}
            root = Path(context.store.root)
            orphans = sorted(
                str(p.relative_to(root))
                for p in root.rglob("*.parquet")
                if not p.relative_to(root).parts[0].startswith("_")
                and str(p.relative_to(root)) not in referenced
            )
            current_rows: dict[str, Counter[str]] = {}
            duplicates = 0
            for record_type in RECORD_TYPES:
                table = context.store.read_current(session, record_type, None)
                if not table.num_rows:
                    continue
                ids = table.column("_submission_id").to_pylist()
                current_rows[record_type] = Counter(ids)
                plain = table.drop_columns([c for c in table.column_names if c.startswith("_")])
                rows = [json.dumps(r, sort_keys=True, default=str) for r in plain.to_pylist()]
                keyed = [f"{i}|{r}" for i, r in zip(ids, rows, strict=True)]
                duplicates += len(keyed) - len(set(keyed))
    finally:
        context.close()
    return PoolState(statuses, organisation_of, current, files, current_rows, duplicates, orphans)


def pool_problems(
    state: PoolState, acknowledged: dict[str, dict[str, int]], *, recovered: bool = True
) -> list[str]:
    """Every row lost, duplicated or half-visible; ``[]`` when the pool is whole.

    Args:
        state: What survived (:func:`pool_state`).
        acknowledged: Submissions a client saw ``accepted``, with the rows it sent per
            record type.
        recovered: a server has started since the last kill (so nothing is unfinished).
    """
    problems = [f"{s} left {status}" for s, status in state.statuses.items()
                if recovered and status in ("received", "validating")]  # fmt: skip
    for sid, sent in acknowledged.items():
        if state.statuses.get(sid) not in ("accepted", "superseded"):
            problems.append(f"acknowledged {sid} is {state.statuses.get(sid)}")
        if state.versions.get(sid, {}) != sent:
            problems.append(f"acknowledged {sid} stored {state.versions.get(sid)}, sent {sent}")
    by_slot: dict[tuple[str, str], set[str]] = {}
    for (org, period, _rt), sid in state.current.items():
        by_slot.setdefault((org, period), set()).add(sid)
        if state.statuses.get(sid) != "accepted":
            problems.append(f"current version of {sid}, which is {state.statuses.get(sid)}")
    for slot, sids in by_slot.items():
        if len(sids) != 1:
            problems.append(f"{slot} reads from several submissions: {sorted(sids)}")
        for sid in sids:
            missing = [rt for rt in state.versions.get(sid, {})
                       if state.current.get((*slot, rt)) != sid]  # fmt: skip
            if missing:
                problems.append(f"{sid} half-visible: {missing} not current")
    for sid, status in state.statuses.items():
        current_types = {rt for (_o, _p, rt), s in state.current.items() if s == sid}
        if status == "accepted" and not current_types:
            problems.append(f"accepted {sid} has no current version")
    for rt, counts in state.current_rows.items():
        for sid, rows in counts.items():
            if (rt, sid) not in {(r, s) for (_o, _p, r), s in state.current.items()}:
                problems.append(f"{rt} rows of non-current {sid} are read")
            if rows != state.versions.get(sid, {}).get(rt):
                problems.append(f"{rt} of {sid}: {rows} rows read, file has "
                                f"{state.versions.get(sid, {}).get(rt)}")  # fmt: skip
    if state.duplicate_rows:
        problems.append(f"{state.duplicate_rows} duplicated rows in the current pool")
    return problems


def record_figures(name: str, figures: dict[str, Any]) -> None:
    """Append a soak test's figures to ``$PEERBENCH_SOAK_REPORT`` (JSON lines), if set."""
    target = os.environ.get(SOAK_REPORT_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}, sort_keys=True) + "\n")
