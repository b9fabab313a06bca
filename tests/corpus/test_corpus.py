"""The hostile-file corpus: every file gives its finding code, never a traceback.

Each case of ``manifest.yaml`` is validated by the library in one child process whose
address space is capped (:data:`MEMORY_CAP`) and whose run is timed out
(:data:`TIMEOUT_SECONDS`), so a regression that expands a hostile file fails here
instead of hanging or exhausting the machine. A sample (``cli: true``) also goes
through ``peerbench validate``: exit 1, the code in its JSON report, no traceback.
The limits are generous on purpose: they catch runaway cost, not small slowdowns.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.corpus.build import BUILDERS, FILES, build, manifest

MEMORY_CAP = 4 << 30
"""Address space of the child (pyarrow alone reserves about 1.5 GB of it)."""
TIMEOUT_SECONDS = 900
CASE_SECONDS = 120.0
"""Far above any case's real cost (under 10 s each): a bound, not a benchmark."""
CASES = manifest()
ROOT = Path(__file__).resolve().parents[2]


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=TIMEOUT_SECONDS,
        preexec_fn=_cap, check=False,
    )  # fmt: skip


def _path(case: dict[str, Any], generated: Path) -> Path:
    if case.get("generated"):
        return generated / str(case["case"]) / str(case["file"])
    return FILES / str(case["case"]) / str(case["file"])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        if case.get("generated"):
            build(case, folder)
    return folder


@pytest.fixture(scope="module")
def results(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    listing = tmp_path_factory.mktemp("corpus-run") / "cases.json"
    listing.write_text(json.dumps([
        {"case": c["case"], "path": str(_path(c, generated)), "limits": c.get("limits")}
        for c in CASES
    ]))  # fmt: skip
    run = _run([sys.executable, "-m", "tests.corpus.runner", str(listing)])
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {line["case"]: line for line in lines}


def test_corpus_is_large_and_every_case_has_a_builder() -> None:
    assert len(CASES) >= 50
    assert len({c["case"] for c in CASES}) == len(CASES)
    assert {c["case"] for c in CASES} <= set(BUILDERS)
    for case in CASES:
        if not case.get("generated"):
            assert _path(case, Path()).is_file(), case["case"]


def test_committed_files_stay_small() -> None:
    total = sum(p.stat().st_size for p in FILES.rglob("*") if p.is_file())
    assert total < 2 << 20


@pytest.mark.parametrize("case", CASES, ids=[str(c["case"]) for c in CASES])
def test_case_gives_its_finding(case: dict[str, Any], results: dict[str, Any]) -> None:
    result = results.get(str(case["case"]))
    assert result is not None, "the run stopped before this case"
    assert result["error"] is None
    assert case["code"] in result["codes"], result["codes"]
    assert result["seconds"] < CASE_SECONDS
    assert result["peak_mb"] < MEMORY_CAP / (1 << 20)


SAMPLE = [c for c in CASES if c.get("cli")]


@pytest.mark.parametrize("case", SAMPLE, ids=[str(c["case"]) for c in SAMPLE])
def test_cli_reports_the_finding(case: dict[str, Any], generated: Path) -> None:
    path = _path(case, generated)
    command = [sys.executable, "-c", "from peerbench.cli.main import cli; cli()", "validate"]
    run = _run([*command, str(path), "--format", "json", "--no-quality"])
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    codes = {f["code"] for f in json.loads(run.stdout)["findings"]}
    assert case["code"] in codes
