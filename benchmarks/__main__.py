"""Run every benchmark: ``python -m benchmarks [NAME [ARGS...]]``.

With no arguments, each ``bench_*.py`` module runs in name order, each in a fresh Python
process: one benchmark's memory must not count as another's (a child forked from a
process that held 10M aggregated rows inherits its peak RSS in ``ru_maxrss``, so the
hostile-file benchmark reported 9.7 GB for every file after the aggregate benchmark),
and none may start warm from another's imports and caches. With a name (``validate`` or
``bench_validate``), only that module runs, in this process, and gets the remaining
arguments, e.g. ``python -m benchmarks validate --rows 1000000``.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def modules() -> list[str]:
    """Names of the benchmark modules in this package, sorted."""
    here = [str(Path(__file__).parent)]
    return sorted(m.name for m in pkgutil.iter_modules(here) if m.name.startswith("bench_"))


def run(name: str, argv: Sequence[str]) -> int:
    """Import ``benchmarks.<name>`` and call its ``main(argv)``; 0 if it has none."""
    module = importlib.import_module(f"benchmarks.{name}")
    main: Callable[[list[str]], Any] | None = getattr(module, "main", None)
    if main is None:
        print(f"{name}: no main(), skipped", file=sys.stderr)
        return 0
    print(f"\n## {name}\n", flush=True)
    result = main(list(argv))
    return result if isinstance(result, int) else 0


def cli(argv: Sequence[str]) -> int:
    """Entry point; returns the worst exit status of the benchmarks run."""
    names = modules()
    if argv and not argv[0].startswith("-"):
        wanted = argv[0] if argv[0].startswith("bench_") else f"bench_{argv[0]}"
        if wanted not in names:
            print(f"no benchmark {argv[0]!r}; have: {', '.join(names)}", file=sys.stderr)
            return 2
        return run(wanted, argv[1:])
    return max((_run_apart(name) for name in names), default=0)


def _run_apart(name: str) -> int:
    """``python -m benchmarks NAME`` in a fresh process; its exit status."""
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", "benchmarks", name], check=False).returncode


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
