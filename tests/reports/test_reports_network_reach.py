"""The network report's reach sections: fifths of deprivation, coverage, staying in touch."""

from __future__ import annotations

import pyarrow as pa

from peerbench.reports.builders.network_reach import (
    coverage_section,
    equity_section,
    quintile_counts,
)
from peerbench.reports.content import Figure, Table
from tests.reports.test_reports_builders_data import small_data


def test_deciles_fall_into_fifths_and_missing_ones_are_skipped() -> None:
    table = pa.table({"deprivation_decile": pa.array([1, 2, 3, 10, None, 9, 9], pa.int8())})
    assert quintile_counts(table) == {"1": 2, "2": 1, "3": 0, "4": 0, "5": 3}
    empty = pa.table({"deprivation_decile": pa.array([], pa.int8())})
    assert quintile_counts(empty) == {str(q): 0 for q in range(1, 6)}


def test_sections_need_what_they_show() -> None:
    data = small_data()
    assert equity_section(data, None) is None  # no headline measure: nothing to compare
    coverage = coverage_section(data)
    assert coverage is not None and isinstance(coverage.blocks[0], Table)
    members = coverage.blocks[0]
    assert len(members.rows) == len(data.organisation_names)
    headline = ("PHQ9", "end")
    equity = equity_section(data, headline)
    assert equity is not None and isinstance(equity.blocks[0], Figure)
