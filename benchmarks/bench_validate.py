"""How fast is ``peerbench validate`` compared with just reading the file, and with others?

For each ``--rows`` size the reference synthetic outcomes are generated once (cached in
``bench-output/validate/``) as Parquet and CSV, then, in the same run, this times:

* pyarrow's plain Parquet read, and peerbench's columnar validation of the same file
  (library call);
* the strict check's own share of the Parquet validation: the record schema compiled to
  column masks, timed alone on the file's batches, with the rows it leaves to
  ``jsonschema-rs``;
* pyarrow's plain CSV read, and peerbench's validation of the CSV version;
* whole processes, taking turns, medians of ``--process-repeat`` runs: ``peerbench
  validate FILE --format json --no-quality`` against a bare Python process that imports
  pyarrow and reads the same file (``pyarrow.parquet.read_table`` / ``pyarrow.csv.read_csv``)
  — interpreter start and imports count on both sides, as a user meets them;
* at the first size only: jsonschema validating row by row, far too slow to run on every
  row, so it runs on a ``--sample`` of rows and is **extrapolated linearly** (the output
  says so); and the Great Expectations suite generated from the standard, on every row
  (GX's pandas engine is vectorised; its context is built before timing starts);
* at the largest size: the peak resident memory of a ``peerbench validate`` process.

Targets (SPEC "Performance", issue 14): library Parquet ≤ 2× the plain read, CSV ≤ 3×;
whole processes at 1M rows: Parquet ≤ 1.5× the read process, CSV ≤ 2×; ≥ 100× faster
than jsonschema per row, ≥ 10× faster than GX, peak RSS < 1.5 GB at 10M rows. Exit
status 2 when a measured target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from benchmarks.common import (
    OUTPUT_DIR,
    VENV_BIN,
    Repeated,
    cached_dataset,
    environment,
    human_rows,
    installed_env,
    interleaved_processes,
    markdown_table,
    met_text,
    run_process,
    timed,
)

DEFAULT_ROWS = (1_000_000, 10_000_000)
DEFAULT_SAMPLE = 20_000
RSS_LIMIT_MB = 1536.0
PROCESS_LIMITS = {"Parquet": 1.5, "CSV": 2.0}
"""Whole ``peerbench validate`` process ÷ whole plain-read process, at 1M rows."""
PROCESS_ROWS = 1_000_000
"""Sizes up to this get the process comparison (larger ones: one process, for memory)."""
READ_PROCESS = {
    "Parquet": "import sys, pyarrow.parquet as pq; pq.read_table(sys.argv[1])",
    "CSV": "import sys, pyarrow.csv as pacsv; pacsv.read_csv(sys.argv[1])",
}
"""The plain-read baseline processes."""
BENCH_MAX_ROWS = 20_000_000
"""The row limit the benchmark validates under, as a national network would raise it
(``--limit max_rows=N``; on a server ``PEERBENCH_LIMIT_MAX_ROWS``). The default
(:class:`Limits`, 10M rows) refuses the 10M-row file (10,010,971 rows) from its footer in
milliseconds, and the benchmark must time a whole validation."""
LIMIT_ARGS = ("--limit", f"max_rows={BENCH_MAX_ROWS}")
VALIDATE_ARGS = ("--format", "json", "--no-quality", *LIMIT_ARGS)
HEADERS = ("Measurement", "Rows", "Seconds", "Ratio", "Ratio of", "Target", "Met", "Note")


@dataclass
class Row:
    """One line of the results table."""

    measurement: str
    rows: int
    seconds: float | None
    ratio: float | None = None
    ratio_of: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""

    def cells(self) -> list[object]:
        """Cells in :data:`HEADERS` order."""
        return [
            self.measurement,
            human_rows(self.rows),
            self.seconds,
            None if self.ratio is None else round(self.ratio, 2),
            self.ratio_of,
            self.target,
            met_text(self.met),
            self.note,
        ]


# ---------------------------------------------------------------------------- the data
def dataset(rows: int, out_dir: Path, seed: int | None) -> tuple[Path, Path]:
    """Parquet and CSV files of ``rows`` synthetic outcomes, generated once and cached."""
    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.synth.config import SynthConfig
    from peerbench.synth.generator import generate

    config = (
        SynthConfig(outcome_rows=rows)
        if seed is None
        else SynthConfig(outcome_rows=rows, seed=seed)
    )
    folder = out_dir / "validate" / f"outcomes-{human_rows(rows)}-{config.seed}"

    def make(target: Path) -> None:
        table = generate(config)["outcome"]
        write_table(table, target / "outcomes.parquet", FileFormat.PARQUET)
        write_table(table, target / "outcomes.csv", FileFormat.CSV)

    cached_dataset(folder, config, ["outcomes.parquet", "outcomes.csv"], make)
    return folder / "outcomes.parquet", folder / "outcomes.csv"


# ------------------------------------------------------------------------ the engines
def library_validate() -> tuple[Callable[[Path], Any] | None, str]:
    """``peerbench.validators.validate``, or None and why it is unavailable."""
    try:
        from peerbench.validators import validate
        from peerbench.validators.limits import DEFAULT_LIMITS
    except ImportError as exc:
        return None, f"library validate not available ({exc})"
    limits = DEFAULT_LIMITS.replace(max_rows=BENCH_MAX_ROWS)
    return (lambda path: read_whole(validate([path], limits=limits))), ""


def read_whole(report: Any) -> Any:
    """``report``, after checking the file was read to the end (no ``limit-exceeded``
    finding): a refused file takes milliseconds and must not count as a fast validation.

    Raises:
        RuntimeError: a limit stopped the validation.
    """
    for finding in getattr(report, "findings", ()):
        if finding.code == "limit-exceeded":
            raise RuntimeError(f"not read to the end: {finding.message}")
    return report


def refused(stdout: bytes) -> bool:
    """Whether a ``peerbench validate --format json`` process's report says a limit
    stopped it (see :func:`read_whole`)."""
    return b'"limit-exceeded"' in stdout


def cli_command() -> tuple[list[str] | None, str]:
    """The ``peerbench validate`` command, or None and why it is unavailable."""
    script = VENV_BIN / "peerbench"
    if not script.exists():
        return None, f"{script} not installed"
    probe = subprocess.run([str(script), "validate", "--help"], capture_output=True, check=False)
    if probe.returncode != 0:
        return None, "`peerbench validate` not available yet"
    return [str(script), "validate"], ""


def process_rows(
    command: list[str] | None, why: str, files: dict[str, Path], rows: int, repeat: int
) -> list[Row]:
    """Whole ``peerbench validate`` processes against whole plain-read processes.

    Both run ``repeat`` times taking turns (after one warm-up each, which also writes
    the ``.pyc`` files an installed package has); medians are compared.
    """
    out: list[Row] = []
    for kind, path in files.items():
        name = f"`peerbench validate` process, {kind}"
        limit = PROCESS_LIMITS[kind]
        read_cmd = [sys.executable, "-c", READ_PROCESS[kind], str(path)]
        if command is None:
            out.append(Row(name, rows, None, note=f"skipped: {why}"))
            continue
        ours_cmd = [*command, str(path), *VALIDATE_ARGS]
        env = installed_env()
        interleaved_processes([read_cmd, ours_cmd], 1, env=env)
        read, ours = interleaved_processes([read_cmd, ours_cmd], repeat, env=env)
        out.append(
            Row(
                f"plain read process, {kind}",
                rows,
                read.median,
                1.0,
                "read process",
                note=f"median of {repeat} ({read.spread}); CPU {read.cpu_median:.2f} s; "
                f"max RSS {read.max_rss_mb:,.0f} MiB",
            )
        )
        if ours.returncode not in (0, 1):  # 0 valid, 1 invalid: both are completed runs
            out.append(Row(name, rows, None, None, "", f"≤ {limit:g}×", False, "FAILED"))
            continue
        ratio = ours.median / read.median
        note = (
            f"median of {repeat} ({ours.spread}); CPU {ours.cpu_median:.2f} s; "
            f"max RSS {ours.max_rss_mb:,.0f} MiB; "
            f"{' '.join(VALIDATE_ARGS)}; includes interpreter start-up"
        )
        out.append(
            Row(
                name,
                rows,
                ours.median,
                ratio,
                f"{kind} read process",
                f"≤ {limit:g}×",
                ratio <= limit,
                note,
            )
        )
        if kind == "CSV":
            out.extend(fixed_cost_rows(command, path, (read, ours), repeat))
    return out


def one_row_copy(path: Path) -> Path:
    """The CSV's header and first data row, written beside it (once)."""
    small = path.with_name(f"{path.stem}-1row{path.suffix}")
    if not small.exists():
        with open(path, "rb") as source:
            small.write_bytes(source.readline() + source.readline())
    return small


