"""Group codes for cross-record checks: equal exactly where the key tuples are."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.validators.columnar import grouping

ROWS = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 6), st.sampled_from(["a", "b", "c"])),
    min_size=1,
    max_size=200,
)


def _keys(rows: list[tuple[int, int, str]]) -> pa.Table:
    people, services, instruments = zip(*rows, strict=True)
    return pa.table(
        {
            # Dictionary-encoded like the collector's key columns, and one plain column.
            "participant_key": pa.array([f"p{p}" for p in people]).dictionary_encode(),
            "service_id": pa.array([f"s{s}" for s in services]).dictionary_encode(),
            "instrument": pa.array(list(instruments)),
        }
    )


@pytest.mark.parametrize("limit", [1 << 24, 64, 8, 1])
@settings(max_examples=60, deadline=None)
@given(rows=ROWS, one_service=st.booleans())
def test_codes_match_exactly_where_keys_do(
    rows: list[tuple[int, int, str]], one_service: bool, limit: int
) -> None:
    """Every path (arithmetic, skipping a determined column, compacting, hashing) agrees."""
    if one_service:  # the service is then determined by the participant
        rows = [(p, p % 3, i) for p, _s, i in rows]
    original = grouping.DIRECT_LIMIT
    grouping.DIRECT_LIMIT = limit
    try:
        codes, bound = grouping.group_codes(_keys(rows), cross_records_columns())
    finally:
        grouping.DIRECT_LIMIT = original
    assert codes.shape == (len(rows),)
    assert int(codes.min()) >= 0 and int(codes.max()) < bound
    same_codes = codes[:, None] == codes[None, :]
    same_rows = np.array([[a == b for b in rows] for a in rows])
    assert (same_codes == same_rows).all()


def cross_records_columns() -> tuple[str, str, str]:
    return ("participant_key", "service_id", "instrument")
