"""Plain consistent plans equal the model path when tables share keys (replanning skipped)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.disclosure import (
    DisclosurePolicy,
    Key,
    SuppressionReason,
    Table,
    consistent_suppression,
    plain,
)
from peerbench.disclosure.plain import PlainTable

POLICY = DisclosurePolicy()

# Values around the small-count range, so primary, forced and secondary cells all occur.
_grid = st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=2, max_size=4)


def _plain(table: Table) -> PlainTable:
    out = PlainTable()
    for cell in table.cells:
        out.add(cell.key, cell.kind, cell.value)
    return out


def _seen(table: Table, plan: dict[Key, SuppressionReason]) -> dict[Key, object]:
    return {c.key: plan.get(c.key, POLICY.round_count(c.value)) for c in table.cells}


@settings(max_examples=30, deadline=None)
@given(st.lists(_grid, min_size=2, max_size=3), st.booleans())
def test_plans_of_tables_sharing_keys_match_consistent_suppression(
    grids: list[list[list[int]]], margins_on_first_only: bool
) -> None:
    # Tables over the same rows and columns (e.g. one network and a subset of it): a
    # cell hidden in one is forced in the others, so tables are planned again until the
    # patterns agree; a table is skipped only when its forced cells did not change.
    models = [
        Table.from_counts(
            {f"r{i}": {f"c{j}": v for j, v in enumerate(row)} for i, row in enumerate(grid)},
            name=f"t{k}",
            margins=k == 0 or not margins_on_first_only,
        )
        for k, grid in enumerate(grids)
    ]
    expected = []
    for model, controlled in zip(models, consistent_suppression(models, POLICY), strict=True):
        flags = {c.key: c.flag.reason for c in controlled.cells if c.flag is not None}
        expected.append(_seen(model, flags))
    tables = [_plain(model) for model in models]
    plans = plain.consistent_plans(tables, POLICY)
    assert [_seen(m, p) for m, p in zip(models, plans, strict=True)] == expected
    hidden = [{k for k in p if k in t.count_keys} for t, p in zip(tables, plans, strict=True)]
    for keys in hidden:
        for other, table in zip(hidden, tables, strict=True):
            assert keys & table.count_keys <= other  # the same pattern on shared keys
