"""Consistent suppression across related tables (the differencing attack)."""

from __future__ import annotations

import pytest

from peerbench.disclosure import (
    DisclosurePolicy,
    Key,
    SuppressionReason,
    Table,
    apply_disclosure,
    consistent_suppression,
    recoverable_cells,
    small_differences,
)

POLICY = DisclosurePolicy()
NETWORK = {
    "anxiety": {"improved": 40, "not improved": 22},
    "depression": {"improved": 35, "not improved": 18},
    "psychosis": {"improved": 25, "not improved": 22},
}
# The same network without one service, which contributed 3 people to anxiety/improved.
WITHOUT_SERVICE = {
    "anxiety": {"improved": 37, "not improved": 10},
    "depression": {"improved": 20, "not improved": 8},
    "psychosis": {"improved": 15, "not improved": 12},
}


def _tables() -> tuple[Table, Table]:
    return (
        Table.from_counts(NETWORK, name="network", margins=True),
        Table.from_counts(WITHOUT_SERVICE, name="network minus S", margins=True),
    )


def _hidden(table: object) -> set[Key]:
    from peerbench.disclosure import ControlledTable

    assert isinstance(table, ControlledTable)
    return {c.key for c in table.cells if c.suppressed}


def test_separately_controlled_tables_leak_by_differencing() -> None:
    parent, child = _tables()
    # Neither table has a small count, so each alone publishes everything...
    assert not apply_disclosure(parent, POLICY, viewer_is_owner=False).flags
    assert not apply_disclosure(child, POLICY, viewer_is_owner=False).flags
    # ...but their difference contains small counts (the one service's own figures).
    assert small_differences(parent, child, POLICY) == {("anxiety", "improved")}


def test_consistent_suppression_hides_small_differences_in_both_tables() -> None:
    parent, child = _tables()
    out_parent, out_child = consistent_suppression([parent, child], POLICY, nested=[(0, 1)])
    hidden_parent, hidden_child = _hidden(out_parent), _hidden(out_child)
    assert hidden_parent == hidden_child
    assert small_differences(parent, child, POLICY) <= hidden_parent
    assert out_parent.flags[("anxiety", "improved")] is SuppressionReason.SECONDARY
    # Each table, and so their difference (same pattern, same equations), stays unsolvable.
    assert recoverable_cells(parent, hidden_parent) == []
    diff = Table.from_counts(
        {r: {c: NETWORK[r][c] - WITHOUT_SERVICE[r][c] for c in NETWORK[r]} for r in NETWORK},
        margins=True,
    )
    assert recoverable_cells(diff, hidden_parent) == []
    # Every published cell of the implied difference table is not a small count.
    for key, cell in diff.by_key.items():
        if key not in hidden_parent:
            assert not POLICY.is_small_count(cell.value), key


def test_a_cell_hidden_in_one_table_is_hidden_in_all() -> None:
    area_a = Table.from_counts({"x": {"yes": 5, "no": 30}, "y": {"yes": 40, "no": 25}}, name="a")
    area_b = Table.from_counts({"x": {"yes": 12, "no": 30}, "y": {"yes": 41, "no": 26}}, name="b")
    out_a, out_b = consistent_suppression([area_a, area_b], POLICY)
    assert out_a.flags[("x", "yes")] is SuppressionReason.SMALL_COUNT
    assert out_b.flags[("x", "yes")] is SuppressionReason.SECONDARY
    assert _hidden(out_a) == _hidden(out_b) == {("x", "yes")}


def test_owner_view_of_consistent_tables_flags_without_hiding() -> None:
    parent, child = _tables()
    owner = consistent_suppression([parent, child], POLICY, nested=[(0, 1)], viewer_is_owner=True)
    assert not _hidden(owner[0])
    assert ("anxiety", "improved") in owner[0].flags


def test_non_nested_pair_is_refused() -> None:
    parent, child = _tables()
    with pytest.raises(ValueError, match="not nested"):
        consistent_suppression([child, parent], POLICY, nested=[(0, 1)])
