"""Rows rebuilt after control are the rows ``dataclasses.replace`` would give."""

from __future__ import annotations

import dataclasses
from typing import Any

from peerbench.benchmarking.disclosure_tables import replaced
from peerbench.benchmarking.rows import ReachRow, Row


def test_replaced_matches_dataclasses_replace() -> None:
    row = ReachRow(service_id="s1", period="2026-Q1", engagements=12, participants=3)
    changes: dict[str, Any] = {"participants": None, "suppressed": {"participants": "small-count"}}
    new = replaced(row, changes)
    assert new == dataclasses.replace(row, **changes)
    assert type(new) is ReachRow
    assert new.__dict__ == dataclasses.replace(row, **changes).__dict__
    assert row.participants == 3 and row.suppressed == {}  # the original is untouched


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Checked(Row):
    value: int = 0
    double: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "double", 2 * self.value)


def test_a_row_type_with_post_init_still_runs_it() -> None:
    assert replaced(_Checked(value=1), {"value": 5}).double == 10
