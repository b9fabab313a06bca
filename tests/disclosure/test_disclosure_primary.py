"""Primary suppression, rounding, minimum n, proportions and the owner view."""

from __future__ import annotations

import pytest

from peerbench.disclosure import (
    Cell,
    DisclosurePolicy,
    Suppressed,
    SuppressionReason,
    Table,
    apply_disclosure,
)

POLICY = DisclosurePolicy()


def _single(cell: Cell, *, owner: bool = False) -> float | Suppressed:
    table = Table(cells=(cell,))
    return apply_disclosure(table, POLICY, viewer_is_owner=owner).value(cell.row, cell.col)


@pytest.mark.parametrize("count", range(1, 8))
def test_counts_one_to_seven_are_suppressed(count: int) -> None:
    value = _single(Cell(row="a", col="n", value=count))
    assert isinstance(value, Suppressed)
    assert value.reason is SuppressionReason.SMALL_COUNT
    assert str(value) == "*"


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, 0), (8, 10), (12, 10), (13, 15), (15, 15), (17, 15), (18, 20), (1234, 1235)],
)
def test_other_counts_round_to_nearest_five(count: int, published: int) -> None:
    assert _single(Cell(row="a", col="n", value=count)) == published


def test_rounding_base_is_configurable() -> None:
    policy = DisclosurePolicy(rounding_base=10)
    assert [policy.round_count(v) for v in (0, 8, 14, 15, 26)] == [0, 10, 10, 20, 30]
    assert DisclosurePolicy(rounding_base=1).round_count(13) == 13


def test_suppression_is_decided_before_rounding() -> None:
    # 7 would round to 5 and 8 to 10: the decision uses the true value, not the rounded one.
    table = Table(cells=(Cell(row="a", col="n", value=7), Cell(row="b", col="n", value=8)))
    out = apply_disclosure(table, POLICY, viewer_is_owner=False)
    assert isinstance(out.value("a", "n"), Suppressed)
    assert out.value("b", "n") == 10


@pytest.mark.parametrize(("n", "hidden"), [(1, True), (9, True), (10, False), (50, False)])
def test_statistics_need_minimum_n(n: int, hidden: bool) -> None:
    value = _single(Cell(row="a", col="mean", value=3.25, kind="statistic", n=n))
    if hidden:
        assert isinstance(value, Suppressed)
        assert value.reason is SuppressionReason.BELOW_MIN_N
        assert "10" in value.message
    else:
        assert value == 3.25


def test_minimum_n_is_configurable() -> None:
    table = Table(cells=(Cell(row="a", col="mean", value=1.5, kind="statistic", n=12),))
    strict = apply_disclosure(table, DisclosurePolicy(min_n=20), viewer_is_owner=False)
    assert isinstance(strict.value("a", "mean"), Suppressed)


def test_published_statistic_n_is_rounded_and_suppressed_n_is_hidden() -> None:
    table = Table(
        cells=(
            Cell(row="a", col="mean", value=2.0, kind="statistic", n=23),
            Cell(row="b", col="mean", value=2.0, kind="statistic", n=6),
        )
    )
    out = apply_disclosure(table, POLICY, viewer_is_owner=False)
    assert out.cell("a", "mean").n == 25
    assert out.cell("b", "mean").n is None


def test_proportion_is_computed_from_rounded_counts() -> None:
    cell = Cell(row="a", col="recovered", value=13 / 22, kind="proportion", n=22, numerator=13)
    assert _single(cell) == pytest.approx(15 / 20)
    raw = Table(cells=(cell,))
    policy = DisclosurePolicy(proportions_from_rounded=False)
    assert apply_disclosure(raw, policy, viewer_is_owner=False).value(
        "a", "recovered"
    ) == pytest.approx(13 / 22)


def test_proportion_with_small_numerator_or_small_n_is_suppressed() -> None:
    small_num = Cell(row="a", col="p", value=3 / 40, kind="proportion", n=40, numerator=3)
    small_n = Cell(row="a", col="p", value=0.5, kind="proportion", n=8, numerator=4)
    first, second = _single(small_num), _single(small_n)
    assert isinstance(first, Suppressed)
    assert first.reason is SuppressionReason.SMALL_COUNT
    assert isinstance(second, Suppressed)
    assert second.reason is SuppressionReason.BELOW_MIN_N


def test_national_totals_are_not_rounded_by_default() -> None:
    cell = Cell(row="England", col="n", value=1234, national=True)
    assert _single(cell) == 1234
    table = Table(cells=(cell,))
    policy = DisclosurePolicy(round_national_totals=True)
    assert apply_disclosure(table, policy, viewer_is_owner=False).value("England", "n") == 1235


def test_owner_sees_true_values_with_warnings() -> None:
    table = Table.from_counts({"a": {"x": 3, "y": 12}, "b": {"x": 22, "y": 31}}, margins=True)
    owner = apply_disclosure(table, POLICY, viewer_is_owner=True)
    public = apply_disclosure(table, POLICY, viewer_is_owner=False)
    assert [c.value for c in owner.cells] == [c.value for c in table.cells]
    assert owner.flags == public.flags
    assert owner.flags[("a", "x")] is SuppressionReason.SMALL_COUNT
    assert not any(c.suppressed for c in owner.cells)
    assert {c.key for c in public.cells if c.suppressed} == set(public.flags)


def test_to_dict_marks_suppressed_cells_explicitly() -> None:
    table = Table(cells=(Cell(row="a", col="n", value=4), Cell(row="b", col="n", value=40)))
    data = apply_disclosure(table, POLICY, viewer_is_owner=False).to_dict()
    first, second = data["cells"]
    assert first["value"] == "*"
    assert first["reason"] == "small-count"
    assert first["suppressed"] is True
    assert second["value"] == 40
    assert second["reason"] is None
    assert data["policy"]["small_count_max"] == 7


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": -1},
        {"value": 2.5},
        {"value": 1.2, "kind": "proportion", "n": 10},
        {"value": 2.0, "kind": "statistic"},
        {"value": 0.5, "kind": "proportion", "n": 10, "numerator": 3},
    ],
)
def test_invalid_cells_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"cell \('a', 'n'\)"):
        Cell.model_validate({"row": "a", "col": "n", **kwargs})


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate cell"):
        Table(cells=(Cell(row="a", col="n", value=1), Cell(row="a", col="n", value=2)))
