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
   coordinate); with each line a row's or a column's equation, that is exactly a
   hidden cell lying on no cycle of hidden cells: a bridge (:func:`_recoverable`).
   For each recoverable cell, peerbench hides the smallest published cell
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

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from peerbench.disclosure.table import Key, Table


@dataclass(frozen=True)
class Line:
    """One margin equation: ``sum(interior) == total``."""

    interior: tuple[Key, ...]
    total: Key

    @cached_property
    def members(self) -> tuple[Key, ...]:
        """Interior cells followed by the total (built once: the rules read it often)."""
        return (*self.interior, self.total)


def lines(table: Table) -> list[Line]:
    """The margin equations a table publishes (count cells only).

    A row (column) yields a line when it has a ``count`` cell in the total column
    (row) and at least one other ``count`` cell.
    """
    counts = {cell.key for cell in table.cells if cell.kind == "count"}
    return _lines(counts, table.rows, table.cols, table.total_key)


def _lines(
    counts: Collection[Key], rows: Sequence[str], cols: Sequence[str], total: str
) -> list[Line]:
    """:func:`lines` from the count keys and the row and column keys in table order."""
    # One pass over the count keys, bucketed by row and by column: a national group has
    # hundreds of rows and dozens of columns, most pairs of which hold no count.
    row_at = {r: i for i, r in enumerate(rows)}
    col_at = {c: i for i, c in enumerate(cols)}
    by_row: dict[str, list[Key]] = {}
    by_col: dict[str, list[Key]] = {}
    for key in counts:
        r, c = key
        if c != total:
            by_row.setdefault(r, []).append(key)
        if r != total:
            by_col.setdefault(c, []).append(key)
    found: list[Line] = []
    for r in rows:
        if (r, total) in counts and (interior := by_row.get(r)):
            interior.sort(key=lambda key: col_at[key[1]])  # the columns' order
            found.append(Line(tuple(interior), (r, total)))
    for c in cols:
        if (total, c) in counts and (interior := by_col.get(c)):
            interior.sort(key=lambda key: row_at[key[0]])  # the rows' order
            found.append(Line(tuple(interior), (total, c)))
    return found


def _order(table: Table) -> dict[Key, tuple[int, float, int]]:
    """Sort key for choosing the "next smallest" cell: non-zero first, by value, by order."""
    return {cell.key: (int(cell.value == 0), cell.value, i) for i, cell in enumerate(table.cells)}


def _memberships(all_lines: Sequence[Line]) -> dict[Key, list[int]]:
    """The lines each cell belongs to (at most two: its row's and its column's)."""
    found: dict[Key, list[int]] = {}
    for i, line in enumerate(all_lines):
        for key in line.members:
            found.setdefault(key, []).append(i)
    return found


def _line_rule(
    all_lines: Sequence[Line],
    hidden: set[Key],
    order: dict[Key, tuple[int, float, int]],
    member_of: dict[Key, list[int]] | None = None,
) -> None:
    """Apply the line rule in place until no line has exactly one hidden member.

    The rule is defined as sweeps over the lines in table order, each line acting when
    it has exactly one hidden member at its turn, until a sweep changes nothing. Only
    lines that reach one hidden member need a turn, and hidden sets only grow, so a
    line reaches one at most once: a heap of the lines due in this sweep (after the
    current position) and a list of those due in the next give the same cells in the
    same order as full sweeps, in time linear in the table instead of sweeps x lines.
    """
    if member_of is None:
        member_of = _memberships(all_lines)
    counts = [0] * len(all_lines)
    if len(hidden) < len(member_of):  # count from whichever side is smaller
        for key in hidden:
            for j in member_of.get(key, ()):
                counts[j] += 1
    else:
        counts = [sum(key in hidden for key in line.members) for line in all_lines]
    due = [i for i, n in enumerate(counts) if n == 1]  # ascending: already a heap
    later: list[int] = []
    position = -1
    while due or later:
        if not due:
            due, later, position = sorted(later), [], -1
        position = heapq.heappop(due)
        if counts[position] != 1:
            continue
        line = all_lines[position]
        open_interior = [key for key in line.interior if key not in hidden]
        pick = min(open_interior, key=order.__getitem__) if open_interior else line.total
        hidden.add(pick)
        for j in member_of[pick]:
            counts[j] += 1
            if counts[j] == 1:
                if j > position:
                    heapq.heappush(due, j)
                else:
                    later.append(j)


