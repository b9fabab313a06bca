"""The case-mix model's covariates as codes, its design matrix and its distinct rows.

A categorical column is labelled once (:func:`encode`: each distinct value printed
once, missing values labelled ``"missing"``) and kept as integer codes, so that one
comparison's levels, its dummy columns and its repeated design rows are found from
integers, not from strings or from the N × p design matrix.
"""

import dataclasses
import functools

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerbench.schema.instruments.item_matrix import FloatArray, IntArray

MISSING_LEVEL = "missing"
_KEY_SEED = 20240601  # fixed weights of the row keys (any generic weights do)

Distinct = tuple[IntArray, IntArray, IntArray]
"""``np.unique(row keys, return_index, return_inverse, return_counts)`` of a design."""


def _coded_by_value(
    arr: npt.NDArray[np.object_],
) -> tuple[IntArray, npt.NDArray[np.str_]] | None:
    """An object column as codes into its distinct values' labels (−1: missing value).

    Only where equal values always print alike: all strings, all integers, or all
    floats without a zero (``-0.0 == 0.0`` prints differently); otherwise None.
    """
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind not in ("string", "integer", "floating", "empty"):
        return None
    codes, uniques = pd.factorize(arr)
    values = np.asarray(uniques, dtype=object)
    if kind == "floating" and (values == 0).any():
        return None
    text = values.astype(str)
    return np.asarray(codes, dtype=np.int64), np.where(text == "", MISSING_LEVEL, text)


