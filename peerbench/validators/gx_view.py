"""The table the Great Expectations suites check: canonical columns made scalar, plus
derived columns (follow-up per participant, item missingness per form).

Free of GX itself, so the quality profile can prepare its sample before GX loads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.instruments import ScoringMethod
from peerbench.schema.instruments.registry import reading_registry
from peerbench.schema.record_table import RECORDS

FOLLOW_UP_COLUMN = "baseline__has_followup"
ITEM_MISSING_COLUMN = "items__missing_share"
CODES_SEPARATOR = ";"


def licensed_instruments() -> list[str]:
    """Codes of registered instruments scored by the licensor's software (e.g. ``PAM13``)."""
    # The frozen built-in copies unless this process made the pydantic registry: building
    # the models (YAML and pydantic) cost ~0.5 s of a warm ``validate``'s quality profile.
    registry = reading_registry()
    return sorted(d.code for d in registry if d.scoring.method is ScoringMethod.LICENSED)


def _joined_codes(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.binary_join(column, CODES_SEPARATOR)


def _item_missing_share(table: pa.Table) -> pa.Array:
    """Per outcome row: missing item responses ÷ the instrument's item count.

    Rows whose items are not expected (licensed instruments) or whose instrument is
    unknown give null; a form with no items at all when they are expected gives 1.
    """
    registry = reading_registry()
    licensed = set(licensed_instruments())
    codes = [c for c in registry.codes() if c not in licensed]
    counts = pa.array([registry.get(c).item_count for c in codes], pa.float64())
    index = pc.index_in(table.column("instrument"), value_set=pa.array(codes, pa.string()))
    expected = pc.take(counts, index)  # null where the instrument is unknown or licensed
    items = table.column("items")
    array = items.combine_chunks() if isinstance(items, pa.ChunkedArray) else items
    # Answered items per row from a running count over the flat values: one vectorised
    # pass, no per-row Python. Offsets index the whole child array, so use them raw.
    offsets = np.asarray(array.offsets)
    valid = np.asarray(array.values.is_valid(), dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum(valid)])
    filled = (cumulative[offsets[1:]] - cumulative[offsets[:-1]]).astype(np.float64)
    filled = np.where(np.asarray(array.is_valid()), filled, 0.0)
    share = pc.divide(pc.subtract(expected, pa.array(filled)), expected)
    # Keep nulls null: a form no items are expected of must not count as complete.
    return pc.max_element_wise(share, pa.scalar(0.0), skip_nulls=False)


def follow_up_flags(table: pa.Table) -> pa.Array:
    """Per outcome row: for each participant's first baseline row, whether they followed up.

    A participant is ``(participant_key, service_id)``. The flag is True when, for at least
    one instrument they have a baseline on, they also have a non-baseline measurement of
    that instrument; False when they have none; null on every other row (so GX counts each
    participant with a baseline exactly once).
    """
    keys = ["participant_key", "service_id"]
    n = table.num_rows
    base = table.select([*keys, "instrument", "timepoint"]).append_column(
        "__row", pa.array(np.arange(n, dtype=np.int64))
    )
    is_baseline = pc.fill_null(pc.equal(base.column("timepoint"), "baseline"), False)
    is_follow = pc.fill_null(pc.invert(is_baseline), False)
    is_follow = pc.and_(is_follow, pc.is_valid(base.column("timepoint")))
    baselines = base.filter(is_baseline)
    pairs = [*keys, "instrument"]
    followed = base.filter(is_follow).group_by(pairs).aggregate([])
    followed = followed.append_column("__followed", pa.repeat(pa.scalar(True), followed.num_rows))
    joined = baselines.join(followed, pairs, join_type="left outer")
    per_participant = joined.group_by(keys).aggregate([("__row", "min"), ("__followed", "any")])
    flags = np.full(n, None, dtype=object)
    rows = per_participant.column("__row_min").to_numpy()
    flags[rows] = pc.fill_null(per_participant.column("__followed_any"), False).to_numpy(
        zero_copy_only=False
    )
    return pa.array(flags, type=pa.bool_())


def gx_view(table: pa.Table, record_type: str) -> pa.Table:
    """The columns the suite checks: canonical columns with lists made scalar, plus derived ones.

    Lists of codes become ``;``-joined text; a list of integers (``items``) becomes its
    length, so not-null still means "given". The outcome table gains
    :data:`ITEM_MISSING_COLUMN` and, unless ``table`` already has it,
    :data:`FOLLOW_UP_COLUMN` (which needs all rows: compute it on the full table before
    sampling, as :func:`peerbench.validators.quality.quality_profile` does).
    """
    columns: dict[str, Any] = {}
    for spec in RECORDS[record_type].specs:  # plain data: no pydantic models to load
        column = table.column(spec.name)
        if spec.kind == "codes":
            column = _joined_codes(column)
        elif spec.kind == "integers":
            column = pc.list_value_length(column)
        columns[spec.name] = column
    if record_type == "outcome":
        columns[ITEM_MISSING_COLUMN] = _item_missing_share(table)
        columns[FOLLOW_UP_COLUMN] = (
            table.column(FOLLOW_UP_COLUMN)
            if FOLLOW_UP_COLUMN in table.column_names
            else follow_up_flags(table)
        )
    return pa.table(columns)
