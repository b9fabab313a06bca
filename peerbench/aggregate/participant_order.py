"""Participant keys attached, and rows put in key order, in Arrow rather than by the engine.

The participant-level tables (``baselines``, ``paired``: one row per person and time
point, 830,000 rows at a million outcome rows) are keyed by the 32-character
``participant_key``, which the aggregations replace by the integer ``person``
(:mod:`peerbench.aggregate.keys`). Joining the keys back and sorting by them in the engine
carried two text columns through a join and a sort of every row: 2-3 s of CPU at 1M
rows, most of the engine's fetch time. Here the engine returns the rows unsorted and
without keys; the distinct ``person → participant_key, organisation_id`` rows (one per
person and service: a quarter as many) are ranked once, and the rows are ordered by
integer ranks (one int64 composite key, one NumPy sort) and gathered with one ``take``.

The order is exactly the engine's ``ORDER BY`` of the key columns: strings byte-wise,
nulls last (pyarrow's rank uses that order too). When a person has more than one such
row (one ``participant_key`` and ``service_id`` sent by two organisations), the rows
are not in one-to-one correspondence and :meth:`People.of` returns None: the
caller joins in the engine instead (:class:`People`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]

KEY_COLUMNS = ("participant_key", "organisation_id")
"""Columns :meth:`People.attach` puts first, as ``with_participants`` does."""


def _ranks(column: pa.ChunkedArray | pa.Array) -> IntArray:
    """Each value's dense rank in ascending byte-wise order, nulls after every value.

    Distinct values are ranked (a dictionary is far shorter than the column), then spread
    to the rows by their dictionary index.
    """
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    order = pc.rank(encoded.dictionary, sort_keys="ascending", tiebreaker="dense")
    ranks = np.append(order.to_numpy(zero_copy_only=False).astype(np.int64), len(order) + 1)
    # A null has no dictionary entry: it takes the rank after every value (nulls last).
    indices = pc.fill_null(encoded.indices, len(order)).to_numpy(zero_copy_only=False)
    out: IntArray = ranks[indices.astype(np.int64)]
    return out


def _gather(column: pa.ChunkedArray, index: pa.Array) -> pa.Array | pa.ChunkedArray:
    """``column.take(index)``; text with few distinct values through its dictionary.

    A take of strings in sorted order reads every string from a random place; the
    dictionary's codes are gathered instead and the few distinct strings written out
    from a dictionary that stays in cache (about half the time at a million rows).
    Text that is mostly distinct (participant keys) is taken directly.
    """
    if not pa.types.is_string(column.type) or len(index) < _DICTIONARY_MIN_ROWS:
        return column.take(index)
    encoded = pc.dictionary_encode(column).combine_chunks()
    if len(encoded.dictionary) * 4 > len(column):
        return column.take(index)
    out: pa.Array = encoded.dictionary.take(encoded.indices.take(index))
    return out


_DICTIONARY_MIN_ROWS = 10_000
"""Below this many rows a direct take is as fast (and the encoding not worth it)."""

_COMPOSITE_LIMIT = 2**62
"""Largest composite key :func:`_order` builds (beyond it, a lexsort)."""


def _order(ranks: list[IntArray]) -> IntArray:
    """Row order by several rank columns, the first most significant (a stable sort).

    One int64 key (the ranks in mixed radix: every rank fits its place) sorts faster than
    a lexsort of several; a key that could overflow falls back to ``np.lexsort``.
    """
    radices = [int(r.max(initial=0)) + 1 for r in ranks]
    if int(np.prod(radices, dtype=object)) >= _COMPOSITE_LIMIT:
        out: IntArray = np.lexsort(ranks[::-1])  # np.lexsort sorts by its last key first
        return out
    composite = ranks[0]
    for rank, radix in zip(ranks[1:], radices[1:], strict=True):
        composite = composite * radix + rank
    order: IntArray = np.argsort(composite, kind="stable")
    return order


@dataclass(frozen=True)
class People:
    """The distinct ``person → participant_key, organisation_id`` rows, ranked once.

    Build it with :meth:`of`; one serves every participant-level table of a run.
    """

    table: pa.Table
    persons: IntArray
    """``person`` values, ascending."""
    rows: IntArray
    """The row of :attr:`table` holding each of :attr:`persons`."""
    key_ranks: IntArray
    """Per row of :attr:`table`, the rank of its ``participant_key``."""

    @classmethod
    def of(cls, people: pa.Table) -> People | None:
        """``people`` ranked, or None when some person has more than one row (a person
        with two organisations: every match is a row, as the engine's join makes it)."""
        person = people.column("person").to_numpy(zero_copy_only=False).astype(np.int64)
        rows = np.argsort(person, kind="stable")
        persons = person[rows]
        if len(persons) > 1 and bool((persons[1:] == persons[:-1]).any()):
            return None
        return cls(people, persons, rows, _ranks(people.column("participant_key")))

    def attach(self, table: pa.Table, keys: Sequence[str], schema: pa.Schema) -> pa.Table | None:
        """``table`` with ``participant_key`` and ``organisation_id`` first, sorted by ``keys``.

        Args:
            table: A participant-level table with a ``person`` column, in any order.
            keys: The sort keys: ``participant_key``, then columns of ``table``.
            schema: The result's schema (``participant_key, organisation_id``, then
                ``table``'s columns).

        Returns:
            The sorted table, or None when a row's person is not among the people (the
            engine's left join would leave it without a key).
        """
        if keys[0] != "participant_key":
            raise ValueError("participant-level tables are keyed by participant_key first")
        wanted = table.column("person").to_numpy(zero_copy_only=False).astype(np.int64)
        if len(wanted) and not len(self.persons):
            return None
        found = np.minimum(np.searchsorted(self.persons, wanted), max(len(self.persons) - 1, 0))
        if len(wanted) and bool((self.persons[found] != wanted).any()):
            return None
        people_rows = self.rows[found]  # each row's person, as a row of ``table``
        ranks = [self.key_ranks[people_rows], *(_ranks(table.column(k)) for k in keys[1:])]
        order = _order(ranks)
        gathered = pa.array(people_rows[order])
        columns = [_gather(self.table.column(name), gathered) for name in KEY_COLUMNS]
        index = pa.array(order)
        columns += [_gather(column, index) for column in table.columns]
        names = [*KEY_COLUMNS, *table.column_names]
        return pa.Table.from_arrays(columns, names=names).cast(schema)
