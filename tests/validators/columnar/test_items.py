"""Item responses read into the flat grid."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from peerbench.validators.columnar.context import CheckContext
from peerbench.validators.columnar.items import from_lists


@pytest.mark.parametrize("value_type", [pa.int8(), pa.int16(), pa.uint8(), pa.uint16()])
@pytest.mark.parametrize("part", [slice(0, 4), slice(1, 4), slice(2, 3)])
def test_typed_lists_read_as_floats_with_nan_for_null(value_type: pa.DataType, part: slice) -> None:
    lists = pa.array([[1, None, 3], [4], None, [None, 6]], pa.list_(value_type))[part]
    grid = from_lists(lists, CheckContext.__new__(CheckContext), first_row=2)
    expected = pa.chunked_array([lists.flatten()]).cast(pa.float32())
    assert grid.flat.dtype == np.float32
    np.testing.assert_array_equal(grid.flat, expected.to_numpy(zero_copy_only=False))
    assert grid.lengths.tolist() == [len(v or []) for v in lists.to_pylist()]
