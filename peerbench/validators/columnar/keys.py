"""Keep only the columns cross-record checks need, batch by batch.

Ten million outcome rows keep about 100 bytes each here (keys, dates, row numbers),
so a whole run's keys fit comfortably in memory while the full rows are discarded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.codelists import Timepoint
from peerbench.schema.record_table import RECORDS
from peerbench.validators.columnar.distinct import deduplicated

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
    "peer_worker": ((("service_id",), "service"),),
    "referral": ((("service_id",), "service"),),
}
"""Record type → (referencing columns, referenced record type). The referenced record's
key is its primary key, matched column for column. An outcome whose ``subject`` is
``peer_worker`` is a worker's own questionnaire: it references :data:`WORKER_REFERENCE`
instead of a participant."""

WORKER_SUBJECT = "peer_worker"
"""The ``subject`` of an outcome that holds a peer worker's own wellbeing."""

WORKER_REFERENCE = (("participant_key", "service_id"), "peer_worker", ("worker_key", "service_id"))
"""A worker outcome's key and service → the worker's key and service in peer_workers."""

ATTRIBUTES = ("age_band", "sex", "ethnicity")
"""Participant attributes that must agree between rows for the same participant."""

_EXTRA: dict[str, tuple[str, ...]] = {
    "outcome": (
        "participant_key",
        "service_id",
        "instrument",
        "timepoint",
        "date_administered",
        "subject",
    ),
    "participant": ATTRIBUTES,
}


TIMEPOINTS: tuple[str, ...] = tuple(t.value for t in Timepoint)
"""Timepoint codes in a fixed order: the keys keep a timepoint as its position here."""
_CODED: dict[str, tuple[str, ...]] = {"timepoint": TIMEPOINTS}
"""Key columns kept as small integer positions in a code list (null for none), which the
cross-record checks compare without any dictionary."""


def key_columns(record_type: str) -> tuple[str, ...]:
    """Every column of ``record_type`` a cross-record check reads, without repeats."""
    names = list(RECORDS[record_type].primary_key)
    for columns, _target in REFERENCES.get(record_type, ()):
        names.extend(columns)
    names.extend(_EXTRA.get(record_type, ()))
    return tuple(dict.fromkeys(names))


def _encoded_columns(record_type: str) -> frozenset[str]:
    """Key columns kept dictionary-encoded: text that repeats (not the primary key).

    A participant key, service id or timepoint repeats on many outcome rows, so keeping
    each batch's distinct values plus 4-byte indices is several times smaller than the
    text, and grouping starts from the small dictionaries.
    """
    return frozenset(key_columns(record_type)) - set(RECORDS[record_type].primary_key)


class Columns(Protocol):
    """Anything with canonical columns by name: a table or a checked batch."""

    num_rows: int

    def column(self, name: str) -> Any:
        """The canonical values of column ``name``."""
        ...


def prepare(
    record_type: str,
    canonical: Columns,
    first_row: int,
    file_index: int,
    encoded: Mapping[str, Any] | None = None,
) -> pa.Table:
    """The key columns of one canonical batch, with row numbers and file (worker-safe).

    Repeating text columns are dictionary-encoded, starting from ``encoded`` views
    (from :meth:`~peerbench.validators.columnar.batch.CheckedBatch.encoded`) where there
    are any, so their text is never spelled out row by row; the rest are kept as they are.
    """
    n = canonical.num_rows
    repeating = _encoded_columns(record_type)
    views = encoded or {}
    arrays, names = [], []
    for name in key_columns(record_type):
        view = views.get(name) if name in repeating else None
        if name in _CODED:
            column = _positions(canonical.column(name) if view is None else view, _CODED[name])
        elif view is not None and pa.types.is_string(view.type.value_type):
            # Repeats in the dictionary are merged when the batches are put together
            # (KeyCollector.table); values nulled by a finding must be null rows first.
            column = view if view.dictionary.null_count == 0 else deduplicated(view)
        else:
            column = canonical.column(name)
            if name in repeating and pa.types.is_string(column.type):
                column = pc.dictionary_encode(column)
        arrays.append(column)
        names.append(name)
    arrays.append(pa.array(np.arange(first_row, first_row + n, dtype=np.int32)))
    arrays.append(pa.array(np.full(n, file_index, dtype=np.int32)))
    return pa.Table.from_arrays(arrays, names=[*names, ROW, FILE])


def _positions(column: Any, codes: tuple[str, ...]) -> Any:
    """Each value's position in ``codes`` as int8 (null where null or not a code)."""
    value_set = pa.array(codes, pa.string())
    if pa.types.is_dictionary(column.type):
        # Look the few distinct values up once, then spread them by index.
        small = pc.index_in(column.dictionary, value_set=value_set)
        return pc.take(small, column.indices).cast(pa.int8())
    return pc.index_in(column, value_set=value_set).cast(pa.int8())


@dataclass
class KeyCollector:
    """Key columns of every accepted batch, by record type."""

    batches: dict[str, list[pa.Table]] = field(default_factory=dict)
    combined: set[str] = field(default_factory=set)
    """Record types whose kept keys are one table with distinct dictionaries."""

    def add(self, record_type: str, canonical: pa.Table, first_row: int, file_index: int) -> None:
        """Keep the key columns of one canonical batch with its row numbers and file."""
        self.keep(record_type, prepare(record_type, canonical, first_row, file_index))

    def keep(self, record_type: str, keys: pa.Table) -> None:
        """Keep keys made by :func:`prepare`."""
        self.batches.setdefault(record_type, []).append(keys)
        self.combined.discard(record_type)

    def table(self, record_type: str) -> pa.Table | None:
        """All kept keys of ``record_type`` in file and row order, or None if none.

        Dictionary columns share one dictionary of distinct values across batches (so
        equal indices are equal values); the combined table is cached.
        """
        parts = self.batches.get(record_type)
        if not parts:
            return None
        if record_type not in self.combined:
            if len(parts) > 1:
                # Unifying also merges values repeated within a batch's dictionary.
                parts[:] = [pa.concat_tables(parts).unify_dictionaries()]
            else:
                parts[:] = [_distinct_dictionaries(parts[0])]
            self.combined.add(record_type)
        return parts[0]


def _distinct_dictionaries(keys: pa.Table) -> pa.Table:
    """``keys`` with every dictionary column's dictionary made distinct.

    Arrow's unification leaves a table of one chunk as it is, repeats and all.
    """
    for position, name in enumerate(keys.column_names):
        column = keys.column(name)
        if pa.types.is_dictionary(column.type) and column.num_chunks:
            chunks = [deduplicated(chunk) for chunk in column.chunks]
            keys = keys.set_column(position, name, pa.chunked_array(chunks, chunks[0].type))
    return keys
