"""Coded covariates, the design built from codes and its distinct rows."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from peerbench.stats import casemix_adjust, category_labels
from peerbench.stats.casemix import _compressed, casemix_adjust_coded
from peerbench.stats.casemix_design import (
    Factor,
    design_matrix,
    distinct_rows,
    encode,
    encode_series,
    key_weights,
)

VALUES: list[list[Any]] = [
    ["F", "M", None, "", np.nan, "F", "X"],
    [3, 1, 3, 10, None],
    [3.0, 1.5, np.nan, 10.0, 3.0],
    [0.0, -0.0, 1.0, np.nan],
    [1, 1.0, True, "1", None],
    [None, np.nan],
    [],
]


@pytest.mark.parametrize("values", VALUES)
def test_encode_equals_unique_labels(values: list[Any]) -> None:
    column = np.array(values, dtype=object)
    coded = encode(column)
    np.testing.assert_array_equal(coded.labels[coded.codes], category_labels(column))
    assert list(coded.labels) == sorted(set(coded.labels))
    keep = np.arange(column.size) % 2 == 0
    levels, index = coded.take(keep).levels()
    expected = np.unique(category_labels(column)[keep], return_inverse=True)
    np.testing.assert_array_equal(levels, expected[0])
    np.testing.assert_array_equal(index, expected[1])


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(["b", None, "a", "", "b"], dtype="str"),
        pd.Series(["b", None, "a", "", "b"], dtype="string[pyarrow]"),
        pd.Series([4, None, 2, 4], dtype="Int64"),
        pd.Series([4.0, np.nan, 2.5, 4.0]),
        pd.Series([0.0, -0.0, 1.0, np.nan]),  # a zero: labelled one by one
        pd.Series([1, 1.0, True, "1", None], dtype=object),
        pd.Series([True, False, True]),
    ],
)
def test_encode_series_labels_as_the_object_column(series: pd.Series) -> None:
    fast, plain = encode_series(series), encode(series.to_numpy(dtype=object))
    np.testing.assert_array_equal(fast.labels[fast.codes], plain.labels[plain.codes])


def _factors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, list[Factor]]:
    baseline = rng.integers(0, 20, n).astype(float)
    factors = [
        Factor.of("age_band", encode(rng.choice(np.array(["a", "b", "c", None]), n))),
        Factor.of("sex", encode(rng.choice(np.array(["F", "M"], dtype=object), n))),
        Factor.of("deprivation", encode(rng.choice([1.0, 2.0, 3.0, np.nan], n))),
    ]
    return baseline, factors


def test_design_matrix_is_treatment_coded_against_the_most_frequent_level() -> None:
    baseline, factors = _factors(np.random.default_rng(1), 400)
    design = design_matrix(baseline, factors)
    parts = [np.ones(400), baseline]
    for factor in factors:
        for i in range(factor.levels.size):
            if i != factor.reference:
                parts.append((factor.index == i).astype(float))
        counts = np.bincount(factor.index)
        assert counts[factor.reference] == counts.max()
    np.testing.assert_array_equal(design, np.column_stack(parts))
    names = [n for f in factors for n in f.dummy_names]
    assert len(names) == design.shape[1] - 2


def test_distinct_rows_group_the_design_as_its_projection_does() -> None:
    baseline, factors = _factors(np.random.default_rng(2), 3000)
    design = design_matrix(baseline, factors)
    distinct = distinct_rows(baseline, factors)
    assert distinct is not None
    first, inverse, counts = distinct
    np.testing.assert_array_equal(design[first][inverse], design)
    assert np.unique(design, axis=0).shape[0] == first.size == counts.size
    y = np.random.default_rng(3).normal(size=3000)
    np.testing.assert_array_equal(_compressed(y, design, distinct), _compressed(y, design))
    assert len(key_weights(design.shape[1])) == design.shape[1]


def test_coded_fit_on_part_of_a_table_equals_the_fit_of_that_part() -> None:
    rng = np.random.default_rng(4)
    n = 2000
    frame = pd.DataFrame(
        {
            "change": rng.normal(0, 3, n),
            "baseline": rng.integers(10, 40, n).astype(float),
            "age_band": rng.choice(np.array(["18_24", "25_34", "65+"]), n),
            "sex": rng.choice(np.array(["F", "M", None], dtype=object), n),
            "deprivation": rng.choice([1.0, 5.0, 9.0, np.nan], n),
            "service": rng.choice(np.array(["S1", "S2", "S3"]), n),
        }
    )
    frame.loc[5, "baseline"] = np.nan
    rows = np.flatnonzero(rng.random(n) < 0.4)
    part = frame.iloc[rows]
    direct = casemix_adjust(*(part[c].to_numpy() for c in frame.columns))
    coded = {c: encode(frame[c].to_numpy()).take(rows) for c in frame.columns[2:]}
    ours = casemix_adjust_coded(
        frame["change"].to_numpy()[rows], frame["baseline"].to_numpy()[rows], coded
    )
    assert ours.to_dict() == direct.to_dict()