@dataclass(frozen=True)
class Equations:
    """What secondary suppression needs from a table, built once per table.

    Attributes:
        lines: The margin equations (:func:`lines`).
        member_of: The lines each cell belongs to.
        order: Each cell's sort key for "the next smallest" (:func:`_order`).
        counts: The count keys in table order.
    """

    lines: tuple[Line, ...]
    member_of: dict[Key, list[int]]
    order: dict[Key, tuple[int, float, int]]
    counts: tuple[Key, ...]

    @cached_property
    def nodes(self) -> tuple[dict[str, int], dict[str, int], int]:
        """Graph nodes of the rows and columns with a line, and the free node (:func:`_nodes`)."""
        return _nodes(self.lines)


def equations(table: Table) -> Equations:
    """:class:`Equations` of a table (cached as :attr:`Table.equations`)."""
    all_lines = tuple(lines(table))
    return Equations(
        lines=all_lines,
        member_of=_memberships(all_lines),
        order=_order(table),
        counts=tuple(cell.key for cell in table.cells if cell.kind == "count"),
    )


def equations_of(
    keys: Sequence[Key], is_count: Sequence[bool], values: Sequence[float], total: str
) -> Equations:
    """:class:`Equations` of a table given as parallel lists of its cells' keys, whether
    each is a count, and values (in table order): no per-cell objects needed.

    ``order`` holds the count cells only: secondary suppression only ever picks counts.
    """
    where = [i for i, count in enumerate(is_count) if count]
    counts = tuple(keys[i] for i in where)
    rows = list(dict.fromkeys(k[0] for k in keys))
    cols = list(dict.fromkeys(k[1] for k in keys))
    all_lines = tuple(_lines(set(counts), rows, cols, total))
    return Equations(
        lines=all_lines,
        member_of=_memberships(all_lines),
        order={keys[i]: (int(values[i] == 0), values[i], i) for i in where},
        counts=counts,
    )


def recoverable_cells(table: Table, hidden: Collection[Key]) -> list[Key]:
    """Hidden count cells whose exact value follows from the published margins.

    Unknowns are the hidden cells appearing in at least one line. A hidden cell is
    recoverable when every solution of the homogeneous margin equations is zero at it
    (equivalently, deleting its column of the coefficient matrix lowers the rank).
    """
    return sorted(_recoverable(table.equations, set(hidden)))


def _nodes(all_lines: Sequence[Line]) -> tuple[dict[str, int], dict[str, int], int]:
    """Each cell on a line as an edge between its row's node and its column's node.

    Every count cell lies on at most two lines, its row's and its column's, with
    coefficient +1 (interior) or -1 (total). Read rows and columns as the nodes of a
    graph and each hidden cell as an edge between its row and its column: each line is
    one node's equation, and negating the total cells and the column equations turns
    the coefficient matrix into the graph's oriented incidence matrix, which keeps
    which coordinates every solution leaves at zero. Rows or columns without a line
    impose nothing: they merge into one free node (the oriented incidence rows sum to
    zero, so conservation there follows from all the others).

    Returns:
        The node (line index) of each row with a line, of each column with a line, and
        the free node.
    """
    row_node: dict[str, int] = {}
    col_node: dict[str, int] = {}
    for i, line in enumerate(all_lines):
        r, c = line.total
        # A row's line has its total in the total column: its cells share its row.
        if line.interior[0][0] == r:
            row_node[r] = i
        else:
            col_node[c] = i
    return row_node, col_node, len(all_lines)


