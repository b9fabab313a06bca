"""The table the GX suites check: derived columns worked out by hand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from peerbench.validators.gx_view import FOLLOW_UP_COLUMN, ITEM_MISSING_COLUMN, gx_view
from tests.validators.test_quality import _four_people, _outcome, _outcomes


def test_follow_up_is_flagged_once_per_participant_with_a_baseline() -> None:
    rows = [*_four_people(), _outcome("h", 1, "baseline", instrument="GAD7", items=[1] * 7)]
    view = gx_view(_outcomes(rows), "outcome")
    # Persons 1-3 followed up; person 4 did not; every other row is not counted.
    assert view.column(FOLLOW_UP_COLUMN).to_pylist() == [
        True, None, True, None, True, None, False, None
    ]  # fmt: skip


def test_item_missing_share_per_form() -> None:
    rows = [
        _outcome("a", 1, "baseline"),
        _outcome("b", 2, "baseline", items=[1, None, 1, 1, 1, 1, 1, 1, 1]),
        _outcome("c", 3, "baseline", items=[1, 1, 1]),  # six of nine not given
        _outcome("d", 4, "baseline", items=None),
        _outcome("e", 5, "baseline", instrument="NOPE"),
        _outcome("f", 6, "baseline", instrument="PAM13", items=None),
    ]
    shares = gx_view(_outcomes(rows), "outcome").column(ITEM_MISSING_COLUMN).to_pylist()
    assert shares[:4] == pytest.approx([0.0, 1 / 9, 6 / 9, 1.0])
    assert shares[4:] == [None, None]  # unknown, or licensed: no item count is expected


def test_lists_become_scalars() -> None:
    view = gx_view(_outcomes(_four_people()), "outcome")
    assert view.column("items").to_pylist() == [9] * 7  # a count: not-null means given


def test_importing_the_view_does_not_load_great_expectations() -> None:
    code = "import sys, peerbench.validators.gx_view; print('great_expectations' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
