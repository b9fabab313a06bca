"""Score the outcomes table once, before Ibis, with the instrument registry.

Ibis cannot call :func:`peerbench.schema.instruments.score_items`, so scoring happens
here, column-wise: rows are grouped by instrument with one stable sort, and each
instrument's rows are scored in one call (a loop over instruments, never over rows).
The result is a narrow "scored" table that the Ibis expressions read and that can be
cached as Parquet (:func:`write_scored`).

Definitions:

* ``score``: the instrument's total or converted score (``score_items``); for PAM13 the
  ``licensed_score`` supplied by the licensed software; for instruments scored item by
  item (ONS4) or as a profile without a value set (EQ-5D-5L), one row per subscale
  with instrument ``CODE.subscale`` and the (oriented) item value as its score.
* ``person`` and ``seq``: int64 surrogate keys (participant × service; order by date then
  record id) so that the expressions group and sort integers, not 32-character keys
  (:mod:`peerbench.aggregate.keys`).
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

from peerbench.aggregate.keys import person_ids, sequence_keys
from peerbench.aggregate.lineage import LINEAGE_COLUMNS
from peerbench.aggregate.parameters import SUBSCALE_METHODS, has_total, subscale_code
from peerbench.schema.instruments import (
    InstrumentDefinition,
    InstrumentRegistry,
    ScoringMethod,
    default_registry,
    score_items,
)

_KEY_COLUMNS = (
    "record_id",
    "participant_key",
    "service_id",
    "instrument",
    "timepoint",
    "date_administered",
)

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


def _chunk(rows: pa.Table, code: str, score: pa.Array) -> pa.Table:
    keep = pc.is_valid(score)
    columns = [rows.column(c) for c in _KEY_COLUMNS]
    columns[3] = pa.chunked_array([pa.repeat(pa.scalar(code, pa.string()), rows.num_rows)])
    columns.append(pa.chunked_array([score]))
    columns.extend(rows.column(c) for c in ("person", "seq"))
    columns.extend(rows.column(c) for c in LINEAGE_COLUMNS)
    return pa.Table.from_arrays(columns, schema=SCORED_SCHEMA).filter(keep)


def score_outcomes(outcomes: pa.Table, registry: InstrumentRegistry | None = None) -> pa.Table:
    """Score every outcome row with its instrument's definition.

    Args:
        outcomes: Outcomes in the pooled schema (with lineage columns; see
            :meth:`peerbench.aggregate.sources.BenchmarkSource.read`).
        registry: Instrument definitions (default: the built-in registry).

    Returns:
        A table in :data:`SCORED_SCHEMA`, grouped by instrument.
    """
    registry = registry or default_registry()
    needed = [*_KEY_COLUMNS, "items", "licensed_score", *LINEAGE_COLUMNS]
    table = outcomes.select(needed)
    (people,) = person_ids([table])
    table = table.append_column("person", pa.array(people))
    seq = sequence_keys(table.column("date_administered"), table.column("record_id"))
    table = table.append_column("seq", pa.array(seq))
    encoded = pc.dictionary_encode(table.column("instrument")).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    table = table.take(pa.array(order))
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    starts = np.concatenate([[0], np.cumsum(counts)])
    chunks = [SCORED_SCHEMA.empty_table()]
    for index, code in enumerate(encoded.dictionary.to_pylist()):
        if code not in registry or counts[index] == 0:
            continue
        rows = table.slice(int(starts[index]), int(counts[index]))
        for reported, score in _scores(registry.get(code), rows).items():
            chunks.append(_chunk(rows, reported, score))
    return pa.concat_tables(chunks)


def write_scored(scored: pa.Table, path: str | Path) -> Path:
    """Cache a scored table as Parquet (zstd); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(scored, path, compression="zstd")
    return path


def read_scored(path: str | Path) -> pa.Table:
    """Read a scored table written by :func:`write_scored`."""
    return pq.read_table(str(path), schema=SCORED_SCHEMA)