def _recoverable(built: Equations, hidden: set[Key]) -> set[Key]:
    """:func:`recoverable_cells` on a table's :class:`Equations`, by a bridge search.

    With the hidden cells on a line as edges (:func:`_nodes`), the solutions of the
    margin equations are the graph's cycle space, and a cell is recoverable exactly
    when its edge lies on no cycle: when it is a bridge. A cell joining the free node to
    itself is on a cycle by itself. Linear in the hidden cells, where the rank test was
    an SVD of a lines x unknowns matrix (cubic: minutes with a thousand services). The
    test suite checks it against the rank test on random complete and incomplete tables.
    """
    row_node, col_node, free = built.nodes
    on_line = built.member_of
    unknowns: list[Key] = []
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for key in hidden:
        if key not in on_line:
            continue
        a, b = row_node.get(key[0], free), col_node.get(key[1], free)
        if a == b:
            continue
        e = len(unknowns)
        unknowns.append(key)
        adjacency.setdefault(a, []).append((b, e))
        adjacency.setdefault(b, []).append((a, e))
    # Bridges are a property of the graph, not of the order its edges were listed in.
    return {unknowns[e] for e in _bridges(adjacency)}


def _bridges(adjacency: Mapping[int, list[tuple[int, int]]]) -> set[int]:
    """Edge ids that are bridges of a multigraph (iterative Tarjan, parallel edges kept)."""
    seen: dict[int, int] = {}
    low: dict[int, int] = {}
    found: set[int] = set()
    clock = 0
    for root in adjacency:
        if root in seen:
            continue
        seen[root] = low[root] = clock
        clock += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, edge in, next neighbour
        while stack:
            node, edge_in, k = stack[-1]
            neighbours = adjacency[node]
            if k < len(neighbours):
                stack[-1] = (node, edge_in, k + 1)
                other, edge = neighbours[k]
                if edge == edge_in:
                    continue
                if other not in seen:
                    seen[other] = low[other] = clock
                    clock += 1
                    stack.append((other, edge, 0))
                elif seen[other] < low[node]:
                    low[node] = seen[other]
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
                if low[node] > seen[parent]:
                    found.add(edge_in)
    return found


def secondary_suppression(table: Table, primary: Collection[Key]) -> set[Key]:
    """Count cells to hide in addition to ``primary`` so no hidden count can be solved.

    Args:
        table: The table (its true values choose the "next smallest" cells).
        primary: Keys already hidden (any kind; only counts take part in equations).

    Returns:
        The extra keys to hide (never including ``primary``).
    """
    return suppress(table.equations, primary)


def suppress(built: Equations, primary: Collection[Key]) -> set[Key]:
    """:func:`secondary_suppression` on a table's :class:`Equations`."""
    all_lines, member_of, order, counts = built.lines, built.member_of, built.order, built.counts
    hidden = set(primary)
    if not all_lines:  # no equations: nothing can be solved
        return set()
    _line_rule(all_lines, hidden, order, member_of)
    while solved := _recoverable(built, hidden):
        target = min(solved)  # the first in key order, as recoverable_cells lists them
        near = {k for i in member_of[target] for k in all_lines[i].members}
        candidates = sorted((k for k in near if k not in hidden), key=order.__getitem__)
        if not candidates:
            candidates = sorted((k for k in counts if k not in hidden), key=order.__getitem__)
        if not candidates:  # everything is hidden already; nothing more can help
            break
        chosen: set[Key] | None = None
        for candidate in candidates:
            trial = hidden | {candidate}
            _line_rule(all_lines, trial, order, member_of)
            if target not in _recoverable(built, trial):
                chosen = trial
                break
        if chosen is None:
            chosen = hidden | {candidates[0]}
            _line_rule(all_lines, chosen, order, member_of)
        hidden = chosen
    return hidden - set(primary)
