"""Kept keys: one table per record type whose dictionaries hold each value once."""

from __future__ import annotations

import pyarrow as pa
import pytest

from peerbench.validators.columnar.grouping import group_codes
from peerbench.validators.columnar.keys import KeyCollector


def _keys(indices: list[int], dictionary: list[str], first_row: int) -> pa.Table:
    keys = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(dictionary))
    return pa.table(
        {
            "participant_key": keys,
            "__row": pa.array(range(first_row, first_row + len(indices)), pa.int32()),
        }
    )


@pytest.mark.parametrize("batches", [1, 2])
def test_a_value_repeated_in_a_dictionary_is_one_group(batches: int) -> None:
    # A dictionary may repeat a value (a Parquet writer's, or two spellings one code):
    # rows with either index are the same participant.
    collector = KeyCollector()
    for batch in range(batches):
        collector.keep("outcome", _keys([0, 1, 2, 0], ["a", "b", "a"], 2 + 4 * batch))
    table = collector.table("outcome")
    assert table is not None
    codes, _bound = group_codes(table, ["participant_key"])
    assert len(set(codes.tolist())) == 2
    assert table.column("participant_key").to_pylist() == ["a", "b", "a", "a"] * batches
    assert collector.table("outcome") is table  # combined once


def test_keeping_another_batch_combines_again() -> None:
    collector = KeyCollector()
    collector.keep("outcome", _keys([0, 1], ["a", "b"], 2))
    first = collector.table("outcome")
    collector.keep("outcome", _keys([0], ["b"], 4))
    table = collector.table("outcome")
    assert first is not None and table is not None and table is not first
    codes, _bound = group_codes(table, ["participant_key"])
    assert codes[1] == codes[2]
