"""Disclosure control of tables held as plain parallel lists (no per-cell models).

The same rules and results as :func:`~peerbench.disclosure.consistent_suppression` and
:func:`~peerbench.disclosure.suppression_plan` followed by
:func:`~peerbench.disclosure.apply.render` for a non-owner, for callers that build many
large tables from trusted rows (the benchmark: a national group has a thousand rows of
cells, and validating a :class:`~peerbench.disclosure.Cell` and a
:class:`~peerbench.disclosure.ControlledCell` per figure was most of its control time).
Inputs are not validated: the caller guarantees what :class:`~peerbench.disclosure.Cell`
checks (finite values, whole non-negative counts, ``n`` given for non-counts, unique keys).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from functools import cached_property

from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.reasons import SuppressionReason
from peerbench.disclosure.secondary import Equations, equations_of, suppress
from peerbench.disclosure.table import TOTAL, CellKind, Key

_SMALL = SuppressionReason.SMALL_COUNT
_BELOW = SuppressionReason.BELOW_MIN_N
_SECONDARY = SuppressionReason.SECONDARY


@dataclasses.dataclass
class PlainTable:
    """A table as parallel lists, one entry per cell in table order.

    Attributes:
        keys: ``(row, col)`` of each cell.
        kinds: ``count`` | ``statistic`` | ``proportion``.
        values: True values (floats, as :class:`~peerbench.disclosure.Cell` holds them).
        ns: People behind a statistic or proportion (``None`` for counts).
        numerators: A proportion's numerator (``None`` otherwise).
        total_key: The margin key.
    """

    keys: list[Key] = dataclasses.field(default_factory=list)
    kinds: list[CellKind] = dataclasses.field(default_factory=list)
    values: list[float] = dataclasses.field(default_factory=list)
    ns: list[int | None] = dataclasses.field(default_factory=list)
    numerators: list[int | None] = dataclasses.field(default_factory=list)
    total_key: str = TOTAL

    def add(
        self,
        key: Key,
        kind: CellKind,
        value: float,
        n: int | None = None,
        numerator: int | None = None,
    ) -> None:
        """Append a cell (build the table before planning: plans cache its structure)."""
        self.keys.append(key)
        self.kinds.append(kind)
        self.values.append(float(value))
        self.ns.append(n)
        self.numerators.append(numerator)

    @cached_property
    def equations(self) -> Equations:
        """Margin equations and "next smallest" order (as :attr:`Table.equations`)."""
        counts = [kind == "count" for kind in self.kinds]
        return equations_of(self.keys, counts, self.values, self.total_key)

    @cached_property
    def count_keys(self) -> frozenset[Key]:
        """Keys of the count cells."""
        return frozenset(
            k for k, kind in zip(self.keys, self.kinds, strict=True) if kind == "count"
        )


def primary(table: PlainTable, policy: DisclosurePolicy) -> dict[Key, SuppressionReason]:
    """:func:`~peerbench.disclosure.primary_suppression` of a plain table."""
    low, high, min_n = policy.small_count_min, policy.small_count_max, policy.min_n
    found: dict[Key, SuppressionReason] = {}
    cells = zip(table.keys, table.kinds, table.values, table.ns, table.numerators, strict=True)
    for key, kind, value, n, numerator in cells:
        if kind == "count":
            if low <= value <= high:
                found[key] = _SMALL
        elif (int(value) if n is None else n) < min_n:
            found[key] = _BELOW
        elif kind == "proportion" and numerator is not None and low <= numerator <= high:
            found[key] = _SMALL
    return found


def plan(
    table: PlainTable,
    first: Mapping[Key, SuppressionReason],
    forced: Mapping[Key, SuppressionReason] | None = None,
) -> dict[Key, SuppressionReason]:
    """:func:`~peerbench.disclosure.apply.plan_from_primary` of a plain table."""
    out = dict(first)
    if forced:
        present = set(table.keys)
        for key, reason in forced.items():
            if key in present:
                out.setdefault(key, reason)
    if table.count_keys.isdisjoint(out):
        return out  # only counts enter the margin equations: nothing to solve, no equations
    for key in suppress(table.equations, out.keys()):
        out[key] = _SECONDARY
    return out


def consistent_plans(
    tables: Sequence[PlainTable], policy: DisclosurePolicy
) -> list[dict[Key, SuppressionReason]]:
    """The plans of :func:`~peerbench.disclosure.consistent_suppression` (no nested pairs).

    A table is planned again only when the cells forced on it differ from what its last
    plan already hides: a plan hides a set on which secondary suppression adds nothing
    (no line with one hidden member, no hidden cell solvable), so planning from that
    set gives the same plan. Tables of one benchmark group share no keys, so each is
    planned once instead of twice.
    """
    primaries = [primary(table, policy) for table in tables]
    plans = [plan(table, first) for table, first in zip(tables, primaries, strict=True)]
    starts: list[set[Key]] = [set(first) for first in primaries]
    while True:
        forced = {
            key
            for table, found in zip(tables, plans, strict=True)
            for key in found
            if key in table.count_keys
        }
        changed = False
        for i, (table, first) in enumerate(zip(tables, primaries, strict=True)):
            mine = forced & table.count_keys
            start = first.keys() | mine
            if start == starts[i] or start == plans[i].keys():
                continue  # the same start, or the last plan's own fixed point
            plans[i] = plan(table, first, dict.fromkeys(mine, _SECONDARY))
            starts[i] = set(start)
            changed = True
        if not changed:
            return plans


def published(
    table: PlainTable, policy: DisclosurePolicy, found: Mapping[Key, SuppressionReason]
) -> dict[Key, float | int | SuppressionReason]:
    """Each cell as a non-owner sees it: its reason if hidden, else the published value.

    Values as :func:`~peerbench.disclosure.apply.render` publishes them: counts rounded
    (an ``int``), proportions recomputed from rounded counts, statistics unchanged.
    """
    return dict(zip(table.keys, published_values(table, policy, found), strict=True))


def published_values(
    table: PlainTable, policy: DisclosurePolicy, found: Mapping[Key, SuppressionReason]
) -> list[float | int | SuppressionReason]:
    """:func:`published` as a list in table order (no dictionary of cells)."""
    out: list[float | int | SuppressionReason] = []
    append = out.append
    round_count = policy.round_count
    from_rounded = policy.proportions_from_rounded
    get = found.get
    cells = zip(table.keys, table.kinds, table.values, table.ns, table.numerators, strict=True)
    for key, kind, value, n, numerator in cells:
        reason = get(key)
        if reason is not None:
            append(reason)
        elif kind == "count":
            append(round_count(value))
        elif kind == "proportion" and from_rounded and numerator is not None and n is not None:
            shown = round_count(n)
            append(round_count(numerator) / shown if shown else value)
        else:
            append(value)
    return out
