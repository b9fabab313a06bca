"""How long does the server take to ingest a submission: a large one, and into a large pool?

**One large submission.** A synthetic one-organisation dataset with ``--rows`` outcome
rows (default 1M) is generated once (cached in ``bench-output/ingest/``) as Parquet.
Then, in this process: plain validation of ``outcomes.parquet`` with the library
(``validate``), and end-to-end ingest: upload of ``services.parquet`` +
``outcomes.parquet`` to an in-process server (FastAPI ``TestClient``; SQLite metadata,
local Parquet pool), which spools, hashes, re-validates, checks ownership, writes the
pool and activates it. Target: ingest < 10 s at 1M rows.

**Submissions into a growing pool.** Pools of ``--pools`` accepted submissions (default
0, 1,000 and 8,000: organisations × eight quarters of a small slice, one service and
about 110 outcome rows each, as at national scale) are built once through the library
(cached in ``bench-output/ingest/pools``). For each: how many files a whole-pool read of
the outcomes opens before and after compaction, the compaction's time, the old
per-file read against the snapshot read, then ``--requests`` submissions of a new
organisation's slice through the API (the background worker compacting as it goes):
latency p50/p95 against the same requests on the empty pool (the baseline, same run).
Target: p95 ≤ 0.5 s whatever the pool size. Exits 2 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    OUTPUT_DIR,
    cached_dataset,
    environment,
    human_rows,
    markdown_table,
    met_text,
    timed,
)

TARGET_SECONDS = 10.0


def dataset(rows: int, out_dir: Path) -> Path:
    """A folder with ``services.parquet`` and ``outcomes.parquet`` of one organisation."""
    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.synth.config import SynthConfig
    from peerbench.synth.generator import generate

    config = SynthConfig(organisations=1, outcome_rows=rows)
    folder = out_dir / "ingest" / f"one-org-{human_rows(rows)}-{config.seed}"

    def make(target: Path) -> None:
        tables = generate(config).tables
        write_table(tables["service"], target / "services.parquet", FileFormat.PARQUET)
        write_table(tables["outcome"], target / "outcomes.parquet", FileFormat.PARQUET)

    return cached_dataset(folder, config, ["services.parquet", "outcomes.parquet"], make)


def ingest_seconds(folder: Path) -> tuple[float, dict[str, Any]]:
    """Seconds for one inline submission of the folder's files to an in-process server."""
    import pyarrow.parquet as pq
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

    org = str(pq.read_table(folder / "services.parquet").column("organisation_id")[0])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), background_threshold_bytes=2**40)
        upgrade(settings.resolved_database_url())
        context = open_server(settings)
        with context.db.session() as session:
            create_organisation(session, id=org, name=org)
            key = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
        files = [
            ("files", (name, (folder / name).read_bytes()))
            for name in ("services.parquet", "outcomes.parquet")
        ]
        try:
            with TestClient(create_app(settings, context=context)) as client:
                # The server starts its checker at start-up; an upload in production
                # never waits for that, so neither does the measurement.
                start_checker(wait=True)
                result = timed(
                    lambda: client.post(
                        "/v1/submissions",
                        data={"period": "2026-Q3"},
                        files=files,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                )
        finally:
            context.close()
    body: dict[str, Any] = result.value.json()
    return result.seconds, body


# --------------------------------------------------------------- the pool at scale
PERIODS = tuple(f"{year}-Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4))
"""The quarters each organisation of a synthetic pool has sent (eight)."""
P95_TARGET = 0.5
"""Submission p95 (seconds) whatever the pool size."""


def slice_dataset(out_dir: Path) -> Path:
    """One organisation's small quarterly slice: one service, about 110 outcome rows."""
    return dataset(110, out_dir)


def relabelled(tables: dict[str, Any], org: str) -> dict[str, Any]:
    """The slice's tables as organisation ``org``'s (ids prefixed, so keys stay unique)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for name, table in tables.items():
        for column in ("organisation_id", "service_id", "record_id"):
            if column not in table.column_names:
                continue
            index = table.schema.get_field_index(column)
            if column == "organisation_id":
                values = pa.array([org] * table.num_rows, pa.string())
            else:
                values = pc.binary_join_element_wise(org, table.column(column), "-")
            table = table.set_column(index, column, values)
        out[name] = table
    return out


def build_pool(data_dir: Path, slice_folder: Path, submissions: int) -> None:
    """A server data folder whose pool holds ``submissions`` accepted submissions.

    ``submissions // 8`` organisations, each with the slice for eight quarters, written
    and activated through the library (no checks: the data is the valid slice).
    """
    import datetime as dt

    import pyarrow.parquet as pq

    from peerbench.server.db.migrate import upgrade
    from peerbench.server.db.models import Organisation, Submission
    from peerbench.server.db.session import Database
    from peerbench.server.settings import Settings
    from peerbench.server.store import PooledStore

    settings = Settings(data_dir=data_dir)
    upgrade(settings.resolved_database_url())
    db = Database(settings.resolved_database_url())
    store = PooledStore(settings.resolved_store_url())
    base = {
        "service": pq.read_table(slice_folder / "services.parquet"),
        "outcome": pq.read_table(slice_folder / "outcomes.parquet"),
    }
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for number in range(submissions // len(PERIODS)):
        org = f"pool{number:05d}"
        tables = relabelled(base, org)
        with db.session() as session:
            session.add(Organisation(id=org, name=org))
            for p, period in enumerate(PERIODS):
                sid = f"s{number:05d}{p}"
                session.add(
                    Submission(
                        id=sid,
                        organisation_id=org,
                        period=period,
                        content_hash=sid,
                        status="accepted",
                        created_at=start + dt.timedelta(seconds=number * 8 + p),
                    )
                )
                session.flush()
                for record_type, table in tables.items():
                    path = store.write_version(
                        table,
                        record_type=record_type,
                        organisation_id=org,
                        period=period,
                        submission_id=sid,
                        standard_version="1.0.0",
                    )
                    store.activate(
                        session,
                        submission_id=sid,
                        organisation_id=org,
                        period=period,
                        record_type=record_type,
                        path=path,
                        rows=table.num_rows,
                    )
    db.dispose()


def cached_pool(out_dir: Path, slice_folder: Path, submissions: int) -> Path:
    """A built pool of ``submissions`` (kept in ``bench-output/ingest/pools``)."""
    from peerbench.io.parquet_layout import LAYOUT_VERSION
    from peerbench.server.db.migrate import head_revision

    folder = out_dir / "ingest" / "pools" / f"pool-{submissions}"
    stamp = folder / ".bench-stamp"
    wanted = f"{submissions} submissions, layout {LAYOUT_VERSION}, schema {head_revision()}\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(
        f"building a pool of {submissions} submissions in {folder} ...", file=sys.stderr, flush=True
    )
    build_pool(folder, slice_folder, submissions)
    stamp.write_text(wanted)
    return folder


@dataclass
class PoolRun:
    """What one pool size measured."""

    submissions: int
    files_before: int = 0
    files_after: int = 0
    compact_seconds: float = 0.0
    read_old_seconds: float = 0.0
    read_new_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    accepted: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def old_read(store: Any, session: Any, record_type: str) -> Any:
    """The read before the snapshot: every current file through one dataset."""
    import pyarrow.dataset as pads

    from peerbench.server.store import pool_schema

    paths = store.current_paths(session, record_type)
    return pads.dataset(paths, schema=pool_schema(record_type), format="parquet").to_table()


def measure_pool(pool: Path, slice_folder: Path, submissions: int, requests: int) -> PoolRun:
    """Copy the pool, compact it, read it, then time ``requests`` submissions to it."""
    import datetime as dt

    from starlette.exceptions import StarletteDeprecationWarning

    from peerbench.api.app import create_app
    from peerbench.server.compaction import compact_all
    from peerbench.server.context import open_server
    from peerbench.server.db.migrate import upgrade
    from peerbench.server.db.models import Role
    from peerbench.server.isolation import start_checker
    from peerbench.server.settings import Settings
    from peerbench.server.tenancy import create_key, create_organisation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    run = PoolRun(submissions)
    with tempfile.TemporaryDirectory(dir=pool.parent) as tmp:
        data_dir = Path(tmp, "data")
        if submissions:
            shutil.copytree(pool, data_dir)
        settings = Settings(data_dir=data_dir, background_threshold_bytes=2**40)
        upgrade(settings.resolved_database_url())
        context = open_server(settings)
        store, now = context.store, dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        with context.db.session() as session:
            run.files_before = store.current_read(session, "outcome").files_opened
            run.read_old_seconds = timed(lambda: old_read(store, session, "outcome")).seconds
        run.compact_seconds = timed(lambda: compact_all(store, context.db, now=now)).seconds
        with context.db.session() as session:
            read = store.current_read(session, "outcome")
            run.files_after = read.files_opened
        run.read_new_seconds = timed(read.table).seconds
        orgs = [f"new{n:04d}" for n in range(requests)]
        keys = {}
        with context.db.session() as session:
            for org in orgs:
                create_organisation(session, id=org, name=org)
                keys[org] = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
        base = {
            "service": pq_read(slice_folder / "services.parquet"),
            "outcome": pq_read(slice_folder / "outcomes.parquet"),
        }
        app = create_app(settings, context=context)
        try:
            with TestClient(app) as client:
                start_checker(wait=True)
                for org in orgs:
                    files = [
                        ("files", (f"{RECORD_FILES[rt]}.parquet", parquet_bytes(t)))
                        for rt, t in relabelled(base, org).items()
                    ]
                    headers = {"Authorization": f"Bearer {keys[org]}"}

                    def post(files: list[Any] = files, headers: dict[str, str] = headers) -> Any:
                        data = {"period": PERIODS[-1]}
                        return client.post(
                            "/v1/submissions", data=data, files=files, headers=headers
                        )

                    result = timed(post)
                    run.latencies.append(result.seconds)
                    run.accepted += result.value.json().get("status") == "accepted"
                app.state.worker.wait_idle(600)  # let the background compaction end
        finally:
            context.close()
    return run


RECORD_FILES = {"service": "services", "outcome": "outcomes"}


def pq_read(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def parquet_bytes(table: Any) -> bytes:
    """``table`` as Parquet bytes (what an organisation uploads)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def pool_table(runs: list[PoolRun]) -> tuple[str, bool]:
    """The growth table (markdown) and whether every p95 met the target."""
    baseline = runs[0].percentile(0.95) if runs and runs[0].submissions == 0 else None
    rows = []
    met_all = True
    for run in runs:
        p95 = run.percentile(0.95)
        met = p95 <= P95_TARGET and run.accepted == len(run.latencies)
        met_all &= met
        ratio = None if not baseline else round(p95 / baseline, 2)
        rows.append(
            (
                run.submissions,
                run.files_before,
                run.files_after,
                round(run.compact_seconds, 2),
                round(run.read_old_seconds, 3),
                round(run.read_new_seconds, 3),
                round(run.percentile(0.5), 3),
                round(p95, 3),
                ratio,
                met_text(met),
            )
        )
    headers = (
        "Pool (submissions)",
        "Files per read, before",
        "after compaction",
        "Compaction s",
        "Old read s",
        "Snapshot read s",
        "Submission p50 s",
        "p95 s",
        "p95 / empty pool",
        f"p95 ≤ {P95_TARGET:g} s",
    )
    return markdown_table(headers, rows), met_all


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 2 if a target is missed or data is not accepted."""
    parser = argparse.ArgumentParser(prog="bench_ingest", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Outcome rows.")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="Cache folder.")
    parser.add_argument(
        "--pools",
        type=int,
        nargs="*",
        default=[0, 1000, 8000],
        help="Pool sizes (submissions; 0 is the baseline).",
    )
    parser.add_argument("--requests", type=int, default=20, help="Submissions per pool.")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Development run: 100k rows, pools 0 and 400, 8 requests.",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.pools, args.requests = 100_000, [0, 400], 8

    from peerbench.validators import validate

    folder = dataset(args.rows, args.out)
    plain = timed(lambda: validate([folder / "outcomes.parquet"]))
    seconds, body = ingest_seconds(folder)
    ratio = seconds / plain.seconds if plain.seconds else None
    met = seconds < TARGET_SECONDS and body.get("status") == "accepted"
    rows = [
        ("validate outcomes.parquet (library)", args.rows, plain.seconds, None, ""),
        (
            "ingest via API (upload → pool)",
            body.get("rows", 0),
            seconds,
            None if ratio is None else round(ratio, 2),
            met_text(met),
        ),
    ]
    print(environment())
    print(
        markdown_table(("Measurement", "Rows", "Seconds", "Ratio", f"< {TARGET_SECONDS:g} s"), rows)
    )
    print(f"\nsubmission status: {body.get('status')}; ingest/validate ratio: {ratio:.2f}\n")

    slice_folder = slice_dataset(args.out)
    runs = []
    for size in sorted(set(args.pools)):
        size -= size % len(PERIODS)
        pool = cached_pool(args.out, slice_folder, size) if size else args.out / "ingest"
        runs.append(measure_pool(pool, slice_folder, size, args.requests))
    table, pools_met = pool_table(runs)
    print(table)
    print("\nLatency is one request at a time through the in-process app; the background")
    print("worker compacts the snapshot meanwhile. Numbers are noisy on a shared machine.")
    return 0 if met and pools_met else 2
