"""Run every benchmark: ``python -m benchmarks [NAME [ARGS...]]``.

With no arguments, each ``bench_*.py`` module's ``main([])`` runs in name order. With a
name (``validate`` or ``bench_validate``), only that module runs and gets the remaining
arguments, e.g. ``python -m benchmarks validate --rows 1000000``.
"""

from __future__ import annotations

import importlib
import pkgutil
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
    return max((run(name, []) for name in names), default=0)


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
