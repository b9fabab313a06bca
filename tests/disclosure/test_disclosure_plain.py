"""Plain-list control gives exactly what the model-based path publishes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.disclosure import (
    TOTAL,
    Cell,
    ControlledTable,
    DisclosurePolicy,
    Key,
    SuppressionReason,
    Table,
    consistent_suppression,
    plain,
    suppression_plan,
)
from peerbench.disclosure.apply import render
from peerbench.disclosure.plain import PlainTable

POLICY = DisclosurePolicy()
PARTS = ("a", "b", "c")

# Each service: its margin parts, one extra count, a statistic and its n, a proportion.
_service = st.tuples(
    st.lists(st.integers(0, 40), min_size=3, max_size=3),
    st.integers(0, 40),
    st.floats(-5, 5, allow_nan=False),
    st.integers(0, 60),
    st.integers(0, 30),
)


def _both(
    services: list[tuple[list[int], int, float, int, int]],
) -> tuple[list[Table], list[PlainTable]]:
    """The group's tables as models and as plain lists (services, then the Total row)."""
    rows = [(f"s{i}", *s) for i, s in enumerate(services)]
    parts = [sum(s[0][j] for s in services) for j in range(3)]
    extra = sum(s[1] for s in services)
    rows.append(
        (TOTAL, parts, extra, 0.5, sum(s[3] for s in services), sum(s[4] for s in services))
    )
    margin: list[Cell] = []
    columns: list[Cell] = []
    margin_plain, columns_plain = PlainTable(), PlainTable()
    for label, counts, count, stat, n, k in rows:
        for col, value in (*zip(PARTS, counts, strict=True), (TOTAL, sum(counts))):
            margin.append(Cell(row=label, col=col, value=value))
            margin_plain.add((label, col), "count", value)
        columns.append(Cell(row=label, col="extra", value=count))
        columns_plain.add((label, "extra"), "count", count)
        columns.append(Cell(row=label, col="mean", value=stat, kind="statistic", n=n))
        columns_plain.add((label, "mean"), "statistic", stat, n=n)
        size = max(n, k)
        if size:
            share = Cell(
                row=label, col="share", value=k / size, kind="proportion", n=size, numerator=k
            )
            columns.append(share)
            columns_plain.add((label, "share"), "proportion", k / size, n=size, numerator=k)
    models = [
        Table(name="margins", cells=tuple(margin)),
        Table(name="columns", cells=tuple(columns)),
    ]
    return models, [margin_plain, columns_plain]


def _seen(table: ControlledTable) -> dict[Key, float | SuppressionReason]:
    return {
        c.key: c.flag.reason if c.suppressed and c.flag else c.value  # type: ignore[misc]
        for c in table.cells
    }


@settings(max_examples=50, derandomize=True, deadline=None)
@given(st.lists(_service, min_size=1, max_size=6))
def test_plain_consistent_plans_publish_what_consistent_suppression_does(
    services: list[tuple[list[int], int, float, int, int]],
) -> None:
    models, plains = _both(services)
    expected = [_seen(t) for t in consistent_suppression(models, POLICY)]
    plans = plain.consistent_plans(plains, POLICY)
    got = [plain.published(t, POLICY, p) for t, p in zip(plains, plans, strict=True)]
    assert got == expected


@settings(max_examples=30, derandomize=True, deadline=None)
@given(st.lists(_service, min_size=1, max_size=5), st.sampled_from((*PARTS, "extra")))
def test_plain_plan_with_forced_cells_matches_suppression_plan(
    services: list[tuple[list[int], int, float, int, int]], col: str
) -> None:
    models, plains = _both(services)
    forced = {
        ("s0", col): SuppressionReason.SECONDARY,
        ("absent", col): SuppressionReason.SECONDARY,
    }
    for model, table in zip(models, plains, strict=True):
        expected = _seen(
            render(
                model, POLICY, suppression_plan(model, POLICY, forced=forced), viewer_is_owner=False
            )
        )
        found = plain.plan(table, plain.primary(table, POLICY), forced)
        assert plain.published(table, POLICY, found) == expected
