"""A pooled store's submitted tables by record type, each read from the pool on first use.

Reading all nine record types cost ~0.3 s CPU on the reference pool, but most reports
use few of them (the network report: organisations, services, participants and
outcomes); only the data-quality report (and a service report without recorded quality
figures) goes through every one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pyarrow as pa

from peerbench.schema.records import RECORD_TYPES


class PoolTables(Mapping[str, pa.Table]):
    """Record type → its table, for the record types that have rows, in the standard's
    order: the mapping an eager read of every record type gave, but each table is read
    (once) when it is first looked up, through the same open store and session (so in
    the thread that holds them, before they close).

    Args:
        read: The table of one record type (e.g.
            :func:`peerbench.server.pool_view.submitted_table` over an open store).
    """

    def __init__(self, read: Callable[[str], pa.Table]) -> None:
        self._read = read
        self._tables: dict[str, pa.Table] = {}

    def _table(self, record_type: str) -> pa.Table | None:
        if record_type not in RECORD_TYPES:
            return None
        table = self._tables.get(record_type)
        if table is None:
            table = self._tables[record_type] = self._read(record_type)
        return table if table.num_rows else None

    def __getitem__(self, record_type: str) -> pa.Table:
        table = self._table(record_type)
        if table is None:
            raise KeyError(record_type)
        return table

    def __iter__(self) -> Iterator[str]:
        return (rt for rt in RECORD_TYPES if self._table(rt) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)
