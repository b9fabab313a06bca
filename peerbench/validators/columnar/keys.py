"""Keep only the columns cross-record checks need, batch by batch.

Ten million outcome rows keep about 100 bytes each here (keys, dates, row numbers),
so a whole run's keys fit comfortably in memory while the full rows are discarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from peerbench.schema.records import RECORD_TYPES

ROW = "__row"
FILE = "__file"

REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "service": ((("organisation_id",), "organisation"),),
    "participant": ((("service_id",), "service"),),
    "engagement": (
        (("service_id",), "service"),
        (("participant_key", "service_id"), "participant"),
    ),
    "outcome": (
        (("service_id",), "service"),
        (("participant_key", "service_id"), "participant"),
    ),
    "service_use": (
        (("service_id",), "service"),
        (("participant_key", "service_id"), "participant"),
    ),
    "feedback": (
        (("service_id",), "service"),
        (("participant_key", "service_id"), "participant"),
    ),
}
"""Record type → (referencing columns, referenced record type). The referenced record's
key is its primary key, matched column for column."""

ATTRIBUTES = ("age_band", "sex", "ethnicity")
"""Participant attributes that must agree between rows for the same participant."""

_EXTRA: dict[str, tuple[str, ...]] = {
    "outcome": ("participant_key", "service_id", "instrument", "timepoint", "date_administered"),
    "participant": ATTRIBUTES,
}


def key_columns(record_type: str) -> tuple[str, ...]:
    """Every column of ``record_type`` a cross-record check reads, without repeats."""
    names = list(RECORD_TYPES[record_type].primary_key)
    for columns, _target in REFERENCES.get(record_type, ()):
        names.extend(columns)
    names.extend(_EXTRA.get(record_type, ()))
    return tuple(dict.fromkeys(names))


@dataclass
class KeyCollector:
    """Key columns of every accepted batch, by record type."""

    batches: dict[str, list[pa.Table]] = field(default_factory=dict)

    def add(self, record_type: str, canonical: pa.Table, first_row: int, file_index: int) -> None:
        """Keep the key columns of one canonical batch with its row numbers and file."""
        n = canonical.num_rows
        table = canonical.select(list(key_columns(record_type)))
        table = table.append_column(
            ROW, pa.array(np.arange(first_row, first_row + n, dtype=np.int32))
        )
        table = table.append_column(FILE, pa.array(np.full(n, file_index, dtype=np.int32)))
        self.batches.setdefault(record_type, []).append(table)

    def table(self, record_type: str) -> pa.Table | None:
        """All kept keys of ``record_type`` in file and row order, or None if none."""
        parts = self.batches.get(record_type)
        if not parts:
            return None
        return pa.concat_tables(parts)
