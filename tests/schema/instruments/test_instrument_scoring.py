"""Scoring: worked examples per instrument, and the vectorised scorer against a
row-by-row pure-Python reference (hypothesis)."""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerbench.schema.instruments import (
    InstrumentDefinition,
    InstrumentDefinitionError,
    ScoringMethod,
    ValueSet,
    default_registry,
    score_items,
    scoring,
)

Row = Sequence[int | None] | None

# Published SWEMWBS raw-to-metric conversion (Stewart-Brown et al. 2009), embedded so the
# test does not depend on files outside the repository.
SWEMWBS_PUBLISHED = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25,
    22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03,
    29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


def get(code: str) -> InstrumentDefinition:
    return default_registry().get(code)


def scores(code: str, rows: Sequence[Row]) -> list[float | None]:
    result: list[float | None] = score_items(get(code), pa.array(rows)).score.to_pylist()
    return result


def rows_with_raw(raw: int) -> list[int]:
    """A SWEMWBS response (7 items, 1-5) whose sum is ``raw``."""
    extra = raw - 7
    row = []
    for _ in range(7):
        step = min(4, extra)
        row.append(1 + step)
        extra -= step
    return row


def test_every_swemwbs_raw_score_maps_to_the_published_metric_score() -> None:
    raws = list(range(7, 36))
    got = scores("SWEMWBS", [rows_with_raw(r) for r in raws])
    assert got == [SWEMWBS_PUBLISHED[r] for r in raws]


def test_core10_prorates_one_missing_item_and_reverses_items_3_and_4() -> None:
    # Items 3 and 4 (0-4) are reversed: 4 -> 0 and 1 -> 3.
    complete = [2, 1, 4, 1, 3, 0, 2, 2, 1, 3]
    reversed_sum = 2 + 1 + 0 + 3 + 3 + 0 + 2 + 2 + 1 + 3  # = 17
    one_missing = [2, 1, 4, 1, 3, 0, 2, 2, 1, None]  # nine answered, sum 14
    two_missing = [2, 1, 4, 1, 3, 0, 2, 2, None, None]
    got = scores("CORE10", [complete, one_missing, two_missing])
    assert got[0] == pytest.approx(reversed_sum / 10 * 10)
    assert got[1] == pytest.approx(14 / 9 * 10)
    assert got[2] is None


def test_semcd6_is_the_mean_and_three_missing_items_are_not_scored() -> None:
    got = scores(
        "SEMCD6", [[1, 2, 3, 4, 5, 6], [10, 8, None, None, 6, 4], [1, 2, 3, None] + [None] * 2]
    )
    assert got == [pytest.approx(3.5), pytest.approx(7.0), None]


def test_wemwbs_prorates_up_to_three_missing_items() -> None:
    three = [3] * 11 + [None] * 3
    four = [3] * 10 + [None] * 4
    assert scores("WEMWBS", [three, four]) == [pytest.approx(42.0), None]


def test_ons4_items_are_separate_subscales_and_no_total() -> None:
    result = score_items(get("ONS4"), pa.array([[7, 8, None, 2], [11, 5, 5, 5]]))
    assert result.score.to_pylist() == [None, None]
    assert result.subscores["life_satisfaction"].to_pylist() == [7.0, None]
    assert result.subscores["happiness"].to_pylist() == [None, None]
    assert result.subscores["anxiety"].to_pylist() == [2.0, None]
    assert result.out_of_range.to_pylist() == [False, True]
    assert get("ONS4").subscale("anxiety").direction.value == "higher_is_worse"


def test_eq5d5l_vas_accepts_0_to_100_but_dimensions_only_1_to_5() -> None:
    result = score_items(
        get("EQ5D5L"), pa.array([[1, 2, 3, 4, 5, 100], [1, 1, 1, 1, 1, 0], [6, 1, 1, 1, 1, 50]])
    )
    assert result.out_of_range.to_pylist() == [False, False, True]
    assert result.subscores["vas"].to_pylist() == [100.0, 0.0, None]
    assert result.subscores["pain_discomfort"].to_pylist() == [4.0, 1.0, None]
    assert result.score.to_pylist() == [None, None, None]  # no value set configured


def test_eq5d5l_index_comes_only_from_a_configured_value_set() -> None:
    # Made-up numbers to test the arithmetic; real value sets are licensed.
    toy = ValueSet(
        name="toy",
        source="test",
        constant=0.05,
        decrements={d: [0.0, 0.1, 0.2, 0.3, 0.4] for d in range(1, 6)},
    )
    rows = [[1, 1, 1, 1, 1, 80], [1, 2, 3, 1, 5, None], [1, None, 1, 1, 1, 50]]
    result = score_items(get("EQ5D5L"), pa.array(rows), value_set=toy)
    assert result.score.to_pylist() == [
        pytest.approx(1.0),
        pytest.approx(1.0 - 0.05 - (0.1 + 0.2 + 0.4)),
        None,
    ]


