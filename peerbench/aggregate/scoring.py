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
from numpy.typing import NDArray

from peerbench.aggregate.keys import person_ids, sequence_keys
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


def score_outcomes(
    outcomes: pa.Table,
    registry: InstrumentRegistry | None = None,
    *,
    rows: pa.Array | pa.ChunkedArray | None = None,
) -> pa.Table:
    """Score every outcome row with its instrument's definition.

    Args:
        outcomes: Outcomes in the pooled schema (with lineage columns; see
            :meth:`peerbench.aggregate.sources.BenchmarkSource.read`).
        registry: Instrument definitions (default: the built-in registry).
        rows: A boolean mask (null: false): score only these rows. The same result as
            scoring ``outcomes.filter(rows)``, without copying every column of the
            table first (the item lists and texts of a million rows are ~200 MB).

    Returns:
        A table in :data:`SCORED_SCHEMA`, grouped by reported instrument code.
    """
    registry = registry or default_registry()
    # Work in the selected rows' index space; ``positions`` maps it back to the table.
    positions: IntArray | None = None
    if rows is not None:
        mask = pc.fill_null(rows, False).to_numpy(zero_copy_only=False)
        if not mask.all():
            positions = np.flatnonzero(mask)

    def selected(name: str) -> pa.ChunkedArray:
        column = outcomes.column(name)
        return column if positions is None else column.take(pa.array(positions))

    def original(index: IntArray) -> pa.Array:
        return pa.array(index if positions is None else positions[index])

    encoded = pc.dictionary_encode(selected("instrument")).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    starts = np.concatenate([[0], np.cumsum(counts)])
    # Only the inputs of scoring are reordered here; the output columns are gathered in
    # one take at the end, for the scored rows only.
    inputs = outcomes.select(["items", "licensed_score"])
    rows_kept: list[IntArray] = []
    reported_codes: list[pa.Array] = []
    scores: list[pa.Array] = []
    for index, code in enumerate(encoded.dictionary.to_pylist()):
        if code not in registry or counts[index] == 0:
            continue
        group = order[starts[index] : starts[index + 1]]
        for reported, score in _scores(registry.get(code), inputs.take(original(group))).items():
            valid = pc.is_valid(score)
            rows_kept.append(group[valid.to_numpy(zero_copy_only=False)])
            scores.append(score.filter(valid))
            n = len(rows_kept[-1])
            reported_codes.append(pa.repeat(pa.scalar(reported, pa.string()), n))
    if not rows_kept:
        return SCORED_SCHEMA.empty_table()
    kept = np.concatenate(rows_kept)
    # Not "instrument": the reported codes replace it (a subscale row reports CODE.name).
    gathered = [name for name in (*_KEY_COLUMNS, *LINEAGE_COLUMNS) if name != "instrument"]
    taken = outcomes.select(gathered).take(original(kept))
    keys = pa.table({name: selected(name) for name in ("participant_key", "service_id")})
    (people,) = person_ids([keys])
    seq = sequence_keys(selected("date_administered"), selected("record_id"))
    columns = {name: taken.column(name) for name in taken.column_names}
    columns["instrument"] = pa.chunked_array(reported_codes, pa.string())
    columns["score"] = pa.chunked_array(scores, pa.float64())
    columns["person"] = pa.chunked_array([pa.array(people[kept])])
    columns["seq"] = pa.chunked_array([pa.array(seq[kept])])
    return pa.Table.from_arrays([columns[f.name] for f in SCORED_SCHEMA], schema=SCORED_SCHEMA)


def write_scored(scored: pa.Table, path: str | Path) -> Path:
    """Cache a scored table as Parquet (peerbench's layout); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(scored, path)
    return path


def read_scored(path: str | Path) -> pa.Table:
    """Read a scored table written by :func:`write_scored`."""
    return pq.read_table(str(path), schema=SCORED_SCHEMA)
