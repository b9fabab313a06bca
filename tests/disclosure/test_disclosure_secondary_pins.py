"""Secondary suppression: behaviour pinned for mutation testing (``make mutation``)."""

from __future__ import annotations

from peerbench.disclosure import Table, lines, recoverable_cells
from peerbench.disclosure.secondary import _line_rule, _order

GRID = {
    "r1": {"c1": 30, "c2": 10, "c3": 40},
    "r2": {"c1": 3, "c2": 15, "c3": 50},
    "r3": {"c1": 25, "c2": 11, "c3": 60},
}


def test_the_line_rule_runs_to_a_fixed_point() -> None:
    # Hiding (r2, c1) hides (r2, c2) in its row, then (r3, c1) and (r1, c2) in the
    # columns, which leaves rows r1 and r3 with one hidden cell each: only a second pass
    # over the lines finishes the job.
    table = Table.from_counts(GRID, margins=True)
    hidden = {("r2", "c1")}
    _line_rule(lines(table), hidden, _order(table))
    for line in lines(table):
        assert sum(key in hidden for key in line.members) != 1, line
    assert hidden == {
        ("r2", "c1"),
        ("r2", "c2"),
        ("r3", "c1"),
        ("r1", "c2"),
        ("r1", "c1"),
        ("r3", "c2"),
    }


def test_recoverable_cells_edge_cases() -> None:
    table = Table.from_counts(GRID, margins=True)
    assert recoverable_cells(table, []) == []
    assert recoverable_cells(table, [("Nowhere", "c1")]) == []  # not in any line
    # One hidden cell alone is solved from its row: every unknown is determined.
    assert recoverable_cells(table, [("r2", "c1")]) == [("r2", "c1")]
    # Totals are unknowns too: the grand total is only ever a line's total.
    assert recoverable_cells(table, [("Total", "Total")]) == [("Total", "Total")]
    assert recoverable_cells(table, [("r1", "Total")]) == [("r1", "Total")]
    pair = [("r2", "c1"), ("r2", "c2")]
    assert recoverable_cells(table, pair) == pair  # both solvable from their columns
