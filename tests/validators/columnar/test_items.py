"""Item responses read into the flat grid."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from peerbench.validators.columnar import coerce
from peerbench.validators.columnar.context import CheckContext
from peerbench.validators.columnar.items import ItemGrid, from_lists


@pytest.mark.parametrize("value_type", [pa.int8(), pa.int16(), pa.uint8(), pa.uint16()])
@pytest.mark.parametrize("part", [slice(0, 4), slice(1, 4), slice(2, 3)])
def test_typed_lists_read_as_floats_with_nan_for_null(value_type: pa.DataType, part: slice) -> None:
    lists = pa.array([[1, None, 3], [4], None, [None, 6]], pa.list_(value_type))[part]
    grid = from_lists(lists, CheckContext.__new__(CheckContext), first_row=2)
    expected = pa.chunked_array([lists.flatten()]).cast(pa.float32())
    assert grid.flat.dtype == np.float32
    np.testing.assert_array_equal(grid.flat, expected.to_numpy(zero_copy_only=False))
    assert grid.lengths.tolist() == [len(v or []) for v in lists.to_pylist()]


def test_values_hidden_behind_a_null_list_are_never_read() -> None:
    offsets = pa.array([0, 2, 5, 6, 8], pa.int32())
    values = pa.array([1, 2, 9, 9, 9, 3, 4, None], pa.int16())
    lists = pa.ListArray.from_arrays(offsets, values, mask=pa.array([False, True, False, False]))
    for part in (lists, lists.slice(1), lists.slice(2, 2)):
        grid = from_lists(part, CheckContext.__new__(CheckContext), first_row=2)
        rows = [
            grid.flat[start : start + length].tolist()
            for start, length in zip(grid.starts, grid.lengths, strict=True)
        ]
        expected = [[np.nan if v is None else v for v in row or []] for row in part.to_pylist()]
        np.testing.assert_equal(rows, expected)


@pytest.mark.parametrize(
    "array",
    [
        pa.array([1.5, None, 3.0]),
        pa.array([1.5, None, 3.0, None]).slice(1),
        pa.array([1, None, 3], pa.int32()),
        pa.array([2.0, 4.0]),
        pa.array([], pa.float64()),
    ],
)
def test_floats_are_nan_where_null(array: pa.Array) -> None:
    expected = [np.nan if v is None else float(v) for v in array.to_pylist()]
    np.testing.assert_equal(coerce.floats(array).tolist(), expected)


@pytest.mark.parametrize("seed", range(8))
def test_columns_are_the_block_transposed(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, width = int(rng.integers(1, 60)), int(rng.integers(1, 10))
    # Every row complete (the gather), or some short or empty (through block).
    lengths = rng.integers(width if seed % 2 else 0, width + 3, size=n)
    if seed % 4 == 3:  # text layout: item columns one after another (stride = rows)
        wide = int(lengths.max())
        flat = rng.integers(0, 9, size=wide * n).astype(np.float32)
        starts, stride = np.arange(n, dtype=np.int64), n
    else:
        flat = rng.integers(0, 9, size=int(lengths.sum())).astype(np.float32)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        stride = 1
    grid = ItemGrid(flat, starts, lengths, seed % 4 == 3, np.zeros(n, np.bool_), stride=stride)
    rows = np.sort(rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False))
    columns = grid.columns(rows, width)
    assert columns.flags.c_contiguous and columns.dtype == flat.dtype
    np.testing.assert_array_equal(columns, grid.block(rows, width).T)
