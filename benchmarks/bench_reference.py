"""The reference pool's fixed costs: ``benchmark``, every ``report`` and the quality profile.

The reference pool is ``peerbench synth --reference`` (seed 20260101, 12 organisations,
30,000 outcome rows), generated once into ``bench-output/reference/``. Every measurement
is a whole ``peerbench`` process, as a user runs it, timed ``--repeat`` times (median)
with its peak resident memory:

* **cold**: an empty result cache (``PEERBENCH_CACHE_DIR`` a fresh folder each run),
  so everything is computed: the first run on new data;
* **warm**: the cache filled by a previous run on the same files (the result cache,
  :mod:`peerbench.io.content_cache`): every later run on unchanged data.

Baselines measured in the same run: a bare ``python -c "import click"`` process (the
least any command costs) and ``peerbench validate --no-quality`` on the same files.

Targets (issue 14): ``benchmark --store`` under 1 s; every ``report --kind ...`` under
2 s; ``validate`` with the quality profile under 1.5 s. They are judged on the warm
runs; the cold runs are printed beside them (what the first run on new data costs).
Exit status 0 when every target is met, 2 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.common import (
    OUTPUT_DIR,
    VENV_BIN,
    ProcessRun,
    cached_dataset,
    environment,
    markdown_table,
    met_text,
    run_process,
)

HEADERS = (
    "Measurement",
    "Cache",
    "Seconds",
    "CPU s",
    "Peak MB",
    "Baseline s",
    "Ratio",
    "Target",
    "Met",
)
PRODUCED_ON = "2026-10-01"
REPORT_KINDS = ("network", "service", "commissioner", "quality")


@dataclass
class Line:
    """One line of the results table."""

    measurement: str
    cache: str
    seconds: float
    cpu: float
    peak_mb: float
    baseline: float
    target: float | None = None

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None: no target on this line)."""
        return None if self.target is None else self.seconds < self.target

    def cells(self) -> list[object]:
        """Cells in :data:`HEADERS` order."""
        return [
            self.measurement,
            self.cache,
            round(self.seconds, 2),
            round(self.cpu, 2),
            round(self.peak_mb),
            round(self.baseline, 2),
            round(self.seconds / self.baseline, 1) if self.baseline else None,
            "" if self.target is None else f"< {self.target:g} s",
            met_text(self.met),
        ]


def reference_pool(out_dir: Path) -> Path:
    """The reference dataset as a folder of standard files (made once, then cached)."""
    from peerbench.synth import SynthConfig, generate, write_dataset

    config = SynthConfig.reference()
    files = ["outcomes.parquet", "services.parquet", "participants.parquet", "peerbench.json"]

    def make(folder: Path) -> None:
        write_dataset(generate(config), folder)

    return cached_dataset(out_dir / "reference", config, files, make)


def largest_service(pool: Path) -> str:
    """The service with the most outcome rows (ties: the first id)."""
    counts = pq.read_table(pool / "outcomes.parquet", columns=["service_id"])
    grouped = counts.group_by("service_id").aggregate([("service_id", "count")])
    rows = sorted(
        zip(
            grouped["service_id_count"].to_pylist(), grouped["service_id"].to_pylist(), strict=True
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return str(rows[0][1])


@dataclass(frozen=True)
class Run:
    """A finished process: wall seconds, CPU seconds (user + system) and peak RSS."""

    seconds: float
    cpu: float
    max_rss_mb: float


def _median(runs: Sequence[Run]) -> tuple[float, float, float]:
    """Median wall and CPU seconds, largest peak RSS."""
    return (
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.max_rss_mb for r in runs),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: Sequence[str], cache_dir: Path | None) -> Run:
    """Run ``args`` with its own cache folder (None: caching off).

    CPU seconds (from the reaped child's rusage) are steadier than wall time on a
    shared machine, so both are reported.
    """
    env = dict(os.environ)
    env["PEERBENCH_CACHE_DIR"] = str(cache_dir) if cache_dir is not None else "off"
    before = _children_cpu()
    run: ProcessRun = run_process(list(args), env=env)
    cpu = _children_cpu() - before
    if run.returncode not in (0, 1):  # validate exits 1 on invalid data, which is a result
        sys.stderr.write(run.stderr.decode(errors="replace"))
        raise RuntimeError(f"{' '.join(args)} exited {run.returncode}")
    return Run(run.seconds, cpu, run.max_rss_mb)


def measure(args: Sequence[str], repeat: int, scratch: Path) -> tuple[Run, ...]:
    """Cold runs (a fresh cache each), then warm runs (one cache, filled by a first run)."""
    cold = []
    for i in range(repeat):
        fresh = scratch / f"cold-{i}"
        cold.append(_run(args, fresh))
        shutil.rmtree(fresh, ignore_errors=True)
    shared = scratch / "warm"
    _run(args, shared)  # fills the cache
    warm = [_run(args, shared) for _ in range(repeat)]
    shutil.rmtree(shared, ignore_errors=True)
    return (*cold, *warm)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table; 0 if every target is met, else 2."""
    parser = argparse.ArgumentParser(prog="bench_reference", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="Data folder.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per measurement (median).")
    parser.add_argument("--quick", action="store_true", help="One run each, for development.")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    pool = reference_pool(args.out)
    peerbench = str(VENV_BIN / "peerbench")
    python = sys.executable
    service = largest_service(pool)

    commands: list[tuple[str, list[str], float | None]] = [
        ("benchmark --store", [peerbench, "benchmark", "--store", str(pool)], 1.0),
    ]
    for kind in REPORT_KINDS:
        extra = ["--service", service] if kind == "service" else []
        report = [peerbench, "report", "--store", str(pool), "--kind", kind, *extra]
        commands.append((f"report --kind {kind}", report, 2.0))
    validate = [peerbench, "validate", "--format", "json", str(pool)]
    commands.append(("validate (quality profile)", validate, 1.5))

    lines: list[Line] = []
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as tmp:
        scratch = Path(tmp)
        bare = [_run([python, "-c", "import click"], None) for _ in range(repeat)]
        bare_s, bare_cpu, bare_mb = _median(bare)
        plain = [_run([*validate, "--no-quality"], None) for _ in range(repeat)]
        plain_s, plain_cpu, plain_mb = _median(plain)
        lines.append(Line('python -c "import click"', "–", bare_s, bare_cpu, bare_mb, bare_s))
        lines.append(Line("validate --no-quality", "off", plain_s, plain_cpu, plain_mb, bare_s))
        for name, command, target in commands:
            out = ["--out", str(scratch / "reports"), "--produced-on", PRODUCED_ON]
            full = command + out if command[1] == "report" else command
            runs = measure(full, repeat, scratch)
            cold_s, cold_cpu, cold_mb = _median(runs[:repeat])
            warm_s, warm_cpu, warm_mb = _median(runs[repeat:])
            base = plain_s if name.startswith("validate") else bare_s
            lines.append(Line(name, "cold", cold_s, cold_cpu, cold_mb, base))
            lines.append(Line(name, "warm", warm_s, warm_cpu, warm_mb, base, target))
            print(f"  measured {name}", file=sys.stderr, flush=True)

    print(f"Reference pool ({pool}, 30,000 outcome rows), {environment()}; medians of {repeat}.")
    print("Baseline: `import click` for benchmark and report, `validate --no-quality` for")
    print("validate. Targets are judged on warm runs (result cache filled by an earlier run).\n")
    print(markdown_table(HEADERS, [line.cells() for line in lines]))
    missed = [line.measurement for line in lines if line.met is False]
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
    return 2 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
