"""Score the outcomes table once, before Ibis, with the instrument registry.

Ibis cannot call :func:`peerbench.schema.instruments.score_items`, so scoring happens
here, column-wise: rows are grouped by instrument with one stable sort, and each
instrument's rows are scored in one call (a loop over instruments, never over rows).
The result is a narrow "scored" table that the Ibis expressions read and that can be
cached as Parquet (:func:`write_scored`). The engine's copy (``compact``:
:data:`ENGINE_SCHEMA`) keeps its text dictionary-encoded: ten million rows of it are
held for a whole run.

Definitions:

* ``score``: the instrument's total or converted score (``score_items``); for PAM13 the
  ``licensed_score`` supplied by the licensed software; for instruments scored item by
  item (ONS4) or as a profile without a value set (EQ-5D-5L), one row per subscale
  with instrument ``CODE.subscale`` and the (oriented) item value as its score.
* ``person`` and ``seq``: int64 surrogate keys (participant × service; order by date then
  record id) so that the expressions group and sort integers, not 32-character keys
  (:mod:`peerbench.aggregate.keys`). Only keys: numbered over every row of the input,
  masked or not, so the same people and order as scoring a filtered copy, not the same
  numbers.
* Rows that cannot be scored are dropped: unknown instrument codes (not in the
  registry), wrong item counts, out-of-range items, too many missing items, a missing
  licensed score. ``record_id`` is therefore unique per instrument code, not overall.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from peerbench.aggregate.keys import sequence_keys
from peerbench.aggregate.lineage import LINEAGE_COLUMNS
from peerbench.aggregate.parameters import SUBSCALE_METHODS, has_total, subscale_code
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.instruments import (
    InstrumentDefinition,
    InstrumentRegistry,
    ScoringMethod,
    default_registry,
    score_items,
)

IntArray = NDArray[np.int64]

SCORED_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string()),
        pa.field("participant_key", pa.string()),
        pa.field("service_id", pa.string()),
        pa.field("instrument", pa.string()),
        pa.field("timepoint", pa.string()),
        pa.field("date_administered", pa.date32()),
        pa.field("score", pa.float64()),
        pa.field("person", pa.int64()),
        pa.field("seq", pa.int64()),
        *(pa.field(name, pa.string()) for name in LINEAGE_COLUMNS),
    ]
)
"""Columns of the scored table (one row per scored measurement and reported code)."""

_TEXT_GATHERED = ("timepoint", *LINEAGE_COLUMNS)
"""Text columns taken over from the outcomes as they are (besides the keys)."""
_ENGINE_TEXT = ("participant_key", "service_id", "instrument", *_TEXT_GATHERED)
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())

ENGINE_SCHEMA = pa.schema(
    [
        pa.field(f.name, _DICTIONARY) if f.name in _ENGINE_TEXT else f
        for f in SCORED_SCHEMA
        if f.name not in ("record_id", "date_administered")
    ]
)
"""The scored table the aggregation engine reads (:func:`score_outcomes` ``compact``):
text dictionary-encoded (a few distinct values each: a tenth of the memory of plain
text at ten million rows), and without ``record_id`` and ``date_administered``, whose
order ``seq`` holds and which no expression reads."""


def _scores(definition: InstrumentDefinition, rows: pa.Table) -> dict[str, pa.Array]:
    """Reported code → score column for one instrument's rows."""
    method = definition.scoring.method
    if method is ScoringMethod.LICENSED:
        result = score_items(definition, licensed_score=rows.column("licensed_score"))
    else:
        result = score_items(definition, rows.column("items"))
    out: dict[str, pa.Array] = {}
    if has_total(definition):
        out[definition.code] = result.score
    if method in SUBSCALE_METHODS:
        for name, column in result.subscores.items():
            out[subscale_code(definition.code, name)] = column
    return out


