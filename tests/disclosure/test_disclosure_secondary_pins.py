"""Secondary suppression: behaviour pinned for mutation testing (``make mutation``)."""

from __future__ import annotations

from peerbench.disclosure import Table, lines, recoverable_cells, secondary_suppression
from peerbench.disclosure.secondary import _line_rule, _order
from peerbench.disclosure.table import Cell

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


def _cells(rows: dict[str, dict[str, float]]) -> Table:
    """A table with only the cells given (an incomplete table: some margins unpublished)."""
    cells = [
        Cell(row=r, col=c, value=v, kind="statistic", n=10)
        if c == "mean"
        else Cell(row=r, col=c, value=v)
        for r, row in rows.items()
        for c, v in row.items()
    ]
    return Table(cells=tuple(cells))


def test_a_recoverable_cell_with_every_line_hidden_is_protected_from_elsewhere() -> None:
    # Column c0 has no total and row r1 no total, so four lines:
    #   r0c0 + r0c1 = r0T,  Tc1 = TT,  r0c1 + r1c1 = Tc1,  r0T = TT.
    # The line rule hides r0c1, Tc1 and r0T; then r0c0 = r0T - r0c1 = TT - (Tc1 - r1c1)
    # = r1c1 = 13 is solved, and every cell sharing a line with it is already hidden.
    # The fallback tries the other counts, smallest first: (r1, c0) = 2 is in no line
    # (hiding it cannot help), (r1, c1) = 13 makes r0c0 unknown. The statistic cell,
    # first in table order, is never a candidate.
    table = _cells(
        {
            "r0": {"mean": 1.5, "c0": 13, "c1": 30, "Total": 43},
            "r1": {"c0": 2, "c1": 13},
            "Total": {"c1": 43, "Total": 43},
        }
    )
    primary = {("Total", "Total"), ("r0", "c0")}
    extra = secondary_suppression(table, primary)
    assert extra == {("r0", "c1"), ("Total", "c1"), ("r0", "Total"), ("r1", "c1")}
    assert recoverable_cells(table, primary | extra) == []


def test_a_cell_the_table_shape_fixes_stays_recoverable_once_everything_is_hidden() -> None:
    # Column c0 has no total, so r0T + r1T = TT = Tc1 = r0c1 + r1c1 with r1c1 = r1T:
    # r0T = r0c1 and the shape alone fixes r0c0 = 0, however much is hidden. The line
    # rule hides r0c0, r1T and r0T; every cell sharing a line with r0c0 is then hidden,
    # no other count protects it, so the fallback hides the smallest, (Total, c1) (its
    # line takes the grand total with it), and stops once every count is hidden.
    table = _cells(
        {
            "r0": {"c0": 0, "c1": 30, "Total": 30},
            "r1": {"c1": 3, "Total": 3},
            "Total": {"c1": 33, "Total": 33},
        }
    )
    primary = {("r0", "c1"), ("r1", "c1")}
    extra = secondary_suppression(table, primary)
    everything = {cell.key for cell in table.cells}
    assert extra == everything - primary
    assert recoverable_cells(table, everything) == [("r0", "c0")]


def test_when_no_cell_sharing_a_line_protects_the_first_is_hidden_and_the_search_goes_on() -> None:
    # No grand total and no (r2, c1). The line rule leaves r1c0 + r2c0 solved (from rows
    # r1 and r2 and column c2), so the hidden column total (Total, c0) is recoverable.
    # Neither published cell of column c0 protects it on its own: (r3, c0) = 2 comes
    # first (non-zero before zero), so it is hidden and the loop goes on from there.
    table = _cells(
        {
            "r0": {"c0": 0, "c1": 13, "c2": 30, "Total": 43},
            "r1": {"c0": 2, "c1": 20, "c2": 8, "Total": 30},
            "r2": {"c0": 0, "c2": 5, "Total": 5},
            "r3": {"c0": 2, "c1": 3, "c2": 13, "Total": 18},
            "Total": {"c0": 4, "c1": 36, "c2": 56},
        }
    )
    primary = {("Total", "c0"), ("r2", "c0")}
    extra = secondary_suppression(table, primary)
    assert extra == {
        ("r0", "c0"), ("r0", "c1"), ("r0", "c2"), ("r1", "c0"), ("r1", "c2"),
        ("r2", "Total"), ("r2", "c2"), ("r3", "c0"), ("r3", "c1"),
    }  # fmt: skip
    assert recoverable_cells(table, primary | extra) == []
