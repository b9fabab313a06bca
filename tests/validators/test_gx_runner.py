"""Running a generated suite: results in the suite's order, in GX-neutral terms."""

from __future__ import annotations

import pytest

from peerbench.validators.gx_runner import SuiteRunner
from peerbench.validators.gx_suite import expectations
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
