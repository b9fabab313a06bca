"""Rows built by filling their state equal the constructor's rows; anything else is built
by the constructor (and fails as it would)."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, ClassVar

import pytest

from peerbench.benchmarking.row_build import build_columns, build_rows
from peerbench.benchmarking.rows import OutcomeRow, Row


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Checked(Row):
    KEY: ClassVar[tuple[str, ...]] = ("name",)
    name: str
    n: int | None = None

    def __post_init__(self) -> None:
        if self.n is not None and self.n < 0:
            raise ValueError("negative")


def test_filled_rows_equal_constructed_rows() -> None:
    records: list[dict[str, Any]] = [
        {"service_id": "s1", "instrument": "PHQ9", "period": "all", "timepoint": "end",
         "n_paired": 12, "mean_change": 2.5, "suppressed": {"d_z": "below-min-n"}},
        {"service_id": "s2", "instrument": "GAD7", "period": "all", "timepoint": "end",
         "suppressed": {}},
    ]  # fmt: skip
    built = build_rows(OutcomeRow, records)
    made = [OutcomeRow(**r) for r in records]
    assert built == made
    assert [r.__dict__ for r in built] == [r.__dict__ for r in made]  # every field set
    assert [r.to_dict() for r in built] == [r.to_dict() for r in made]
    assert pickle.loads(pickle.dumps(built)) == made
    assert dataclasses.replace(built[1], n_paired=3) == dataclasses.replace(made[1], n_paired=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built[0].n_paired = 1  # type: ignore[misc]


def test_the_constructor_builds_what_it_would_refuse_or_check() -> None:
    with pytest.raises(TypeError):
        build_rows(OutcomeRow, [{"instrument": "x", "period": "all", "timepoint": "end",
                                 "service_id": "s", "suppressed": {}, "nonsense": 1}])  # fmt: skip
    with pytest.raises(TypeError):  # a required field missing
        build_rows(OutcomeRow, [{"instrument": "x", "period": "all", "timepoint": "end"}])
    assert build_rows(_Checked, [{"name": "a"}]) == [_Checked(name="a")]
    with pytest.raises(ValueError, match="negative"):  # __post_init__ still runs
        build_rows(_Checked, [{"name": "a", "n": -1}])
    # No ``suppressed`` given: the constructor makes each row its own dictionary.
    first, second = build_rows(OutcomeRow, [{"instrument": "x", "period": "all",
                                              "timepoint": "end", "service_id": s}
                                             for s in ("a", "b")])  # fmt: skip
    assert first.suppressed == {} and first.suppressed is not second.suppressed


def test_columns_build_the_rows_their_records_make() -> None:
    columns: dict[str, list[Any]] = {
        "service_id": ["s1", "s2"],
        "instrument": ["PHQ9", "GAD7"],
        "period": ["all", "all"],
        "timepoint": ["end", "month_3"],
        "n_paired": [12, None],
        "suppressed": [{"d_z": "below-min-n"}, {}],
    }
    records = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    built = build_columns(OutcomeRow, columns)
    assert built == [OutcomeRow(**r) for r in records]
    assert [r.__dict__ for r in built] == [OutcomeRow(**r).__dict__ for r in records]
    assert build_columns(_Checked, {"name": ["a", "b"]}) == [_Checked(name="a"), _Checked(name="b")]
    with pytest.raises(ValueError, match="negative"):
        build_columns(_Checked, {"name": ["a"], "n": [-1]})
    with pytest.raises(TypeError):
        build_columns(OutcomeRow, {**columns, "nonsense": [1, 2]})
    with pytest.raises(ValueError, match="lengths"):
        build_columns(OutcomeRow, {**columns, "n_paired": [1]})
    assert build_columns(OutcomeRow, {k: [] for k in columns}) == []
