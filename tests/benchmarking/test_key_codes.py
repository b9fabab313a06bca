"""Integer key codes: equal exactly when the keys are, and joins on them equal the text joins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.benchmarking import casemix, joint, key_codes
from tests.budget import examples

TEXT = st.sampled_from(["a", "b", "c", None])


def _frame(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    for column in columns:
        if column.endswith(("_key", "_id", "period", "timepoint", "instrument")):
            frame[column] = frame[column].astype("str").where(frame[column].notna())
    return frame


@settings(max_examples=examples(300, 50), deadline=None)
@given(
    st.lists(st.tuples(TEXT, TEXT, TEXT), max_size=20),
    st.lists(st.tuples(TEXT, TEXT, TEXT), max_size=20),
)
def test_codes_are_equal_exactly_when_the_keys_are(
    first: list[tuple[Any, ...]], second: list[tuple[Any, ...]]
) -> None:
    columns = ["participant_key", "service_id", "period"]
    frames = [_frame(first, columns), _frame(second, columns)]
    codes = key_codes.key_codes(frames, columns)
    rows = [tuple("<NA>" if v is None else v for v in r) for r in first + second]
    flat = np.concatenate(codes)
    for i, a in enumerate(rows):
        for j, b in enumerate(rows):
            assert (flat[i] == flat[j]) == (a == b)


def test_codes_are_renumbered_before_they_could_overflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_codes, "_LIMIT", 16)  # 4 × 4 × 4 distinct values: 64 > 16
    frame = pd.DataFrame({c: [f"{c}{i % 4}" for i in range(12)] for c in "xyz"})
    frame.loc[12] = ["x1", "y1", "z1"]
    (codes,) = key_codes.key_codes([frame], ["x", "y", "z"])
    assert int(codes.max()) < 16  # without renumbering: up to 63
    assert codes[12] == codes[1] and len(set(codes.tolist())) == 4


PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3"]),
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["PHQ9", "GAD7"]),
        st.integers(0, 3),
    ),
    max_size=25,
)


@settings(max_examples=examples(300, 50), deadline=None)
@given(
    PAIRS,
    st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "p4"]), TEXT, st.integers(18, 80)), max_size=10
    ),
)
def test_joins_on_codes_equal_the_text_joins(
    pairs: list[tuple[Any, ...]], people: list[tuple[Any, ...]]
) -> None:
    frame = _frame(
        [(p, s, "2025-Q1", "3m", i, bool(n % 2), n) for p, s, i, n in pairs],
        ["participant_key", "service_id", "period", "timepoint", "instrument", "flag", "n"],
    )
    keys = ["participant_key", "service_id", "period", "timepoint"]
    text = [
        frame.loc[frame["instrument"] == code, [*keys, "flag"]].drop_duplicates(keys)
        for code in (joint.DEPRESSION, joint.ANXIETY)
    ]
    expected = text[0].merge(text[1], on=keys, suffixes=("_phq", "_gad"))
    pd.testing.assert_frame_equal(joint._both(frame, keys, ["flag"]), expected)

    participants = _frame(
        [(p, s, age, "f", 3) for p, s, age in people],
        ["participant_key", "service_id", *casemix.COVARIATES.values()],
    )
    wanted = participants[["participant_key", "service_id", *casemix.COVARIATES.values()]]
    expected = frame.merge(
        wanted.drop_duplicates(["participant_key", "service_id"]),
        on=["participant_key", "service_id"],
        how="left",
    )
    pd.testing.assert_frame_equal(casemix.with_covariates(frame, participants), expected)
