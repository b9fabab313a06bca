"""How long does ``peerbench`` take to start, before a command does any work?

Whole processes, as a user runs them: ``peerbench --help`` and ``peerbench CMD --help``
for every command (and, without ``--quick``, every subcommand of the command groups).
``--help`` goes through the same start as a real run (interpreter, click, the command's
module and its options) and stops where the command's own work would begin, so its time
is the fixed cost every run of that command pays.

Baseline, measured in the same run and taking turns with the commands: a bare
``python -c "import click"`` process, the least any click command could cost.
Each time is the median of ``--repeat`` runs. Target (issue 14): under 0.3 s each.
Children run without ``PYTHONDONTWRITEBYTECODE`` (an installed package has its
``.pyc`` files); one warm-up run of each command writes them first.

Exit status 0 when every target is met, 2 when one is missed.

Example: python -m benchmarks startup --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    OUTPUT_DIR,
    VENV_BIN,
    Repeated,
    environment,
    installed_env,
    interleaved_processes,
    markdown_table,
    met_text,
)

TARGET_SECONDS = 0.3
HEADERS = (
    "Measurement",
    "Median s",
    "Runs (min–max)",
    "Baseline s",
    "Ratio",
    "Target",
    "Met",
    "CPU s",
    "Peak RSS MiB",
)


def invocations(*, subcommands: bool) -> list[list[str]]:
    """Argument lists to time: ``[]`` (the group), each command, each group's commands."""
    import click

    from peerbench.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    out: list[list[str]] = [[]]
    for name in sorted(COMMANDS):
        out.append([name])
        command = cli.get_command(ctx, name)
        if subcommands and isinstance(command, click.Group):
            out += [[name, sub] for sub in command.list_commands(ctx)]
    return out


def peerbench_script() -> str:
    """The installed ``peerbench`` script (else the module run by this interpreter)."""
    script = VENV_BIN / "peerbench"
    return str(script) if script.exists() else ""


def command_line(args: Sequence[str]) -> list[str]:
    """The process that shows ``peerbench ARGS --help``."""
    script = peerbench_script()
    if script:
        return [script, *args, "--help"]
    run = "import sys; from peerbench.cli.main import cli; sys.exit(cli())"
    return [sys.executable, "-c", run, *args, "--help"]


def measure(repeat: int, *, subcommands: bool) -> tuple[Repeated, list[tuple[str, Repeated]]]:
    """The baseline and each invocation, taking turns."""
    env = installed_env()
    wanted = invocations(subcommands=subcommands)
    baseline_cmd = [sys.executable, "-c", "import click"]
    commands = [baseline_cmd, *(command_line(a) for a in wanted)]
    interleaved_processes(commands, 1, env=env)  # warm-up: .pyc files, page cache
    runs = interleaved_processes(commands, repeat, env=env)
    named = [
        (f"`peerbench {' '.join(a)} --help`".replace("  ", " "), r)
        for a, r in zip(wanted, runs[1:], strict=True)
    ]
    return runs[0], named


def rows(baseline: Repeated, named: list[tuple[str, Repeated]]) -> list[list[object]]:
    """The results table."""
    out: list[list[object]] = [
        [
            'baseline: `python -c "import click"`',
            baseline.median,
            baseline.spread,
            baseline.median,
            1.0,
            "",
            met_text(None),
            baseline.cpu_median,
            round(baseline.max_rss_mb),
        ]
    ]
    for name, run in named:
        met = run.returncode == 0 and run.median < TARGET_SECONDS
        out.append(
            [
                name if run.returncode == 0 else f"{name} (exit {run.returncode})",
                run.median,
                run.spread,
                baseline.median,
                round(run.median / baseline.median, 2),
                f"< {TARGET_SECONDS:g} s",
                met_text(met),
                run.cpu_median,
                round(run.max_rss_mb),
            ]
        )
    return out


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks startup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each process (median).")
    parser.add_argument(
        "--quick", action="store_true", help="3 runs, top-level commands only (development)."
    )
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="Report folder.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the markdown table, write ``startup.md``; 2 if a target is missed."""
    args = parse(argv)
    repeat = 3 if args.quick else args.repeat
    baseline, named = measure(repeat, subcommands=not args.quick)
    table = rows(baseline, named)
    text = "\n".join(
        [
            "# Start-up benchmark",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {environment()}.",
            f"Whole processes; medians of {repeat} runs, taking turns with the baseline. "
            "CPU s: user + system CPU of the child, steadier than wall time on a busy machine.",
            "",
            markdown_table(HEADERS, table),
            "",
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "startup.md").write_text(text, encoding="utf-8")
    print(text)
    return 2 if any(row[6] == met_text(False) for row in table) else 0


if __name__ == "__main__":
    sys.exit(main())