def test_a_value_set_that_does_not_fit_the_items_is_rejected() -> None:
    bad = ValueSet(name="bad", source="test", decrements={1: [0.0, 0.1]})
    with pytest.raises(InstrumentDefinitionError, match=r"decrements\[1\]"):
        score_items(get("EQ5D5L"), pa.array([[1] * 6]), value_set=bad)


def test_pam13_uses_the_licensed_score_and_never_computes_one() -> None:
    pam = get("PAM13")
    with pytest.raises(ValueError, match="licensed_score"):
        score_items(pam, pa.array([[1] * 13]))
    result = score_items(pam, licensed_score=pa.array([55.1, None, 101.0]))
    assert result.score.to_pylist() == [55.1, None, None]
    assert result.out_of_range.to_pylist() == [False, False, True]
    with_items = score_items(pam, pa.array([[1] * 13, [1] * 12]), licensed_score=[60.0, 60.0])
    assert with_items.score.to_pylist() == [60.0, None]
    assert with_items.wrong_length.to_pylist() == [False, True]


def test_onslonely_is_categorical() -> None:
    assert scores("ONSLONELY", [[1], [5], [None], [6]]) == [1.0, 5.0, None, None]


def test_flags_for_wrong_length_null_list_and_out_of_range() -> None:
    result = score_items(get("PHQ9"), pa.array([[0] * 9, [0] * 8, None, [0] * 8 + [4]]))
    assert result.score.to_pylist() == [0.0, None, None, None]
    assert result.wrong_length.to_pylist() == [False, True, False, False]
    assert result.out_of_range.to_pylist() == [False, False, False, True]
    assert result.n_missing.to_pylist() == [0, 0, 9, 0]


def test_numpy_chunked_and_large_list_inputs_agree_with_list_arrays() -> None:
    rows: list[Row] = [[1, 2, 3, 4, 5, 1, 2], [5, 5, None, 5, 5, 5, 5], [1] * 7]
    expected = scores("SWEMWBS", rows)
    dense = np.array([[np.nan if v is None else v for v in row or []] for row in rows])
    d = get("SWEMWBS")
    assert score_items(d, dense).score.to_pylist() == expected
    chunked = pa.chunked_array([pa.array(rows[:1]), pa.array(rows[1:])])
    assert score_items(d, chunked).score.to_pylist() == expected
    large = pa.array(rows, type=pa.large_list(pa.int8()))
    assert score_items(d, large).score.to_pylist() == expected
    sliced = pa.array([[9, 9], *rows])[1:]
    assert score_items(d, sliced).score.to_pylist() == expected


def test_fractional_responses_are_out_of_range() -> None:
    result = score_items(get("PHQ9"), pa.array([[0.5] + [0.0] * 8, [1.0] * 9]))
    assert result.out_of_range.to_pylist() == [True, False]
    assert result.score.to_pylist() == [None, 9.0]


def test_unsupported_inputs_raise_type_errors() -> None:
    with pytest.raises(TypeError, match="list array"):
        score_items(get("PHQ9"), pa.array([1, 2]))
    with pytest.raises(TypeError, match="numbers"):
        score_items(get("PHQ9"), pa.array([["a"]]))


# --------------------------------------------------------------------------- reference


def reference(d: InstrumentDefinition, row: Row) -> dict[str, Any]:
    """Score one row the obvious, slow way, straight from the definition."""
    k = d.item_count
    blank = {s.name: None for s in d.subscales}
    if row is None:
        return {"score": None, "n_missing": k, "wrong": False, "oor": False, "subs": blank}
    n_missing = sum(v is None for v in row)
    if len(row) != k:
        return {"score": None, "n_missing": n_missing, "wrong": True, "oor": False, "subs": blank}
    items = d.items()
    if any(v is not None and not it.min <= v <= it.max for v, it in zip(row, items, strict=True)):
        return {"score": None, "n_missing": n_missing, "wrong": False, "oor": True, "subs": blank}
    values = [
        None if v is None else float(it.min + it.max - v if it.reverse else v)
        for v, it in zip(row, items, strict=True)
    ]
    subs = {s.name: values[s.item - 1] for s in d.subscales}
    answered = [v for v in values if v is not None]
    method = d.scoring.method
    score: float | None = None
    if method is ScoringMethod.CATEGORICAL:
        score = values[0]
    elif method in {ScoringMethod.PER_ITEM, ScoringMethod.PROFILE}:
        score = None
    elif n_missing <= d.missing.max_missing:
        mean = sum(answered) / len(answered)
        if method is ScoringMethod.SUM:
            score = mean * k
        elif method is ScoringMethod.MEAN:
            score = mean
        elif method is ScoringMethod.SCALED_MEAN:
            assert d.scoring.multiplier is not None
            score = mean * d.scoring.multiplier
        elif method is ScoringMethod.LOOKUP:
            assert d.scoring.lookup is not None
            score = d.scoring.lookup[math.floor(mean * k + 0.5)]
    return {"score": score, "n_missing": n_missing, "wrong": False, "oor": False, "subs": subs}


