"""Secondary suppression: behaviour pinned for mutation testing (``make mutation``)."""

from __future__ import annotations

from peerbench.disclosure import Table, lines, recoverable_cells, secondary_suppression
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


def test_the_bridge_is_closed_by_the_smallest_cell_sharing_a_line() -> None:
    # Two hidden 2x2 blocks joined by (r1, c2): the line rule holds, yet the bridge is
    # solvable. Cells sharing a line with it, smallest first: (r0, c2) = 22 hides it.
    counts = {f"r{i}": {f"c{j}": 20 + i + j for j in range(4)} for i in range(4)}
    table = Table.from_counts(counts, margins=True)
    blocks = {(f"r{i}", f"c{j}") for i, j in ((0, 0), (0, 1), (1, 0), (1, 1))}
    blocks |= {(f"r{i}", f"c{j}") for i, j in ((2, 2), (2, 3), (3, 2), (3, 3))}
    assert secondary_suppression(table, blocks | {("r1", "c2")}) == {("r0", "c2")}


# A table where the first cell tried for a recoverable cell does not protect it, so the
# search over candidates (and its order) decides what else is hidden.
SEARCHED = {
    "r0": {"c0": 67, "c1": 31, "c2": 40, "c3": 12, "c4": 0},
    "r1": {"c0": 71, "c1": 6, "c2": 29, "c3": 68, "c4": 5},
    "r2": {"c0": 2, "c1": 0, "c2": 3, "c3": 19, "c4": 14},
    "r3": {"c0": 2, "c1": 75, "c2": 4, "c3": 5, "c4": 52},
}
SEARCHED_PRIMARY = [
    ("r0", "c4"), ("r1", "c1"), ("r1", "c4"), ("r2", "c0"),
    ("r2", "c2"), ("r3", "c0"), ("r3", "c2"), ("r3", "c3"),
]  # fmt: skip


def test_the_candidate_search_hides_the_first_cell_that_protects() -> None:
    table = Table.from_counts(SEARCHED, margins=True)
    extra = secondary_suppression(table, SEARCHED_PRIMARY)
    assert extra == {("r0", "c1"), ("r0", "c2"), ("r0", "c3")}
    hidden = extra | set(SEARCHED_PRIMARY)
    assert recoverable_cells(table, hidden) == []
    for line in lines(table):
        assert sum(key in hidden for key in line.members) != 1, line


def test_a_fully_hidden_table_needs_nothing_more() -> None:
    table = Table.from_counts(GRID, margins=True)
    everything = [cell.key for cell in table.cells]
    assert secondary_suppression(table, everything) == set()