def _encoded(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """``column`` dictionary-encoded as one array (one dictionary for every chunk)."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return encoded


def _codes(encoded: pa.DictionaryArray) -> IntArray:
    """The dictionary indices of ``encoded`` as int64 (a null: -1)."""
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    codes: IntArray = indices.astype(np.int64)
    return codes


def score_outcomes(
    outcomes: pa.Table,
    registry: InstrumentRegistry | None = None,
    *,
    rows: pa.Array | pa.ChunkedArray | None = None,
    compact: bool = False,
) -> pa.Table:
    """Score every outcome row with its instrument's definition.

    Args:
        outcomes: Outcomes in the pooled schema (with lineage columns; see
            :meth:`peerbench.aggregate.sources.BenchmarkSource.read`).
        registry: Instrument definitions (default: the built-in registry).
        rows: A boolean mask (null: false): score only these rows. The same result as
            scoring ``outcomes.filter(rows)``, without copying every column of the
            table first (the item lists and texts of a million rows are ~200 MB).
        compact: Return the engine's narrower table (:data:`ENGINE_SCHEMA`): text
            columns dictionary-encoded, no ``record_id`` or ``date_administered``.

    Returns:
        A table in :data:`SCORED_SCHEMA` (or :data:`ENGINE_SCHEMA`), grouped by reported
        instrument code.
    """
    registry = registry or default_registry()
    # Work in the selected rows' index space; ``positions`` maps it back to the table.
    # Text columns are dictionary-encoded whole and only their integer codes are
    # selected and gathered: a gather of strings in instrument order is a random read
    # of every string (most of scoring's time at a million rows).
    positions: IntArray | None = None
    if rows is not None:
        mask = pc.fill_null(rows, False).to_numpy(zero_copy_only=False)
        if not mask.all():
            positions = np.flatnonzero(mask)

    def selected(values: IntArray) -> IntArray:
        return values if positions is None else values[positions]

    def original(index: IntArray) -> pa.Array:
        return pa.array(index if positions is None else positions[index])

    instruments = _encoded(outcomes.column("instrument"))
    codes = selected(_codes(instruments))
    order = np.argsort(codes, kind="stable")
    # A null instrument (code -1) is counted in the last bin, which no dictionary entry reads.
    counts = np.bincount(np.where(codes < 0, len(instruments.dictionary), codes))
    counts = np.pad(counts, (0, len(instruments.dictionary) + 1 - len(counts)))
    starts = np.concatenate([[0], np.cumsum(counts)])
    # Only the inputs of scoring are reordered here; the output columns are gathered in
    # one take at the end, for the scored rows only.
    inputs = outcomes.select(["items", "licensed_score"])
    rows_kept: list[IntArray] = []
    reported: list[str] = []
    reported_index: list[IntArray] = []
    scores: list[pa.Array] = []
    for index, code in enumerate(instruments.dictionary.to_pylist()):
        if code not in registry or counts[index] == 0:
            continue
        group = order[starts[index] : starts[index + 1]]
        for name, score in _scores(registry.get(code), inputs.take(original(group))).items():
            valid = pc.is_valid(score)
            rows_kept.append(group[valid.to_numpy(zero_copy_only=False)])
            scores.append(score.filter(valid))
            reported_index.append(np.full(len(rows_kept[-1]), len(reported), np.int32))
            reported.append(name)
    schema = ENGINE_SCHEMA if compact else SCORED_SCHEMA
    if not rows_kept:
        return schema.empty_table()
    kept = np.concatenate(rows_kept)
    taken = original(kept)
    people = _encoded(outcomes.column("participant_key"))
    services = _encoded(outcomes.column("service_id"))
    # person = service code × people + participant code (a bijection with the pair).
    person = _codes(services) * len(people.dictionary) + _codes(people)
    # Dense ranks over every row: among the selected rows the order is the same.
    seq = sequence_keys(outcomes.column("date_administered"), outcomes.column("record_id"))
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "participant_key": people,
        "service_id": services,
        **{name: _encoded(outcomes.column(name)) for name in _TEXT_GATHERED},
    }
    columns = {
        name: pa.DictionaryArray.from_arrays(column.indices.take(taken), column.dictionary)
        for name, column in columns.items()
    }
    columns["instrument"] = pa.DictionaryArray.from_arrays(
        pa.array(np.concatenate(reported_index)), pa.array(reported, pa.string())
    )
    columns["score"] = pa.chunked_array(scores, pa.float64())
    columns["person"] = pa.array(person[kept if positions is None else positions[kept]])
    columns["seq"] = pa.array(seq[kept if positions is None else positions[kept]])
    if not compact:
        columns.update(
            {name: outcomes.column(name).take(taken) for name in ("record_id", "date_administered")}
        )
        columns = {name: _plain(column) for name, column in columns.items()}
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def _plain(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A dictionary column decoded to its values (others unchanged)."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def write_scored(scored: pa.Table, path: str | Path) -> Path:
    """Cache a scored table as Parquet (peerbench's layout); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(scored, path)
    return path


def read_scored(path: str | Path) -> pa.Table:
    """Read a scored table written by :func:`write_scored` (either schema)."""
    names = pq.read_schema(str(path)).names
    schema = SCORED_SCHEMA if "record_id" in names else ENGINE_SCHEMA
    return pq.read_table(str(path), schema=schema)
