"""Secondary suppression: no hidden count can be solved from a table's margins."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.disclosure import (
    DisclosurePolicy,
    Key,
    SuppressionReason,
    Table,
    apply_disclosure,
    lines,
    recoverable_cells,
    secondary_suppression,
)

POLICY = DisclosurePolicy()

COUNTS = {
    "north": {"16-24": 12, "25-44": 3, "45-64": 20},
    "south": {"16-24": 30, "25-44": 40, "45-64": 8},
    "east": {"16-24": 9, "25-44": 25, "45-64": 11},
}


def _hidden(table: Table) -> set[Key]:
    public = apply_disclosure(table, POLICY, viewer_is_owner=False)
    return {cell.key for cell in public.cells if cell.suppressed}


def _determined_by_rank(table: Table, hidden: set[Key]) -> set[Key]:
    """Independent check: x_j is fixed iff adding e_j to the equations keeps the rank."""
    eqs = lines(table)
    unknowns = sorted({k for line in eqs for k in line.members if k in hidden})
    matrix = np.array(
        [
            [1.0 if k in line.interior else (-1.0 if k == line.total else 0.0) for k in unknowns]
            for line in eqs
        ]
    ).reshape(len(eqs), len(unknowns))
    rank = np.linalg.matrix_rank(matrix)
    fixed = set()
    for j, key in enumerate(unknowns):
        unit = np.zeros((1, len(unknowns)))
        unit[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            fixed.add(key)
    return fixed


def _assert_line_rule(table: Table, hidden: set[Key]) -> None:
    for line in lines(table):
        assert sum(k in hidden for k in line.members) != 1, line


def test_two_way_table_with_margins() -> None:
    table = Table.from_counts(COUNTS, margins=True)
    public = apply_disclosure(table, POLICY, viewer_is_owner=False)
    flags = public.flags
    assert flags[("north", "25-44")] is SuppressionReason.SMALL_COUNT
    assert flags[("north", "16-24")] is SuppressionReason.SECONDARY
    assert {k for k, r in flags.items() if r is SuppressionReason.SECONDARY} == {
        ("north", "16-24"),
        ("east", "16-24"),
        ("east", "25-44"),
    }
    hidden = set(flags)
    _assert_line_rule(table, hidden)
    # Every equation a hidden cell appears in has at least two unknowns.
    for line in lines(table):
        unknown = [k for k in line.members if k in hidden]
        assert len(unknown) in (0, 2, 3, 4)
    assert recoverable_cells(table, hidden) == []
    assert _determined_by_rank(table, hidden) == set()
    # Published totals stay published.
    assert not any(key[1] == "Total" or key[0] == "Total" for key in hidden)


def test_brute_force_finds_several_solutions_for_each_hidden_cell() -> None:
    """An intruder who knows every published value exactly still cannot pin a hidden one."""
    small = {
        "north": {"a": 9, "b": 3, "c": 10},
        "south": {"a": 8, "b": 12, "c": 9},
    }
    table = Table.from_counts(small, margins=True)
    hidden = sorted(_hidden(table))
    assert len(hidden) == 4  # kept small: the search below is exhaustive
    assert all("Total" not in key for key in hidden)
    cells = table.by_key
    # Every assignment of the hidden cells within their row totals, checked at once.
    ranges = [np.arange(int(cells[(r, "Total")].value) + 1) for r, _ in hidden]
    grid = np.stack([g.ravel() for g in np.meshgrid(*ranges, indexing="ij")], axis=1)
    ok = np.ones(len(grid), dtype=bool)
    for line in lines(table):
        total = np.zeros(len(grid))
        for key in line.interior:
            total += grid[:, hidden.index(key)] if key in hidden else cells[key].value
        ok &= total == cells[line.total].value
    solutions = grid[ok]
    truth = [cells[key].value for key in hidden]
    assert any((row == truth).all() for row in solutions)
    for j, key in enumerate(hidden):
        assert len(set(solutions[:, j].tolist())) >= 2, key


def test_line_rule_alone_can_leave_a_bridge_that_the_rank_check_catches() -> None:
    counts = {f"r{i}": {f"c{j}": 20 + i + j for j in range(4)} for i in range(4)}
    table = Table.from_counts(counts, margins=True)
    block_a = {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    block_b = {("r2", "c2"), ("r2", "c3"), ("r3", "c2"), ("r3", "c3")}
    bridge = ("r1", "c2")
    hidden = block_a | block_b | {bridge}
    _assert_line_rule(table, hidden)  # the simple rule is satisfied...
    assert recoverable_cells(table, hidden) == [bridge]  # ...yet the bridge is solvable
    assert _determined_by_rank(table, hidden) == {bridge}
    extra = secondary_suppression(table, hidden)
    assert extra
    assert recoverable_cells(table, hidden | extra) == []


def test_single_hidden_cell_in_a_one_way_table_hides_the_next_smallest() -> None:
    table = Table.from_counts({"a": {"n": 4}, "b": {"n": 0}, "c": {"n": 9}, "d": {"n": 50}})
    one_way = Table(
        cells=(*table.cells, *Table.from_counts({"Total": {"n": 63}}).cells),
    )
    hidden = _hidden(one_way)
    # 0 is skipped (zeros are often structural); 9 is the next smallest non-zero cell.
    assert hidden == {("a", "n"), ("c", "n")}


def test_tables_without_margins_need_no_secondary_suppression() -> None:
    table = Table.from_counts(COUNTS)
    assert _hidden(table) == {("north", "25-44")}


def test_statistics_do_not_enter_margin_equations() -> None:
    table = Table.from_counts({"a": {"n": 3}, "b": {"n": 40}})
    assert lines(table) == []


small_tables = st.integers(2, 4).flatmap(
    lambda rows: st.integers(2, 4).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.integers(0, 9), st.integers(0, 60)), min_size=cols, max_size=cols
            ),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(small_tables)
def test_no_line_with_a_published_total_has_exactly_one_hidden_cell(
    grid: list[list[int]],
) -> None:
    counts = {f"r{i}": {f"c{j}": v for j, v in enumerate(row)} for i, row in enumerate(grid)}
    table = Table.from_counts(counts, margins=True)
    hidden = _hidden(table)
    for line in lines(table):
        if line.total not in hidden:
            assert sum(k in hidden for k in line.interior) != 1
    _assert_line_rule(table, hidden)
    assert _determined_by_rank(table, hidden) == set()
    owner = apply_disclosure(table, POLICY, viewer_is_owner=True)
    assert set(owner.flags) == hidden


def _rank_per_column(matrix: np.ndarray) -> list[int]:
    """The slow definition: deleting the column lowers the rank."""
    if matrix.size == 0:
        return []
    rank = int(np.linalg.matrix_rank(matrix))
    return [
        j
        for j in range(matrix.shape[1])
        if int(np.linalg.matrix_rank(np.delete(matrix, j, axis=1))) < rank
    ]


def _line_matrix(table: Table, hidden: set[Key]) -> tuple[list[Key], np.ndarray]:
    """The unknowns and the margin equations' coefficient matrix, written out."""
    all_lines = lines(table)
    unknowns = sorted({k for line in all_lines for k in line.members if k in hidden})
    index = {key: j for j, key in enumerate(unknowns)}
    matrix = np.zeros((len(all_lines), len(unknowns)))
    for i, line in enumerate(all_lines):
        for key in line.interior:
            if key in index:
                matrix[i, index[key]] = 1.0
        if line.total in index:
            matrix[i, index[line.total]] = -1.0
    return unknowns, matrix


