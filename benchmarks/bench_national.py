"""National scale: 1,000 organisations × 8 quarters (8,000 submissions), growth from 100.

The pool is built synthetically through the library, fast: one synthetic dataset of
1,000 organisations (``--rows-per-org`` outcome rows each, default 111, the median of
the measured national pattern) is split per organisation, and each organisation's
slice is pooled for each of 8 quarters (a cumulative spreadsheet sent again every
quarter) by the store's own ``write_version`` and ``activate``, as an accepted
submission. The pool grows in steps (default 100, 400, 1,000, 2,000, 4,000 and 8,000
submissions; organisation by organisation, 8 quarters each); at each step:

* **submission latency**: a sample of real submissions through the API (in-process app,
  the whole check: spool, validate, ownership, write, activate), each an organisation
  sending its latest quarter again with one outcome fewer (it supersedes); p50/p95;
* a live ``peerbench serve`` on 127.0.0.1 answers, as the admin (the whole pool):
  ``GET /v1/benchmarks`` cold (first request) and warm (median), and its size (the
  default page), and ``GET /v1/reports/network`` cold.

Targets (issue 14, at 8,000 submissions): submission p95 ≤ 0.5 s; benchmark cold ≤ 10 s,
warm ≤ 0.2 s; default response ≤ 5 MB; network report cold ≤ 20 s. Prints the growth
table and writes ``docs/bench/national.svg``. Exit 0 when every target is met at the
largest step, 2 when one is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import OUTPUT_DIR, environment, markdown_table, met_text
from benchmarks.national_chart import write_chart
from benchmarks.server_pool import (
    ADMIN,
    get,
    live_server,
    log,
    percentile,
    seed,
    submit_folder,
)

QUARTERS = ("2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
STEPS = (100, 400, 1000, 2000, 4000, 8000)
QUICK_STEPS = (100, 200, 400)
SAMPLE = 10
TARGETS = {"submission p95": 0.5, "benchmark cold": 10.0, "benchmark warm": 0.2,
           "benchmark MB": 5.0, "funnel MB": 5.0, "meta-analysis MB": 5.0,
           "report cold": 20.0}  # fmt: skip
CHART = Path("docs/bench/national.svg")
T0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
"""Registration time of the first synthetic submission (later ones a second apart)."""


def organisation_slices(organisations: int, rows_per_org: int) -> dict[str, dict[str, Any]]:
    """One synthetic dataset split per organisation: ``{org: {record_type: table}}``."""
    from peerbench.synth import SynthConfig, generate
    from peerbench.synth.split import split_tables

    config = SynthConfig(organisations=organisations, outcome_rows=organisations * rows_per_org)
    log(f"generating {organisations} organisations × {rows_per_org} outcome rows ...")
    return split_tables(generate(config).tables)


def pool_synthetic(ctx: Any, org: str, tables: dict[str, Any], index: int) -> None:
    """Pool ``tables`` for ``org`` in every quarter, as accepted submissions (one commit)."""
    from peerbench.schema.version import STANDARD_VERSION
    from peerbench.server.db.models import Submission, SubmissionStatus

    present = {rt: t for rt, t in sorted(tables.items()) if t.num_rows}
    with ctx.db.session() as session:
        for q, period in enumerate(QUARTERS):
            sid = hashlib.sha256(f"{org}/{period}".encode()).hexdigest()[:32]
            session.add(
                Submission(
                    id=sid,
                    organisation_id=org,
                    period=period,
                    status=SubmissionStatus.ACCEPTED.value,
                    content_hash=hashlib.sha256(f"synthetic {org} {period}".encode()).hexdigest(),
                    standard_version=STANDARD_VERSION,
                    record_types=sorted(present),
                    rows=sum(t.num_rows for t in present.values()),
                    created_at=T0 + dt.timedelta(seconds=index * len(QUARTERS) + q),
                    completed_at=T0 + dt.timedelta(seconds=index * len(QUARTERS) + q),
                )
            )
            session.flush()
            for record_type, table in present.items():
                services = None
                if record_type == "service":
                    ids, owners = table["service_id"], table["organisation_id"]
                    services = list(zip(ids.to_pylist(), owners.to_pylist(), strict=True))
                path = ctx.store.write_version(
                    table,
                    record_type=record_type,
                    organisation_id=org,
                    period=period,
                    submission_id=sid,
                    standard_version=STANDARD_VERSION,
                )
                ctx.store.activate(
                    session,
                    submission_id=sid,
                    organisation_id=org,
                    period=period,
                    record_type=record_type,
                    path=path,
                    rows=table.num_rows,
                    services=services,
                )
        session.commit()


def write_slice(tables: dict[str, Any], folder: Path, drop_outcomes: int) -> Path:
    """An organisation's slice as standard files, ``drop_outcomes`` outcome rows fewer."""
    import json

    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.schema.version import STANDARD_VERSION
    from peerbench.synth.writer import MANIFEST_NAME, file_name

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = {}
    for record_type, table in tables.items():
        if record_type == "outcome":
            table = table.slice(0, max(table.num_rows - drop_outcomes, 1))
        if table.num_rows:
            name = file_name(record_type, FileFormat.PARQUET)
            write_table(table, folder / name, FileFormat.PARQUET)
            files[name] = {"record_type": record_type, "rows": table.num_rows}
    manifest = {"standard_version": STANDARD_VERSION, "files": files}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def submission_latencies(
    data_dir: Path, keys: dict[str, str], sample: list[tuple[str, dict[str, Any]]], serial: int
) -> list[float]:
    """Seconds of each sample submission through the in-process API (all accepted).

    The first is a warm-up, not counted: it starts the isolated checker's process and
    loads the compiled checks, which a running server has done long before. Sample
    ``serial + i`` leaves out ``serial + i + 1`` outcome rows, so every sample differs
    from every earlier one (a repeat would be answered without any work).
    """
    import warnings

    from starlette.exceptions import StarletteDeprecationWarning

    from peerbench.api.app import create_app
    from peerbench.server.context import open_server
    from peerbench.server.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    settings = Settings(data_dir=data_dir)
    context = open_server(settings)
    times = []
    try:
        with TestClient(create_app(settings, context=context)) as client:
            for i, (org, tables) in enumerate(sample):
                drop = serial + i + 1
                folder = write_slice(tables, data_dir.parent / "sample" / org, drop)
                seconds, body = submit_folder(client, keys[org], folder, QUARTERS[-1])
                if body.get("status") != "accepted":
                    raise RuntimeError(f"{org}'s sample submission was not accepted: {body}")
                times.append(seconds)
            times = times[1:] if len(times) > 1 else times
    finally:
        context.close()
    return times


