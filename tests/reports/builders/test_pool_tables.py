"""PoolTables: the mapping an eager read of every record type gave, each read on first use."""

from __future__ import annotations

import pyarrow as pa
import pytest

from peerbench.reports.builders.pool_tables import PoolTables
from peerbench.schema.records import RECORD_TYPES

ROWS = {"organisation": 2, "service": 3, "participant": 0, "outcome": 5, "feedback": 1}


def _reader(reads: list[str]) -> PoolTables:
    def read(record_type: str) -> pa.Table:
        reads.append(record_type)
        return pa.table({"n": list(range(ROWS.get(record_type, 0)))})

    return PoolTables(read)


def test_reads_only_what_is_looked_up_and_each_once() -> None:
    reads: list[str] = []
    tables = _reader(reads)
    assert tables["service"].num_rows == 3
    assert tables.get("outcome") is tables.get("outcome")
    assert tables.get("participant") is None  # no rows: absent, as before
    assert "engagement" not in tables
    assert tables.get("not-a-record-type") is None
    assert reads == ["service", "outcome", "participant", "engagement"]


def test_equals_the_eager_read_in_the_standards_order() -> None:
    reads: list[str] = []
    tables = _reader(reads)
    eager = {
        rt: t
        for rt in RECORD_TYPES
        if (t := pa.table({"n": list(range(ROWS.get(rt, 0)))})).num_rows
    }
    assert list(tables) == list(eager)
    assert len(tables) == len(eager)
    assert dict(tables) == eager
    assert sorted(reads) == sorted(RECORD_TYPES)  # every type read once, however often asked
    with pytest.raises(KeyError):
        tables["participant"]
