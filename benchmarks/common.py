"""Shared benchmark helpers: timing, peak memory and a markdown table printer."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

OUTPUT_DIR = Path("bench-output")
"""Where benchmarks cache generated data and write their reports (git-ignored)."""

VENV_BIN = Path(sys.executable).parent
"""The running interpreter's bin folder, where the ``peerbench`` script is installed."""


@dataclass(frozen=True)
class Timed:
    """The result of a timed call: what it returned and how long the fastest run took."""

    value: Any
    seconds: float

    def __iter__(self) -> Iterator[Any]:
        """``value, seconds = timed(fn)``."""
        return iter((self.value, self.seconds))


def timed(fn: Callable[[], T], *, repeat: int = 1) -> Timed:
    """Call ``fn`` ``repeat`` times; keep the last result and the fastest wall time.

    ``time.perf_counter`` is monotonic and the highest-resolution clock available; the
    minimum over repeats is the least disturbed by other work on the machine.
    """
    best = float("inf")
    value: Any = None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return Timed(value, best)


@dataclass(frozen=True)
class ProcessRun:
    """A finished child process: exit code, wall time, peak resident memory, output."""

    returncode: int
    seconds: float
    max_rss_mb: float
    stdout: bytes
    stderr: bytes
    cpu_seconds: float = 0.0
    """User plus system CPU time of the child (all its threads): less disturbed than wall
    time by other work on a shared machine, so a steadier figure to compare changes by."""


def _watch_high_water(pid: int, stop: threading.Event, peak_kib: list[int]) -> None:
    """Keep the largest ``VmHWM`` (KiB) seen in ``/proc/PID/status`` until ``stop``."""
    status = Path(f"/proc/{pid}/status")
    while not stop.is_set():
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak_kib[0] = max(peak_kib[0], int(line.split()[1]))
        stop.wait(0.05)


def run_process(args: Sequence[str], *, env: dict[str, str] | None = None) -> ProcessRun:
    """Run a command and measure that child alone.

    Peak memory is the child's own high-water mark (``VmHWM``, sampled every 50 ms):
    ``ru_maxrss`` from ``os.wait4`` would also count the parent's pages the child held
    between fork and exec, which inflates it by the size of a large benchmark parent.
    Where ``/proc`` is missing, ``ru_maxrss`` is the fallback.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, env=env)
        stop, peak_kib = threading.Event(), [0]
        watcher = threading.Thread(target=_watch_high_water, args=(proc.pid, stop, peak_kib))
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        stop.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        peak = peak_kib[0] or usage.ru_maxrss
        cpu = usage.ru_utime + usage.ru_stime
        return ProcessRun(proc.returncode, seconds, peak / 1024, out.read(), err.read(), cpu)


def self_peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; numbers are right-aligned."""
    text = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) and rows for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [("-" * (w - 1) + ":") if numeric[i] else "-" * w for i, w in enumerate(widths)]
    return "\n".join([line(headers), line(rule), *(line(r) for r in text)])


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def met_text(met: bool | None) -> str:
    """A target's verdict for a results table: ``yes``, ``**MISSED**`` or blank (no target)."""
    return {True: "yes", False: "**MISSED**", None: ""}[met]


def cached_dataset(
    folder: Path, config: Any, files: Sequence[str], make: Callable[[Path], None]
) -> Path:
    """``folder`` with ``files``, made by ``make`` from synthetic settings ``config``.

    The files are kept between runs and made again only when one is missing or the
    settings or the Parquet layout changed (both are stamped beside them).
    """
    from peerbench.io.parquet_layout import LAYOUT_VERSION

    stamp = folder / ".bench-stamp"
    wanted = f"{config.model_dump_json()}\nparquet layout {LAYOUT_VERSION}\n"
    if (
        stamp.is_file()
        and stamp.read_text() == wanted
        and all((folder / name).is_file() for name in files)
    ):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rows = human_rows(config.outcome_rows)
    print(
        f"generating {rows} synthetic outcome rows into {folder} ...", file=sys.stderr, flush=True
    )
    make(folder)
    stamp.write_text(wanted)
    return folder


def human_rows(rows: int) -> str:
    """``1000000`` → ``1M``; ``20000`` → ``20k``."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def environment() -> str:
    """One line saying where the numbers were measured."""
    return f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), {sys.platform}"


def installed_env() -> dict[str, str]:
    """This process's environment for a child that should start as an installed tool would.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: an installed package has its ``.pyc`` files
    (pip writes them), so a child must not compile every module on every start, which
    adds about 0.15 s to each ``peerbench`` process. Run one warm-up child first.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass(frozen=True)
class Repeated:
    """Several runs of one process: median wall seconds, every run, and the peak RSS."""

    median: float
    seconds: tuple[float, ...]
    max_rss_mb: float
    returncode: int
    cpu_median: float = 0.0
    """Median CPU seconds (user + system, all threads) of the runs."""

    @property
    def spread(self) -> str:
        """``min–max`` of the runs, for a note."""
        return f"{min(self.seconds):.3f}–{max(self.seconds):.3f}"


def repeat_process(
    args: Sequence[str], repeat: int, *, env: dict[str, str] | None = None
) -> Repeated:
    """Run ``args`` ``repeat`` times (at least once) and keep the median wall time.

    The median, not the minimum: on a shared machine it is the typical run, and both
    sides of a ratio get the same treatment. The return code is the last run's.
    """
    runs = [run_process(args, env=env) for _ in range(max(repeat, 1))]
    return _repeated(runs)


def interleaved_processes(
    commands: Sequence[Sequence[str]], repeat: int, *, env: dict[str, str] | None = None
) -> list[Repeated]:
    """Run each command once per turn, ``repeat`` turns; each command's :class:`Repeated`.

    Taking turns puts a slow spell of a shared machine on every command of that turn,
    not only on whichever was being timed, so ratios between them stay fair.
    """
    runs: list[list[ProcessRun]] = [[] for _ in commands]
    for _ in range(max(repeat, 1)):
        for i, args in enumerate(commands):
            runs[i].append(run_process(args, env=env))
    return [_repeated(per_command) for per_command in runs]


def _repeated(runs: Sequence[ProcessRun]) -> Repeated:
    seconds = tuple(r.seconds for r in runs)
    return Repeated(
        statistics.median(seconds),
        seconds,
        max(r.max_rss_mb for r in runs),
        runs[-1].returncode,
        statistics.median(r.cpu_seconds for r in runs),
    )