def _random_table(rows: int, cols: int, rng: np.random.Generator, drop: float) -> Table:
    """A table with margins, some of whose cells (margins included) are not published."""
    counts = {
        f"r{i}": {f"c{j}": int(rng.integers(0, 40)) for j in range(cols)} for i in range(rows)
    }
    full = Table.from_counts(counts, margins=True)
    kept = tuple(cell for cell in full.cells if rng.random() >= drop)
    return Table(cells=kept or full.cells[:1])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(1, 7),
    cols=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.1, 0.9),
    drop=st.sampled_from([0.0, 0.0, 0.1, 0.3]),
)
def test_recoverable_cells_equal_the_rank_per_column_test(
    rows: int, cols: int, seed: int, density: float, drop: float
) -> None:
    # The bridge search against the definition, on complete and incomplete tables.
    rng = np.random.default_rng(seed)
    table = _random_table(rows, cols, rng, drop)
    hidden = {cell.key for cell in table.cells if rng.random() < density}
    unknowns, matrix = _line_matrix(table, hidden)
    expected = [unknowns[j] for j in _rank_per_column(matrix)]
    assert recoverable_cells(table, hidden) == expected


def _previous_secondary(table: Table, primary: set[Key]) -> set[Key]:
    """Secondary suppression as first written (full sweeps, rank test per trial): the
    fast version must choose exactly the same cells."""
    from peerbench.disclosure.secondary import _order

    all_lines, order = lines(table), _order(table)
    counts = [cell.key for cell in table.cells if cell.kind == "count"]

    def sweep(hidden: set[Key]) -> None:
        changed = True
        while changed:
            changed = False
            for line in all_lines:
                if sum(key in hidden for key in line.members) != 1:
                    continue
                open_interior = [key for key in line.interior if key not in hidden]
                hidden.add(
                    min(open_interior, key=order.__getitem__) if open_interior else line.total
                )
                changed = True

    def solved(hidden: set[Key]) -> list[Key]:
        unknowns, matrix = _line_matrix(table, hidden)
        return [unknowns[j] for j in _rank_per_column(matrix)]

    hidden = set(primary)
    sweep(hidden)
    while found := solved(hidden):
        target = found[0]
        near = {k for line in all_lines if target in line.members for k in line.members}
        candidates = sorted((k for k in near if k not in hidden), key=order.__getitem__)
        candidates = candidates or sorted(
            (k for k in counts if k not in hidden), key=order.__getitem__
        )
        if not candidates:
            break
        chosen = None
        for candidate in candidates:
            trial = hidden | {candidate}
            sweep(trial)
            if target not in solved(trial):
                chosen = trial
                break
        if chosen is None:
            chosen = hidden | {candidates[0]}
            sweep(chosen)
        hidden = chosen
    return hidden - primary


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(1, 7),
    cols=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.02, 0.4),
    drop=st.sampled_from([0.0, 0.0, 0.1, 0.3]),
)
def test_secondary_suppression_chooses_what_the_first_version_chose(
    rows: int, cols: int, seed: int, density: float, drop: float
) -> None:
    rng = np.random.default_rng(seed)
    table = _random_table(rows, cols, rng, drop)
    primary = {cell.key for cell in table.cells if rng.random() < density}
    assert secondary_suppression(table, primary) == _previous_secondary(table, primary)


def test_recoverable_cells_of_a_service_sized_table() -> None:
    # A thousand-row one-column-plus-total table: the fast path's reason to exist.
    rng = np.random.default_rng(3)
    counts = {f"s{i:04d}": {"a": int(rng.integers(0, 30)), "b": 5} for i in range(300)}
    table = Table.from_counts(counts, margins=True)
    hidden = {cell.key for cell in table.cells if cell.value < 8}
    found = recoverable_cells(table, hidden)
    secondary = secondary_suppression(table, hidden)
    assert recoverable_cells(table, hidden | secondary) == []
    assert set(found) <= hidden