def pool_files(data_dir: Path) -> tuple[int, int]:
    """Current pool files (one per organisation × period × record type), and the files a
    whole-pool read of every record type opens (:meth:`PooledStore.current_read`)."""
    from sqlalchemy import func, select

    from peerbench.schema.records import RECORD_TYPES
    from peerbench.server.context import open_server
    from peerbench.server.db.models import PoolVersion
    from peerbench.server.settings import Settings

    context = open_server(Settings(data_dir=data_dir))
    try:
        with context.db.session() as session:
            statement = select(func.count()).where(PoolVersion.is_current.is_(True))
            current = int(session.scalar(statement) or 0)
            opened = sum(
                len(context.store.current_read(session, rt, None).relative_paths)
                for rt in RECORD_TYPES
            )
            return current, opened
    finally:
        context.close()


def compact_pool(data_dir: Path) -> float:
    """Seconds to bring the pool's snapshot up to date (as the server's worker does)."""
    import time

    from peerbench.server.compaction import compact_all
    from peerbench.server.context import open_server
    from peerbench.server.settings import Settings

    context = open_server(Settings(data_dir=data_dir))
    try:
        start = time.perf_counter()
        compact_all(context.store, context.db, now=dt.datetime.now(dt.UTC))
        return time.perf_counter() - start
    finally:
        context.close()