SCORED_CODES = [
    d.code for d in default_registry() if d.scoring.method is not ScoringMethod.LICENSED
]


@st.composite
def response_rows(draw: st.DrawFn, d: InstrumentDefinition) -> list[Row]:
    items = d.items()
    value = st.one_of(
        st.none(), st.integers(min(i.min for i in items) - 1, max(i.max for i in items) + 1)
    )
    in_range = [st.one_of(st.none(), st.integers(i.min, i.max)) for i in items]
    row = st.one_of(
        st.tuples(*in_range).map(list),  # mostly well-formed rows...
        st.tuples(*in_range).map(list),
        st.lists(value, min_size=d.item_count, max_size=d.item_count),  # ...some out of range
        st.lists(value, max_size=d.item_count + 2),  # ...some of the wrong length
        st.none(),
    )
    return draw(st.lists(row, max_size=25))


@pytest.mark.parametrize("code", SCORED_CODES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_vectorised_scoring_matches_the_reference(code: str, data: st.DataObject) -> None:
    d = get(code)
    rows = data.draw(response_rows(d))
    result = score_items(d, pa.array(rows, type=pa.list_(pa.int64())))
    expected = [reference(d, row) for row in rows]
    assert result.n_missing.to_pylist() == [e["n_missing"] for e in expected]
    assert result.wrong_length.to_pylist() == [e["wrong"] for e in expected]
    assert result.out_of_range.to_pylist() == [e["oor"] for e in expected]
    got = result.score.to_pylist()
    for g, e in zip(got, expected, strict=True):
        assert g == (None if e["score"] is None else pytest.approx(e["score"]))
    for name, column in result.subscores.items():
        assert column.to_pylist() == [e["subs"][name] for e in expected]


def test_a_prorated_raw_score_is_rounded_half_up_before_lookup() -> None:
    d = InstrumentDefinition.model_validate(
        {
            "code": "LOOKUP3",
            "name": "Three-item lookup",
            "version": "1",
            "licence": "test",
            "source": "test",
            "item_count": 3,
            "response_min": 1,
            "response_max": 3,
            "scoring": {"method": "lookup", "lookup": {r: r * 10 for r in range(3, 10)}},
            "missing": {"max_missing": 1, "prorate": True},
            "score_min": 30,
            "score_max": 90,
            "direction": "higher_is_better",
        }
    )
    rows = [[1, 2, None], [1, 1, None], [3, 3, 3], [1, None, None]]
    # 1.5 x 3 = 4.5 rounds up to 5; 1 x 3 = 3; complete 9; two missing is not scored.
    assert score_items(d, pa.array(rows)).score.to_pylist() == [50.0, 30.0, 90.0, None]


@pytest.mark.parametrize("code", ["CORE10", "ONS4", "SWEMWBS"])
def test_scoring_in_blocks_gives_the_same_result(
    code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = get(code)
    rng = np.random.default_rng(7)
    values = rng.integers(-1, 12, size=(100, d.item_count)).astype(np.float64)
    values[rng.random(values.shape) < 0.1] = np.nan
    rows: list[Row] = [
        None if i % 17 == 0 else [None if np.isnan(v) else int(v) for v in row]
        for i, row in enumerate(values)
    ]
    rows[5] = [1, 2]  # a wrong-length row
    items = pa.array(rows, type=pa.list_(pa.int64()))
    whole = score_items(d, items)
    monkeypatch.setattr(scoring, "BLOCK_ROWS", 7)
    split = score_items(d, items)
    assert split == whole


def test_empty_input_gives_empty_results() -> None:
    result = score_items(get("ONS4"), pa.array([], type=pa.list_(pa.int64())))
    assert len(result.score) == 0
    assert len(result.subscores["anxiety"]) == 0


@pytest.mark.parametrize("code", SCORED_CODES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_scoring_checked_answers_matches_the_reference(code: str, data: st.DataObject) -> None:
    """The validator's shortcut for already-checked answers scores as the reference does."""
    d = get(code)
    in_range = [st.one_of(st.none(), st.integers(i.min, i.max)) for i in d.items()]
    rows = data.draw(st.lists(st.tuples(*in_range).map(list), min_size=1, max_size=25))
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    score, valid = scoring.score_checked(d, values, np.isnan(values).sum(axis=1))
    for row, g, ok in zip(rows, score, valid, strict=True):
        expected = reference(d, row)["score"]
        assert (expected is not None) == bool(ok)
        if expected is not None:
            assert g == pytest.approx(expected)
