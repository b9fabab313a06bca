"""The scaling curve: validate, ingest and benchmark at 10k, 100k, 1M and 10M outcome rows.

Every step is a whole process, as a user runs it, timed with its own peak resident
memory (:func:`benchmarks.common.run_process`):

* ``validate``: ``peerbench validate outcomes.parquet --format json --no-quality``;
* ``ingest``: one organisation's ``services.parquet`` + ``outcomes.parquet`` submitted to
  an in-process server (the upload, validation, ownership check, pool write and
  activation of :mod:`benchmarks.bench_ingest`), in a fresh Python process;
* ``benchmark (cold)``: ``peerbench benchmark --store FOLDER --format json`` with an
  empty cache folder (read, lineage, scoring, every table, statistics, disclosure);
* ``benchmark (warm)``: the same command again, its cache filled by the cold run.

Validation and the benchmark run on :func:`benchmarks.bench_aggregate.dataset_folder`
(450 organisations, about 1,000 services at 1M rows and over); ingest on
:func:`benchmarks.bench_ingest.dataset` (one organisation: one submission carries one
organisation's rows). For each step a least-squares line ``seconds = fixed + per_million
× rows / 1e6`` is fitted over the sizes run, and printed with the table; the chart (time
and peak memory against rows, log scales) is written to ``docs/bench/scaling.svg``
(``--svg`` to change; the README embeds it) and the table to
``bench-output/scaling.md``. The benchmark has no pass/fail target of its own
(``bench_aggregate`` judges the 10M benchmark); it exits 0 when every process succeeds,
2 when one fails.

Example: python -m benchmarks scaling --quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_validate import BENCH_MAX_ROWS, LIMIT_ARGS
from benchmarks.common import (
    OUTPUT_DIR,
    VENV_BIN,
    ProcessRun,
    environment,
    human_rows,
    markdown_table,
    run_process,
)
from benchmarks.scaling_chart import Series, svg_chart

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SIZES = (10_000, 100_000)
STEPS = ("validate", "ingest", "benchmark (cold)", "benchmark (warm)")
SVG_PATH = Path("docs/bench/scaling.svg")

_INGEST = """
import sys
from pathlib import Path
from benchmarks.bench_ingest import ingest_seconds
seconds, body = ingest_seconds(Path(sys.argv[1]))
print(f"{seconds:.3f} {body.get('status')}")
sys.exit(0 if body.get("status") == "accepted" else 1)
"""


@dataclass(frozen=True)
class Measured:
    """One step at one size."""

    step: str
    rows: int
    run: ProcessRun

    @property
    def ok(self) -> bool:
        """Whether the process succeeded."""
        return self.run.returncode == 0


def _peerbench() -> str:
    found = VENV_BIN / "peerbench"
    return str(found) if found.exists() else shutil.which("peerbench") or "peerbench"


def measure(rows: int, cache_root: Path) -> list[Measured]:
    """Run the four steps at ``rows`` outcome rows."""
    from benchmarks.bench_aggregate import DEFAULT_ORGANISATIONS, dataset_folder
    from benchmarks.bench_ingest import dataset as ingest_dataset

    folder = dataset_folder(rows, DEFAULT_ORGANISATIONS)
    one_org = ingest_dataset(rows, OUTPUT_DIR)
    cache = cache_root / human_rows(rows)
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "PEERBENCH_CACHE_DIR": str(cache)}
    peerbench = _peerbench()
    benchmark = [peerbench, "benchmark", "--store", str(folder), "--format", "json"]
    benchmark += ["--out", os.devnull]
    validate = [peerbench, "validate", str(folder / "outcomes.parquet"), "--format", "json"]
    validate += ["--no-quality", "--out", os.devnull, *LIMIT_ARGS]
    ingest = [sys.executable, "-c", _INGEST, str(one_org)]
    # The 10M files hold a few thousand rows over the default row cap per file: raised
    # to 20M (PEERBENCH_LIMIT_MAX_ROWS), as a national network would.
    ingest_env = {**env, "PEERBENCH_LIMIT_MAX_ROWS": str(BENCH_MAX_ROWS)}
    out = [
        Measured("validate", rows, run_process(validate, env=env)),
        Measured("ingest", rows, run_process(ingest, env=ingest_env)),
        Measured("benchmark (cold)", rows, run_process(benchmark, env=env)),
        Measured("benchmark (warm)", rows, run_process(benchmark, env=env)),
    ]
    for m in out:
        if not m.ok:
            print(
                f"{m.step} at {human_rows(rows)} failed ({m.run.returncode}):\n"
                + m.run.stdout.decode(errors="replace")[-500:]
                + m.run.stderr.decode(errors="replace")[-2000:],
                file=sys.stderr,
            )
    return out


def fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares ``y = fixed + slope·x``; None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return mean_y - slope * mean_x, slope


def tables(results: Sequence[Measured]) -> tuple[str, str]:
    """The per-size table and the fitted-cost table, as markdown."""
    sizes = sorted({m.rows for m in results})
    headers = ["step", *(f"{human_rows(r)} s / MB" for r in sizes)]
    body: list[list[object]] = []
    for step in STEPS:
        cells: list[object] = [step]
        for rows in sizes:
            found = [m for m in results if m.step == step and m.rows == rows]
            if not found:
                cells.append("")
                continue
            run = found[0].run
            mark = "" if found[0].ok else " (failed)"
            cells.append(f"{run.seconds:.2f} s / {run.max_rss_mb:,.0f} MB{mark}")
        body.append(cells)
    fits: list[list[object]] = []
    for step in STEPS:
        ok = [m for m in results if m.step == step and m.ok]
        line = fit([(m.rows / 1e6, m.run.seconds) for m in ok])
        memory = fit([(m.rows / 1e6, m.run.max_rss_mb) for m in ok])
        if line is None or memory is None:
            fits.append([step, None, None, None, None])
            continue
        fits.append([step, round(line[0], 3), round(line[1], 3), memory[0], memory[1]])
    fit_headers = [
        "step",
        "fixed cost (s)",
        "cost per million rows (s)",
        "fixed memory (MB)",
        "memory per million rows (MB)",
    ]
    return markdown_table(headers, body), markdown_table(fit_headers, fits)


def chart(results: Sequence[Measured]) -> str:
    """The SVG chart: seconds and peak MB against rows, one line per step."""
    series_time, series_memory = [], []
    for step in STEPS:
        ok = sorted((m for m in results if m.step == step and m.ok), key=lambda m: m.rows)
        series_time.append(Series(step, [(m.rows, m.run.seconds) for m in ok]))
        series_memory.append(Series(step, [(m.rows, m.run.max_rss_mb) for m in ok]))
    return svg_chart(
        "peerbench at every size (whole processes)",
        [("seconds", series_time), ("peak memory (MB)", series_memory)],
        x_label="outcome rows",
    )


def main(argv: list[str] | None = None) -> int:
    """Run every step at every size; print the tables, write the chart; 2 if one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(s) for s in text.split(",")),
        default=SIZES,
        help="outcome rows, comma-separated (default 10000,100000,1000000,10000000)",
    )
    parser.add_argument("--quick", action="store_true", help="only 10k and 100k rows")
    parser.add_argument("--svg", type=Path, default=SVG_PATH, help="where to write the chart")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else args.sizes
    cache_root = OUTPUT_DIR / "scaling" / "cache"
    results: list[Measured] = []
    for rows in sizes:
        results += measure(rows, cache_root)
        print(f"measured {human_rows(rows)}", file=sys.stderr, flush=True)
        write(results, args.svg, final=False)  # an interrupted run keeps what it measured
    text = write(results, args.svg, final=True)
    print(text, flush=True)
    return 0 if all(m.ok for m in results) else 2


def write(results: Sequence[Measured], svg: Path, *, final: bool) -> str:
    """Write ``bench-output/scaling.md`` and the chart; return the markdown."""
    per_size, fitted = tables(results)
    text = "\n".join(
        [
            "# Scaling curve",
            "",
            environment(),
            "",
            "Seconds (wall) and peak resident memory of each whole process:",
            "",
            per_size,
            "",
            "Fitted `seconds = fixed + per_million × rows / 1e6` (least squares over the sizes):",
            "",
            fitted,
        ]
    )
    if not final:
        text += "\n\n(partial: the run was still going)"
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "scaling.md").write_text(text + "\n")
    svg.parent.mkdir(parents=True, exist_ok=True)
    svg.write_text(chart(results))
    return text


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
