"""Suppression that holds across several published tables (the differencing attack).

If a network's table and the same network minus one service are both published, the
difference of matching cells is that service's own table. Two safeguards are applied
together, repeatedly, until nothing changes:

1. *Same pattern everywhere*: a count cell hidden in any table is hidden in every
   table that has a cell with the same ``(row, col)`` key. So for any shared key the
   cell is either published in all tables or hidden in all of them.
2. *Small differences*: for each declared nested pair ``(parent, child)`` (the child's
   people are a subset of the parent's, e.g. "network" and "network without service
   S"), the implied difference ``parent - child`` is computed for each shared count
   cell; a difference in the policy's small-count range hides that key in every table.

Each table then gets its own secondary suppression (which may hide more keys, which
rule 1 spreads again). At the fixed point, tables with the same keys and margins have
identical suppression patterns, and each pattern leaves no hidden cell recoverable from
its margin equations. The difference of two such tables has the same cells hidden and
the same equations, so a cell hidden in it cannot be recovered either, and every cell
of it that is published is, by rule 2, not a small count.

Limits, stated honestly:

* Only tables passed together are protected; a table published earlier or elsewhere
  must be included to be taken into account.
* Only declared nested pairs are checked for small differences; combinations of three
  or more tables (``A - B - C``) are not checked beyond their pairwise patterns.
* Cells are matched by exact ``(row, col)`` keys. Groupings with different categories
  (e.g. age bands 18–24 and 18–29) are not reconciled; publish them on common keys.
* The guarantee is against exact recovery from linear equations, not against bounds
  from non-negativity or from rounded values (see
  :mod:`peerbench.disclosure.secondary`).
"""

from __future__ import annotations

from collections.abc import Sequence

from peerbench.disclosure.apply import plan_from_primary, render
from peerbench.disclosure.controlled import ControlledTable
from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.primary import primary_suppression
from peerbench.disclosure.reasons import SuppressionReason
from peerbench.disclosure.table import Key, Table


def _count_keys(table: Table) -> frozenset[Key]:
    return table.count_keys


def small_differences(parent: Table, child: Table, policy: DisclosurePolicy) -> set[Key]:
    """Shared count keys where ``parent - child`` is a small count.

    Raises:
        ValueError: If a child count exceeds its parent (the pair is not nested).
    """
    parent_cells, child_cells = parent.by_key, child.by_key
    found: set[Key] = set()
    for key in _count_keys(parent) & _count_keys(child):
        diff = parent_cells[key].value - child_cells[key].value
        if diff < 0:
            raise ValueError(
                f"tables {parent.name!r} and {child.name!r} are not nested: cell {key!r} "
                f"is larger in the child ({child_cells[key].value:g} > "
                f"{parent_cells[key].value:g})"
            )
        if policy.is_small_count(diff):
            found.add(key)
    return found


def consistent_suppression(
    tables: Sequence[Table],
    policy: DisclosurePolicy,
    *,
    nested: Sequence[tuple[int, int]] = (),
    viewer_is_owner: bool = False,
) -> list[ControlledTable]:
    """Control several related tables together so differencing reveals nothing hidden.

    Args:
        tables: Tables that will be published together and share categories.
        policy: The disclosure rules.
        nested: ``(parent_index, child_index)`` pairs where the child's people are a
            subset of the parent's; their small differences are hidden too.
        viewer_is_owner: As in :func:`~peerbench.disclosure.apply_disclosure`.

    Returns:
        One controlled table per input, in the same order.
    """
    diff_keys: set[Key] = set()
    for parent, child in nested:
        diff_keys |= small_differences(tables[parent], tables[child], policy)
    forced: set[Key] = set(diff_keys)
    count_keys = [_count_keys(table) for table in tables]  # once, not per cell
    primaries = [primary_suppression(table, policy) for table in tables]  # once, not per round
    while True:
        plans = [
            plan_from_primary(
                table, primary, dict.fromkeys(forced & keys, SuppressionReason.SECONDARY)
            )
            for table, keys, primary in zip(tables, count_keys, primaries, strict=True)
        ]
        hidden = {
            key for keys, plan in zip(count_keys, plans, strict=True) for key in plan if key in keys
        }
        if hidden | diff_keys == forced:
            break
        forced = hidden | diff_keys
    return [
        render(table, policy, plan, viewer_is_owner=viewer_is_owner)
        for table, plan in zip(tables, plans, strict=True)
    ]