def category_labels(codes: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """String labels for a categorical column; None, NaN and "" become ``"missing"``.

    Integer-valued floats print as integers (``3.0`` → ``"3"``) so that a column read
    with nulls (and so as float) labels its levels like the integer codes.
    """
    arr = np.asarray(codes)
    coded = _coded_by_value(arr) if arr.dtype.kind == "O" and arr.ndim == 1 else None
    if coded is not None:  # each distinct value labelled once
        return np.append(coded[1], MISSING_LEVEL)[coded[0]]
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        whole = np.all(np.mod(arr[~missing], 1) == 0)
        text = (np.where(missing, 0, arr).astype(np.int64) if whole else arr).astype(str)
    else:
        missing = np.asarray(pd.isna(arr), dtype=bool)
        text = arr.astype(str)
    labels: npt.NDArray[np.str_] = np.where(missing | (text == ""), MISSING_LEVEL, text)
    return labels


@dataclasses.dataclass(frozen=True)
class Coded:
    """A categorical column as ``codes`` into its sorted, distinct ``labels``."""

    labels: npt.NDArray[np.str_]
    codes: IntArray

    def take(self, rows: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> "Coded":
        """The same column limited to ``rows`` (positions or a mask); labels kept."""
        return Coded(self.labels, self.codes[rows])

    def levels(self) -> tuple[npt.NDArray[np.str_], IntArray]:
        """The labels present and each row's index into them:
        ``np.unique(labels[codes], return_inverse=True)``."""
        present = np.flatnonzero(np.bincount(self.codes, minlength=self.labels.size))
        position = np.zeros(self.labels.size, dtype=np.int64)
        position[present] = np.arange(present.size)
        return self.labels[present], position[self.codes]


def encode(values: npt.ArrayLike) -> Coded:
    """A categorical column's :func:`category_labels` as codes, each value labelled once."""
    arr = np.asarray(values).ravel()
    coded = _coded_by_value(arr) if arr.dtype.kind == "O" else None
    if coded is None:
        labels, index = np.unique(category_labels(arr), return_inverse=True)
        return Coded(labels, np.asarray(index, dtype=np.int64).ravel())
    codes, text = coded
    # Code −1 (a missing value) is the appended last label; equal labels are merged.
    labels, where = np.unique(np.append(text, MISSING_LEVEL), return_inverse=True)
    return Coded(labels, np.asarray(where, dtype=np.int64).ravel()[codes])


def encode_series(column: pd.Series) -> Coded:
    """:func:`encode` of ``column.to_numpy(dtype=object)``, labelling its distinct values.

    A column of strings, integers, booleans or floats without a zero is factorised as
    it is (an Arrow string column without converting a million values to Python
    objects); its distinct values print as they would one by one, so the labels are
    the same. Any other column (object, or holding ``0.0``, equal to ``-0.0`` but
    printed differently) goes through :func:`encode`.
    """
    dtype = column.dtype
    plain = pd.api.types.is_object_dtype(dtype) or not (
        pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_integer_dtype(dtype)
        or pd.api.types.is_float_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )
    if not plain:
        codes, uniques = pd.factorize(column)  # a missing value: −1
        values = np.asarray(uniques, dtype=object)
        if not (pd.api.types.is_float_dtype(dtype) and (values == 0).any()):
            text = np.append(category_labels(values), MISSING_LEVEL)
            labels, where = np.unique(text, return_inverse=True)
            return Coded(labels, np.asarray(where, dtype=np.int64).ravel()[codes])
    return encode(column.to_numpy(dtype=object))


def _levels(
    codes: npt.ArrayLike, keep: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.str_], IntArray]:
    """``np.unique(category_labels(codes)[keep], return_inverse=True)``."""
    return encode(codes).take(keep).levels()


@dataclasses.dataclass(frozen=True)
class Factor:
    """One categorical covariate of a fit: its levels, each row's level, the reference."""

    name: str
    levels: npt.NDArray[np.str_]
    index: IntArray
    reference: int

    @classmethod
    def of(cls, name: str, coded: Coded) -> "Factor":
        """The levels present in ``coded``; the most frequent is the reference."""
        levels, index = coded.levels()
        reference = int(np.argmax(np.bincount(index, minlength=levels.size)))
        return cls(name, levels, index, reference)

    @property
    def dummy_names(self) -> list[str]:
        """``name[level]`` for each level but the reference, in level order."""
        return [f"{self.name}[{lv}]" for i, lv in enumerate(self.levels) if i != self.reference]


def design_matrix(baseline: FloatArray, factors: list[Factor]) -> FloatArray:
    """``[1 | baseline | dummies of each factor]``, treatment-coded against its reference."""
    n = baseline.size
    design = np.zeros((n, 2 + sum(f.levels.size - 1 for f in factors)))
    design[:, 0] = 1.0
    design[:, 1] = baseline
    rows = np.arange(n)
    offset = 2
    for factor in factors:
        index = factor.index
        hit = index != factor.reference
        # The reference has no column: the levels after it shift one column left.
        column = offset + index - (index > factor.reference)
        design[rows[hit], column[hit]] = 1.0
        offset += factor.levels.size - 1
    return design


@functools.cache
def key_weights(p: int) -> tuple[float, ...]:
    """Fixed generic weights of a design row's key (one per column)."""
    generator = np.random.default_rng(_KEY_SEED)
    return tuple(float(generator.uniform(1.0, 2.0)) for _ in range(p))


def distinct_rows(baseline: FloatArray, factors: list[Factor]) -> Distinct | None:
    """The distinct rows of :func:`design_matrix` without forming it.

    The key of a row is the same number as ``Σ design[:, j] · w_j`` summed column by
    column (a dummy column adds its weight or an exact zero), so the grouping is that of
    :func:`peerbench.stats.casemix._compressed`; equal keys are then checked to be equal
    rows from the codes. None when two different rows share a key.
    """
    weights = key_weights(2 + sum(f.levels.size - 1 for f in factors))
    key = baseline * weights[1]
    key += weights[0]
    offset = 2
    for factor in factors:
        size = factor.levels.size
        table = np.zeros(size)
        others = [i for i in range(size) if i != factor.reference]
        table[others] = weights[offset : offset + size - 1]
        key += table[factor.index]
        offset += size - 1
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    columns = [baseline, *(f.index for f in factors)]
    if not all(np.array_equal(c[first][inverse], c) for c in columns):
        return None
    return first, inverse, counts