def fixed_cost_rows(
    command: list[str], path: Path, large: tuple[Repeated, Repeated], repeat: int
) -> list[Row]:
    """Both processes on a one-row copy of the CSV: what each costs before any rows.

    Interpreter start, imports and opening the file are paid once per process whatever
    its size; subtracting them from the full-size medians leaves the part that grows
    with the rows, so the ratio can be read as fixed cost plus per-row cost.
    """
    small = one_row_copy(path)
    read_cmd = [sys.executable, "-c", READ_PROCESS["CSV"], str(small)]
    ours_cmd = [*command, str(small), *VALIDATE_ARGS]
    env = installed_env()
    read, ours = interleaved_processes([read_cmd, ours_cmd], repeat, env=env)
    if ours.returncode not in (0, 1):
        return [Row("`peerbench validate` process, CSV, 1 row", 1, None, note="FAILED")]
    big_read, big_ours = large
    rows_read = max(big_read.median - read.median, 1e-9)
    rows_ours = big_ours.median - ours.median
    return [
        Row(
            "`peerbench validate` process, CSV, 1 row (fixed cost)",
            1,
            ours.median,
            ours.median / read.median,
            "1-row read process",
            note=f"median of {repeat} ({ours.spread}); the read process: {read.median:.3f} s "
            f"({read.spread}); CPU {ours.cpu_median:.2f} s against {read.cpu_median:.2f} s",
        ),
        Row(
            "`peerbench validate` process, CSV, per-row part",
            PROCESS_ROWS,
            rows_ours,
            rows_ours / rows_read,
            "read process, per-row part",
            note="each full-size median less its 1-row median",
        ),
    ]