def reads(data_dir: Path, keys: dict[str, str]) -> dict[str, float]:
    """Benchmark cold/warm/size and network report cold on a fresh live server."""
    with live_server(data_dir, keys) as live:
        cold = get(f"{live.url}/v1/benchmarks", keys[ADMIN])
        if cold.status != 200:
            raise RuntimeError(f"GET /v1/benchmarks answered {cold.status}")
        warm = statistics.median(
            get(f"{live.url}/v1/benchmarks", keys[ADMIN]).seconds for _ in range(3)
        )
        funnel = get(f"{live.url}/v1/benchmarks/funnel", keys[ADMIN])
        meta = get(f"{live.url}/v1/benchmarks/meta-analysis", keys[ADMIN])
        report = get(f"{live.url}/v1/reports/network", keys[ADMIN])
        if report.status != 200:
            raise RuntimeError(f"GET /v1/reports/network answered {report.status}")
    return {"benchmark cold": cold.seconds, "benchmark warm": warm,
            "benchmark MB": cold.size / 1e6, "funnel MB": funnel.size / 1e6,
            "meta-analysis MB": meta.size / 1e6, "report cold": report.seconds}  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks national", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"Steps {QUICK_STEPS} only.")
    parser.add_argument("--steps", type=int, nargs="*", help="Submissions at each step.")
    parser.add_argument("--rows-per-org", type=int, default=111)
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR)
    parser.add_argument("--chart", type=Path, default=CHART)
    args = parser.parse_args(argv)
    steps = tuple(args.steps or (QUICK_STEPS if args.quick else STEPS))
    organisations = -(-max(steps) // len(QUARTERS))
    root = args.out / "national"
    shutil.rmtree(root, ignore_errors=True)
    data_dir = root / "data"
    slices = organisation_slices(organisations, args.rows_per_org)
    orgs = sorted(slices)
    keys = seed(data_dir, orgs, orgs[: len(orgs) // 2])

    from peerbench.server.context import open_server
    from peerbench.server.settings import Settings

    rows: list[list[object]] = []
    last: dict[str, float] = {}
    built = 0
    for step in steps:
        wanted = -(-step // len(QUARTERS))
        context = open_server(Settings(data_dir=data_dir))
        try:
            while built < wanted:
                pool_synthetic(context, orgs[built], slices[orgs[built]], built)
                built += 1
        finally:
            context.close()
        compaction = compact_pool(data_dir)
        log(f"{built * len(QUARTERS)} submissions pooled, compacted in {compaction:.1f} s")
        chosen = [orgs[(i * built) // SAMPLE] for i in range(min(SAMPLE, built))]
        chosen = [chosen[-1], *chosen]  # the first is a warm-up
        serial = len(rows) * (SAMPLE + 1)
        times = submission_latencies(data_dir, keys, [(o, slices[o]) for o in chosen], serial)
        measured = reads(data_dir, keys)
        last = {"submission p95": percentile(times, 95), **measured}
        rows.append(
            [built * len(QUARTERS), *pool_files(data_dir), compaction, percentile(times, 50),
             last["submission p95"], last["benchmark cold"], last["benchmark warm"],
             last["benchmark MB"], last["funnel MB"], last["meta-analysis MB"],
             last["report cold"]]
        )  # fmt: skip
        log(f"  {rows[-1]}")
    headers = [
        "submissions", "current pool files", "files a read opens", "compaction s",
        "submission p50 s", "submission p95 s",
        "benchmark cold s", "benchmark warm s", "benchmark MB", "funnel MB",
        "meta-analysis MB", "network report cold s",
    ]  # fmt: skip
    print(f"National-scale pool ({organisations} organisations × {len(QUARTERS)} quarters at "
          f"most, {args.rows_per_org} outcome rows each); {environment()}; live `peerbench "
          "serve` on 127.0.0.1 (admin: the whole pool); submissions through the in-process "
          "API.\n")  # fmt: skip
    print(markdown_table(headers, rows))
    print()
    verdicts = [[name, last[name], target, met_text(_met(name, last[name], target))]
                for name, target in TARGETS.items()]  # fmt: skip
    print(markdown_table([f"at {rows[-1][0]:,} submissions", "measured", "target", "met"],
                         verdicts))  # fmt: skip
    write_chart(args.chart, headers, rows)
    print(f"\nchart: {args.chart}")
    return 0 if all(_met(n, last[n], t) for n, t in TARGETS.items()) else 2


def _met(_name: str, value: float, target: float) -> bool:
    return value <= target


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
