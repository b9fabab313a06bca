"""The shared text convention and the batch builders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerbench.validators.readers.cells import RowBatcher, cell_text, rebatch
from peerbench.validators.source import SourceBatch


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" ", " "),
        ("NA", "NA"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (3.0, "3"),
        (-0.0, "0"),
        (21.54, "21.54"),
        (0.1 + 0.2, "0.3"),
        (1e20, "100000000000000000000"),
        (float("nan"), "nan"),
        (dt.datetime(2025, 3, 31), "2025-03-31"),
        (dt.datetime(2025, 3, 31, 14, 5), "2025-03-31T14:05:00"),
        (dt.date(2025, 3, 31), "2025-03-31"),
        (dt.time(9, 30), "09:30:00"),
        (Decimal("1.50"), "1.50"),
    ],
)
def test_cell_text(value: object, expected: str | None) -> None:
    assert cell_text(value) == expected


def test_row_batcher_splits_at_gaps_and_at_size() -> None:
    batcher = RowBatcher(["n"], batch_rows=2)
    out: list[SourceBatch] = []
    for row in (2, 3, 4, 7, 9):
        out.extend(batcher.add(row, [str(row)]))
    out.extend(batcher.flush())
    assert [(b.first_row, b.table.column("n").to_pylist()) for b in out] == [
        (2, ["2", "3"]),
        (4, ["4"]),
        (7, ["7"]),
        (9, ["9"]),
    ]


def test_row_batcher_adds_columns_part_way() -> None:
    batcher = RowBatcher(["a"], batch_rows=10)
    list(batcher.add(2, ["x"]))
    index = batcher.add_column("b")
    list(batcher.add(3, [None, "y"]))
    (batch,) = batcher.flush()
    assert index == 1
    assert batch.table.to_pylist() == [{"a": "x", "b": None}, {"a": None, "b": "y"}]
    assert batch.table.schema.types == [pa.string(), pa.string()]


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=20), max_size=12),
    batch_rows=st.integers(min_value=1, max_value=25),
)
def test_rebatch_gives_exact_sizes_and_consecutive_rows(sizes: list[int], batch_rows: int) -> None:
    start = 0
    record_batches = []
    for size in sizes:
        values = pa.array([str(i) for i in range(start, start + size)], pa.string())
        record_batches.append(pa.RecordBatch.from_arrays([values], names=["raw"]))
        start += size
    out = list(rebatch(record_batches, ["n"], batch_rows))
    assert all(b.table.num_rows == batch_rows for b in out[:-1])
    assert sum(b.table.num_rows for b in out) == start
    expected_first = 2
    for batch in out:
        assert batch.first_row == expected_first
        assert batch.table.column_names == ["n"]
        assert batch.table.column("n").to_pylist() == [
            str(row - 2) for row in range(batch.first_row, batch.first_row + batch.table.num_rows)
        ]
        expected_first += batch.table.num_rows