def jsonschema_seconds(table: pa.Table) -> float:
    """Seconds for jsonschema to collect every error of each row of ``table`` in turn."""
    import jsonschema

    from peerbench.schema.json_schema import record_schema

    validator = jsonschema.Draft202012Validator(record_schema("outcome"))
    records = [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items() if v is not None}
        for row in table.to_pylist()
    ]  # conversion to JSON-like dicts is not timed: it favours jsonschema

    def check() -> int:
        return sum(len(list(validator.iter_errors(record))) for record in records)

    return timed(check).seconds


def gx_seconds(table: pa.Table) -> float:
    """Seconds for the generated GX suite on ``table`` (context built beforehand, not timed)."""
    from peerbench.validators.gx_runner import SuiteRunner
    from peerbench.validators.gx_view import FOLLOW_UP_COLUMN, follow_up_flags, gx_view

    runner = SuiteRunner()
    runner.run(gx_view(table.slice(0, 100), "outcome"), "outcome")  # register the suite

    def check() -> Any:
        flagged = table.append_column(FOLLOW_UP_COLUMN, follow_up_flags(table))
        return runner.run(gx_view(flagged, "outcome"), "outcome")

    return timed(check).seconds


def extrapolate(seconds: Callable[[pa.Table], float], table: pa.Table, rows: int) -> float:
    """Estimated seconds at ``rows``: a fixed plus a per-row cost fitted on two sample sizes.

    Fitting both (on a quarter of the sample and on all of it) keeps a fixed start-up cost
    from being multiplied by the scale factor, which would flatter peerbench.
    """
    small_rows = max(int(table.num_rows) // 4, 1)
    small = seconds(table.slice(0, small_rows))
    full = seconds(table)
    per_row = max(full - small, 0.0) / max(int(table.num_rows) - small_rows, 1)
    fixed = max(small - per_row * small_rows, 0.0)
    return fixed + per_row * rows


def sample(path: Path, rows: int, seed: int = 0) -> pa.Table:
    """A seeded random sample of ``rows`` rows of a Parquet file."""
    from peerbench.validators.quality import sample_indices

    table = pq.read_table(path)
    positions = sample_indices(table.num_rows, rows, seed)
    return table if positions is None else table.take(pa.array(positions))


# ---------------------------------------------------------------------------- measuring
def measure(rows: int, args: argparse.Namespace, *, first: bool, last: bool) -> list[Row]:
    """Every measurement at one size."""
    parquet, csv = dataset(rows, args.out, args.seed)
    repeat = args.repeat if rows <= 1_000_000 else 1
    validate, why = library_validate()
    out: list[Row] = []
    pairs = {
        "Parquet": (parquet, lambda: pq.read_table(parquet), 2.0),
        "CSV": (csv, lambda: pacsv.read_csv(csv), 3.0),
    }
    ours: float | None = None
    for kind, (path, read, limit) in pairs.items():
        ours_fn = None if validate is None else partial(validate, path)
        pair = interleaved(read, ours_fn, repeat)
        out.append(Row(f"pyarrow read {kind}", rows, pair.base, 1.0, "plain read"))
        name = f"peerbench validate {kind} (library)"
        out.append(pair.row(name, rows, f"{kind} read", limit, why))
        if kind == "Parquet":
            ours = pair.ours
            if ours_fn is not None and rows <= 1_000_000:
                out.append(_without_compiled_checks(read, ours_fn, rows, repeat))
                out.append(strict_mask_row(path, rows, pair.base, repeat))

    command, why = cli_command()
    if rows <= PROCESS_ROWS:
        files = {"Parquet": parquet, "CSV": csv}
        out.extend(process_rows(command, why, files, rows, args.process_repeat))

    if last:
        out.append(peak_memory(rows, parquet, command))
    if first and not args.quick:
        out.extend(_slow_engines(rows, parquet, args.sample, ours))
    return out


def strict_mask_row(path: Path, rows: int, read_seconds: float, repeat: int) -> Row:
    """The strict check's own share: the record schema compiled to column masks.

    Times :func:`~peerbench.validators.readers.strict_columnar.rows_to_check` over the
    file's batches as the Parquet reader gives them (read not timed), and counts the
    rows the masks leave to ``jsonschema-rs``. Reported, not judged (part of the
    library validation above).
    """
    from peerbench.validators.readers import DEFAULT_BATCH_ROWS
    from peerbench.validators.readers.parquet import repetitive_text
    from peerbench.validators.readers.strict_columnar import rows_to_check

    with pq.ParquetFile(path) as plain:
        dictionary = repetitive_text(plain)
    with pq.ParquetFile(path, read_dictionary=dictionary) as parquet:
        record_type = "outcome"
        batches = list(parquet.iter_batches(batch_size=DEFAULT_BATCH_ROWS))

    flagged = 0

    def check() -> None:
        nonlocal flagged
        flagged = sum(int(rows_to_check(record_type, b).sum()) for b in batches)

    seconds = min(timed(check).seconds for _ in range(max(repeat, 1)))
    return Row(
        "strict check: compiled schema masks (library, part of the above)",
        rows,
        seconds,
        seconds / read_seconds,
        "Parquet read",
        note=f"fastest of {repeat}; {flagged:,} rows left to jsonschema-rs",
    )


_LIBRARY_RUN = "import sys; from peerbench.validators import validate; validate([sys.argv[1]])"


def _without_compiled_checks(
    read: Callable[[], Any], ours: Callable[[], Any], rows: int, repeat: int
) -> Row:
    """The library as one-shot commands run it: NumPy only (no Numba start-up to repay)."""
    from peerbench import runtime

    runtime.compiled_checks = False
    try:
        pair = interleaved(read, ours, repeat)
    finally:
        runtime.compiled_checks = True
    row = pair.row(
        "peerbench validate Parquet (library, NumPy only)", rows, "Parquet read", 2.0, ""
    )
    row.target, row.met = "", None  # reported, not judged: the target is the row above
    why = "as one-shot commands run it, without the compiled loops"
    row.note = f"{row.note}; {why}" if row.note else why
    return row


def peak_memory(rows: int, parquet: Path, command: list[str] | None) -> Row:
    """Max RSS of a fresh process validating the file (the CLI, else the library)."""
    name = "peak memory, validate process"
    if command is not None:
        run = run_process([*command, str(parquet), *VALIDATE_ARGS], env=installed_env())
        how = "`peerbench validate`"
    elif library_validate()[0] is not None:
        run = run_process([sys.executable, "-c", _LIBRARY_RUN, str(parquet)])
        how = "library call in a subprocess (CLI not available)"
    else:
        return Row(name, rows, None, note="skipped: neither CLI nor library validate available")
    if run.returncode not in (0, 1):
        tail = " ".join(run.stderr.decode(errors="replace").strip().splitlines()[-1:])
        return Row(name, rows, None, note=f"{how} failed (exit {run.returncode}): {tail}")
    limit = f"< {RSS_LIMIT_MB / 1024:g} GB"
    if refused(run.stdout):
        return Row(name, rows, None, None, "", limit, False, f"{how}: a limit stopped it")
    target, met = (limit, run.max_rss_mb < RSS_LIMIT_MB) if rows >= 10_000_000 else ("", None)
    note = f"max RSS {run.max_rss_mb:,.0f} MiB; {how}"
    return Row(name, rows, run.seconds, None, "", target, met, note)


@dataclass
class Pair:
    """A plain read and our validation of the same file, timed turn about.

    Attributes:
        base: Fastest plain read.
        ours: Fastest validation (None when it could not run).
        ratios: Validation ÷ read of each turn (both timed within moments of each other).
        error: Why the validation failed, if it did.
    """

    base: float
    ours: float | None
    ratios: list[float]
    error: str = ""

    def row(self, name: str, rows: int, base_name: str, limit: float, why: str) -> Row:
        """The results-table row: fastest ÷ fastest, judged against ``limit``."""
        target = f"≤ {limit:g}×"
        if self.ours is None:
            note = f"FAILED: {self.error}" if self.error else f"skipped: {why}"
            return Row(
                name, rows, None, None, base_name, target, False if self.error else None, note
            )
        ratio = self.ours / self.base
        note = ""
        if len(self.ratios) > 1:
            note = (
                f"{len(self.ratios)} turns; per-turn ratio median "
                f"{statistics.median(self.ratios):.2f}, range "
                f"{min(self.ratios):.2f}–{max(self.ratios):.2f}"
            )
        return Row(name, rows, self.ours, ratio, base_name, target, ratio <= limit, note)


def interleaved(base: Callable[[], Any], ours: Callable[[], Any] | None, repeat: int) -> Pair:
    """Time ``base`` and ``ours`` alternately ``repeat`` times (fastest of each is kept).

    Taking turns means a slow spell on a shared machine slows both sides of a turn,
    rather than only whichever happened to be timed then. A crash of ``ours`` is kept
    as the pair's error, so one failing engine does not hide every other number.
    """
    base_times: list[float] = []
    our_times: list[float] = []
    error = ""
    for _ in range(max(repeat, 1)):
        base_times.append(timed(base).seconds)
        if ours is None or error:
            continue
        try:
            our_times.append(timed(ours).seconds)
        except Exception as exc:  # any engine failure is a result to report
            error = f"{type(exc).__name__}: {exc}"[:160]
    ratios = [o / b for o, b in zip(our_times, base_times, strict=False)]
    return Pair(min(base_times), min(our_times) if our_times else None, ratios, error)


def _slow_engines(rows: int, parquet: Path, size: int, ours: float | None) -> list[Row]:
    """jsonschema (sampled, extrapolated) and GX (every row) at the first size."""
    table = sample(parquet, size)
    n = int(table.num_rows)
    json_seconds = extrapolate(jsonschema_seconds, table, rows)
    json_note = (
        f"EXTRAPOLATED linearly to {human_rows(rows)} from runs on "
        f"{human_rows(max(n // 4, 1))} and {human_rows(n)} sampled rows"
    )
    # GX's pandas engine is vectorised, so the whole table runs in seconds: measured, not
    # extrapolated (a fit from small samples underestimated it by a third).
    gx_table = pq.read_table(parquet)
    gx_measured = gx_seconds(gx_table)
    del gx_table
    out = []
    for name, seconds, target, factor, note in (
        ("jsonschema, row by row", json_seconds, "≥ 100× slower", 100.0, json_note),
        ("Great Expectations, full suite", gx_measured, "≥ 10× slower", 10.0, "all rows"),
    ):
        ratio = None if ours is None else seconds / ours
        out.append(
            Row(
                name,
                rows,
                seconds,
                ratio,
                "peerbench Parquet" if ours else "",
                target,
                None if ratio is None else ratio >= factor,
                note,
            )
        )
    return out


def report(results: dict[int, list[Row]], args: argparse.Namespace) -> str:
    """The markdown written to ``bench-output/validate.md``."""
    lines = [
        "# Validation benchmark",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {environment()}.",
        "Data: reference synthetic outcomes from `peerbench.synth` (one file per size).",
        f"Times are the fastest of {args.repeat} runs up to 1M rows, one run above; a plain "
        "read and peerbench's validation of the same file are timed turn about.",
        "jsonschema ran on a sample and was **extrapolated linearly**; GX ran on every row.",
        "Their ratio is how many times slower they are than peerbench on the Parquet file.",
        "",
    ]
    for rows, table in results.items():
        lines += [
            f"## {human_rows(rows)} rows",
            "",
            markdown_table(HEADERS, [r.cells() for r in table]),
            "",
        ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks validate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=list(DEFAULT_ROWS),
        help="Outcome rows per run (default: 1000000 10000000).",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        help="Rows given to jsonschema and GX before extrapolating.",
    )
    parser.add_argument("--repeat", type=int, default=5, help="Runs per timing up to 1M rows.")
    parser.add_argument(
        "--process-repeat",
        type=int,
        default=3,
        help="Runs of each whole process at 1M rows (medians are compared).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Development: 1M rows only, 3 library runs, no jsonschema/GX comparison.",
    )
    parser.add_argument("--seed", type=int, default=None, help="Synth seed (default: reference).")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="Cache and report folder.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the markdown and write ``validate.md``; 2 if a target missed."""
    args = parse(argv)
    if args.quick:
        args.rows, args.repeat = [1_000_000], 3
    sizes = sorted(set(args.rows))
    results = {
        rows: measure(rows, args, first=i == 0, last=i == len(sizes) - 1)
        for i, rows in enumerate(sizes)
    }
    text = report(results, args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "validate.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "validate.json").write_text(
        json.dumps({str(k): [r.__dict__ for r in v] for k, v in results.items()}, indent=2),
        encoding="utf-8",
    )
    print(text)
    missed = any(r.met is False for table in results.values() for r in table)
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
