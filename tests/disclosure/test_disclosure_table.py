"""What a table derives from its cells is computed once and does not change the table."""

from __future__ import annotations

from peerbench.disclosure import DisclosurePolicy, SuppressionReason, Table, suppression_plan
from peerbench.disclosure.apply import plan_from_primary
from peerbench.disclosure.primary import primary_suppression
from peerbench.disclosure.secondary import _memberships, _order, equations, lines

COUNTS = {
    "a": {"x": 3, "y": 40, "z": 0},
    "b": {"x": 25, "y": 2, "z": 17},
    "c": {"x": 12, "y": 30, "z": 9},
}


def _table() -> Table:
    return Table.from_counts(COUNTS, name="t", margins=True)


def test_derived_values_are_built_once_and_match_a_fresh_build() -> None:
    table = _table()
    assert table.by_key is table.by_key
    assert table.equations is table.equations
    assert table.by_key == {cell.key: cell for cell in table.cells}
    assert table.count_keys == {cell.key for cell in table.cells if cell.kind == "count"}
    built = table.equations
    assert built == equations(_table())
    assert list(built.lines) == lines(table)
    assert built.order == _order(table)
    assert built.member_of == _memberships(lines(table))
    assert built.counts == tuple(cell.key for cell in table.cells)


def test_cached_values_do_not_change_equality_or_the_dump() -> None:
    used, fresh = _table(), _table()
    _ = used.by_key, used.count_keys, used.equations
    assert used == fresh
    assert used.model_dump() == fresh.model_dump()
    assert "equations" not in used.model_dump()


def test_plan_from_primary_is_the_suppression_plan() -> None:
    table, policy = _table(), DisclosurePolicy()
    forced = {("c", "z"): SuppressionReason.SECONDARY}
    for given in (None, forced):
        expected = suppression_plan(table, policy, forced=given)
        assert plan_from_primary(table, primary_suppression(table, policy), given) == expected
    assert ("a", "x") in suppression_plan(table, policy)  # 3 is a small count
