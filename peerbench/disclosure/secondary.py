"""Secondary suppression: hide enough other counts that no hidden count can be solved.

A table with margins publishes linear equations. For every row ``r`` that has a
total cell ``(r, T)``: ``sum of count cells (r, c), c != T  ==  (r, T)``; likewise for
every column, and for the margin row and column themselves (the column totals sum to
the grand total). Each equation is a *line*: its interior cells plus its total.

Algorithm (:func:`secondary_suppression`):

1. *Line rule*, iterated to a fixed point: in any line where exactly one member is
   suppressed, also suppress the smallest other member. "Smallest" orders interior
   cells by value, preferring non-zero cells (zeros are often known to be structural,
   so hiding them protects little) and falling back to zeros, then the total itself;
   ties go to the earlier cell in table order.
2. *Exact-recovery check*: the line rule alone is not sufficient. Two suppressed blocks
   joined by a single suppressed cell satisfy it, yet adding the row equations of one
   block and subtracting its column equations isolates the joining cell. So the
   hidden cells are treated as unknowns in the line equations and a hidden cell counts
   as *recoverable* when its unit vector lies in the row space of the unknowns'
   coefficient matrix (equivalently, every null-space vector is zero in that
   coordinate). For each recoverable cell, peerbench hides the smallest published cell
   sharing a line with it whose suppression (after re-running step 1) makes it
   unrecoverable, or failing that the smallest such cell, and repeats until no hidden
   cell is recoverable. Each round hides at least one more cell, so this ends.
   In an incomplete table (a margin or a cell not published) every cell sharing a line
   with the recoverable one may already be hidden; then the candidates are all
   published counts. The shape of such a table can also fix a cell by itself (say,
   column c0 has one cell and no total, and the grand total is also column c1's
   total: that cell must be 0): no suppression protects it, and the loop stops once
   every count is hidden.

Limits, stated honestly: the guarantee is against *exact* recovery from the table's
own linear equations. It does not bound what an intruder can infer from
non-negativity (a hidden cell in a line whose total is small has a narrow range),
from rounded published values (they make the equations approximate, which helps), from
statistics or proportions that reveal counts, or from other publications; for
differencing between tables use
:func:`peerbench.disclosure.consistency.consistent_suppression`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from peerbench.disclosure.table import Key, Table


@dataclass(frozen=True)
class Line:
    """One margin equation: ``sum(interior) == total``."""

    interior: tuple[Key, ...]
    total: Key

    @property
    def members(self) -> tuple[Key, ...]:
        """Interior cells followed by the total."""
        return (*self.interior, self.total)


def lines(table: Table) -> list[Line]:
    """The margin equations a table publishes (count cells only).

    A row (column) yields a line when it has a ``count`` cell in the total column
    (row) and at least one other ``count`` cell.
    """
    counts = {cell.key for cell in table.cells if cell.kind == "count"}
    total = table.total_key
    # Row and column keys once (each property walks every cell): with a thousand
    # services, asking for them inside the loops made this quadratic in the cells.
    rows, cols = table.rows, table.cols
    found: list[Line] = []
    for r in rows:
        interior = tuple((r, c) for c in cols if c != total and (r, c) in counts)
        if (r, total) in counts and interior:
            found.append(Line(interior, (r, total)))
    for c in cols:
        interior = tuple((r, c) for r in rows if r != total and (r, c) in counts)
        if (total, c) in counts and interior:
            found.append(Line(interior, (total, c)))
    return found


def _order(table: Table) -> dict[Key, tuple[int, float, int]]:
    """Sort key for choosing the "next smallest" cell: non-zero first, by value, by order."""
    return {cell.key: (int(cell.value == 0), cell.value, i) for i, cell in enumerate(table.cells)}


def _line_rule(
    all_lines: Iterable[Line], hidden: set[Key], order: dict[Key, tuple[int, float, int]]
) -> None:
    """Apply the line rule in place until no line has exactly one hidden member."""
    todo = list(all_lines)
    changed = True
    while changed:
        changed = False
        for line in todo:
            if sum(key in hidden for key in line.members) != 1:
                continue
            open_interior = [key for key in line.interior if key not in hidden]
            pick = min(open_interior, key=order.__getitem__) if open_interior else line.total
            hidden.add(pick)
            changed = True


def _rank(matrix: np.ndarray[tuple[int, int], np.dtype[np.float64]]) -> int:
    """Rank of a matrix, 0 when it has no entries (numpy's ``matrix_rank`` needs some)."""
    return int(np.linalg.matrix_rank(matrix)) if matrix.size else 0


def recoverable_cells(table: Table, hidden: Collection[Key]) -> list[Key]:
    """Hidden count cells whose exact value follows from the published margins.

    Unknowns are the hidden cells appearing in at least one line; the coefficient
    matrix has one row per line (+1 for interior cells, -1 for the total). A hidden
    cell is recoverable when every null-space vector is zero at its coordinate, which
    is the same as: deleting its column lowers the matrix rank (a null-space vector
    non-zero there would survive as a dependency among the other columns otherwise).
    numpy's rank tolerance is ample here: the entries are 0 and ±1, so the singular
    values are exactly 0 (to rounding, about 1e-15) or far from it.
    """
    all_lines = lines(table)
    hidden_set = set(hidden)
    unknowns = sorted({k for line in all_lines for k in line.members if k in hidden_set})
    index = {key: j for j, key in enumerate(unknowns)}
    matrix = np.zeros((len(all_lines), len(unknowns)))
    for i, line in enumerate(all_lines):
        for key in line.interior:
            if key in index:
                matrix[i, index[key]] = 1.0
        if line.total in index:
            matrix[i, index[line.total]] = -1.0
    return [unknowns[j] for j in _independent_columns(matrix)]


_ZERO, _NON_ZERO = 1e-9, 1e-6
"""A null-space row below ``_ZERO`` is zero, above ``_NON_ZERO`` it is not; in between
the column is decided by the rank test itself."""


def _independent_columns(matrix: np.ndarray[tuple[int, int], np.dtype[np.float64]]) -> list[int]:
    """Columns whose deletion lowers the rank of ``matrix``: those at which every
    null-space vector is zero.

    One SVD gives the null space (the right singular vectors past the rank, with
    ``matrix_rank``'s own tolerance), instead of one rank per column: with a thousand
    services that was hundreds of SVDs per call. A column whose null-space row is
    neither clearly zero nor clearly not (never seen with 0/±1 entries) falls back to
    the per-column rank test, so the answer is always the rank test's.
    """
    if matrix.size == 0:
        return []  # no equations: nothing can be solved
    rank = _rank(matrix)
    _, _, vt = np.linalg.svd(matrix)
    null = vt[rank:]  # rows span the null space
    weight = np.abs(null).max(axis=0) if null.shape[0] else np.zeros(matrix.shape[1])
    undecided = [j for j, w in enumerate(weight) if _ZERO < w < _NON_ZERO]
    slow = {j for j in undecided if _rank(np.delete(matrix, j, axis=1)) < rank}
    return [j for j, w in enumerate(weight) if w <= _ZERO or j in slow]


def secondary_suppression(table: Table, primary: Collection[Key]) -> set[Key]:
    """Count cells to hide in addition to ``primary`` so no hidden count can be solved.

    Args:
        table: The table (its true values choose the "next smallest" cells).
        primary: Keys already hidden (any kind; only counts take part in equations).

    Returns:
        The extra keys to hide (never including ``primary``).
    """
    all_lines = lines(table)
    order = _order(table)
    counts = [cell.key for cell in table.cells if cell.kind == "count"]
    hidden = set(primary)
    _line_rule(all_lines, hidden, order)
    while solved := recoverable_cells(table, hidden):
        target = solved[0]
        near = {k for line in all_lines if target in line.members for k in line.members}
        candidates = sorted((k for k in near if k not in hidden), key=order.__getitem__)
        if not candidates:
            candidates = sorted((k for k in counts if k not in hidden), key=order.__getitem__)
        if not candidates:  # everything is hidden already; nothing more can help
            break
        chosen: set[Key] | None = None
        for candidate in candidates:
            trial = hidden | {candidate}
            _line_rule(all_lines, trial, order)
            if target not in recoverable_cells(table, trial):
                chosen = trial
                break
        if chosen is None:
            chosen = hidden | {candidates[0]}
            _line_rule(all_lines, chosen, order)
        hidden = chosen
    return hidden - set(primary)
