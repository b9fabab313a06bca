"""Running a generated suite: results in the suite's order, in GX-neutral terms."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from peerbench.io.content_cache import ContentCache
from peerbench.validators.gx_runner import SuiteRunner, view_digest
from peerbench.validators.gx_suite import Thresholds, expectations
from peerbench.validators.gx_view import gx_view
from tests.validators.test_quality import _four_people, _outcomes, runner  # noqa: F401


def test_results_follow_the_suite_order(runner: SuiteRunner) -> None:  # noqa: F811
    results = runner.run(gx_view(_outcomes(_four_people()), "outcome"), "outcome")
    suite = expectations("outcome")
    assert [r.check for r in results] == [e.meta["check"] for e in suite]
    assert [r.column for r in results] == [
        getattr(e, "column", None) or getattr(e, "column_A", None) for e in suite
    ]


def test_counts_and_verdicts(runner: SuiteRunner) -> None:  # noqa: F811
    rows = [{**row, "mode": "self_online"} for row in _four_people()]
    rows[1]["mode"] = "by_pigeon"  # not in the code list
    rows[2]["mode"] = None  # missing: not assessed
    results = runner.run(gx_view(_outcomes(rows), "outcome"), "outcome")
    code = next(r for r in results if r.column == "mode" and r.check == "code")
    assert (code.success, code.checked, code.failed) == (False, 6, 1)
    assert code.observed == pytest.approx(100 * 5 / 6)
    assert code.dimension == "validity" and code.mostly is None
    follow = next(r for r in results if r.check == "follow-up")
    assert (follow.checked, follow.failed, follow.mostly) == (4, 1, 50.0)
    assert follow.dimension == "coverage" and follow.success


def test_cached_results_equal_a_gx_run(tmp_path: Path) -> None:
    view = gx_view(_outcomes(_four_people()), "outcome")
    first = SuiteRunner(cache=ContentCache(tmp_path))
    ran = first.run(view, "outcome")
    assert first.gx_runs == 1
    again = SuiteRunner(cache=ContentCache(tmp_path))
    assert again.run(view, "outcome") == ran
    assert again.gx_runs == 0  # answered from the cache: no GX context was built
    assert again._context is None


def test_a_changed_table_or_threshold_runs_gx_again(tmp_path: Path) -> None:
    rows = _four_people()
    gx_runner = SuiteRunner(cache=ContentCache(tmp_path))
    gx_runner.run(gx_view(_outcomes(rows), "outcome"), "outcome")
    rows[0] = {**rows[0], "mode": "by_pigeon"}
    changed = gx_runner.run(gx_view(_outcomes(rows), "outcome"), "outcome")
    assert gx_runner.gx_runs == 2
    assert next(r for r in changed if r.column == "mode" and r.check == "code").failed == 1
    stricter = SuiteRunner(Thresholds(follow_up=0.9), cache=ContentCache(tmp_path))
    result = stricter.run(gx_view(_outcomes(rows), "outcome"), "outcome")
    assert stricter.gx_runs == 1
    assert next(r for r in result if r.check == "follow-up").mostly == 90.0


def test_without_a_cache_gx_always_runs() -> None:
    view = gx_view(_outcomes(_four_people()), "outcome")
    gx_runner = SuiteRunner(cache=ContentCache(None))
    assert gx_runner.run(view, "outcome") == gx_runner.run(view, "outcome")
    assert gx_runner.gx_runs == 2


def test_view_digest_follows_values_not_chunks() -> None:
    table = _outcomes(_four_people())
    split = pa.concat_tables([table.slice(0, 3), table.slice(3)])
    assert view_digest(split) == view_digest(table)
    assert view_digest(table.slice(1)) != view_digest(table)


def test_a_runner_imports_gx_only_to_run() -> None:
    code = (
        "import sys\n"
        "from peerbench.validators.gx_runner import SuiteRunner\n"
        "SuiteRunner()\n"
        "assert 'great_expectations' not in sys.modules, 'GX imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
