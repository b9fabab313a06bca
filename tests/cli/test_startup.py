"""``peerbench --help`` and every ``peerbench CMD --help`` load nothing but click.

The commands import the library (pyarrow, pydantic, SQLAlchemy, Great Expectations ...)
when they run, never when they are listed or defined: each of those costs tenths of a
second to seconds before the command could do anything. Checked in a fresh interpreter,
so nothing another test imported can hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_THIRD_PARTY = r"""
import contextlib, io, json, sys

def third_party():
    roots = {name.split(".")[0] for name in sys.modules}
    return sorted(r for r in roots if r not in sys.stdlib_module_names and not r.startswith("_"))
"""

_PROBE = (
    _THIRD_PARTY
    + r"""
import click
from peerbench.cli.main import COMMANDS, cli

ctx = click.Context(cli)
invocations = [[]]
for name in sorted(COMMANDS):
    invocations.append([name])
    command = cli.get_command(ctx, name)
    if isinstance(command, click.Group):
        invocations += [[name, sub] for sub in command.list_commands(ctx)]
loaded = {}
for args in invocations:
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(args=[*args, "--help"], prog_name="peerbench", standalone_mode=False)
    assert code == 0, args
    loaded[" ".join(args) or "(none)"] = third_party()
print(json.dumps(loaded))
"""
)


def test_help_of_every_command_loads_only_click() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    loaded: dict[str, list[str]] = json.loads(run.stdout)
    assert {"", "validate", "admin", "admin invite", "db upgrade"} <= {
        k.replace("(none)", "") for k in loaded
    }
    # Modules accumulate, so the first invocation that loads a package is the culprit.
    culprits = {
        args: roots for args, roots in loaded.items() if set(roots) - {"click", "peerbench"}
    }
    assert not culprits, culprits


def test_the_probe_would_see_a_heavy_import() -> None:
    """The same check flags a module that does import a heavy package at import time."""
    code = _THIRD_PARTY + "import pyarrow\nprint(json.dumps(third_party()))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pyarrow" in json.loads(run.stdout)


_WARM_PROBE = (
    _THIRD_PARTY
    + r"""
from peerbench.cli.main import cli

folder, fmt = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()) as out:
    cli.main(args=["benchmark", "--store", folder, "--format", fmt], standalone_mode=False)
print(json.dumps({"loaded": third_party(), "printed": len(out.getvalue())}))
"""
)


def test_a_cached_benchmark_prints_without_the_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm ``benchmark`` (answered from the result cache) prints its table or JSON
    without pandas, SciPy, Ibis or DuckDB: those cost about a second to import, the whole
    warm run about half that."""
    from peerbench.synth import SynthConfig, generate, write_dataset

    folder = tmp_path / "data"
    write_dataset(generate(SynthConfig(organisations=3, outcome_rows=600, seed=7)), folder)
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path / "cache"))

    def probe(fmt: str) -> dict[str, Any]:
        run = subprocess.run(
            [sys.executable, "-c", _WARM_PROBE, str(folder), fmt],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        answer: dict[str, Any] = json.loads(run.stdout)
        return answer

    heavy = {"pandas", "scipy", "ibis", "duckdb", "statsmodels"}
    cold = probe("table")  # fills the cache (one entry serves every format)
    assert heavy & set(cold["loaded"]), cold  # the probe sees them when they load
    for fmt in ("table", "json"):
        warm = probe(fmt)
        assert warm["printed"] > 0
        assert not heavy & set(warm["loaded"]), (fmt, warm["loaded"])
    assert probe("table")["printed"] == cold["printed"]
