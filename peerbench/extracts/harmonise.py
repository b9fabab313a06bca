"""Harmonise pooled (or plain) tables for an extract, column-wise with pyarrow.

Every record type leaves here in the standard's canonical schema, followed by the
lineage columns the pool adds (derived where the input lacks them, as for a plain
folder of standard files; see :mod:`peerbench.aggregate.lineage`), with
``_submission_id`` dropped and, for participants, ``ethnic_group`` added next to
``ethnicity``. A record submitted in more than one period appears once: the row from
the latest period wins, labelled with the period it was first sent for.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.aggregate.lineage import LINEAGE_COLUMNS, add_lineage, latest_rows
from peerbench.extracts.columns import DROPPED, ETHNIC_GROUP
from peerbench.io.tabular import conform
from peerbench.schema.codelists import ETHNICITY_GROUP
from peerbench.schema.records import RECORD_TYPES, RECORD_TYPES_BY_STEM

_ROW = "__row"
_ETHNICITY = pa.array([member.value for member in ETHNICITY_GROUP], pa.string())
_GROUP = pa.array([group.value for group in ETHNICITY_GROUP.values()], pa.string())


def record_type_of(name: str) -> str:
    """``outcome`` for ``outcome`` or ``outcomes``.

    Raises:
        ValueError: not a record type of the standard.
    """
    if name in RECORD_TYPES:
        return name
    if name in RECORD_TYPES_BY_STEM:
        return RECORD_TYPES_BY_STEM[name].record_type
    raise ValueError(f"{name!r} is not a record type; use one of: {', '.join(RECORD_TYPES)}")


def _canonical(table: pa.Table | None, record_type: str) -> pa.Table:
    """The standard's columns, plus whichever lineage columns ``table`` has."""
    if table is None:
        return conform(pa.table({}), record_type)
    result = conform(table, record_type)
    for name in LINEAGE_COLUMNS:
        if name in table.column_names:
            result = result.append_column(
                pa.field(name, pa.string()), table.column(name).cast(pa.string())
            )
    return result


def _with_lineage(record_type: str, table: pa.Table, tables: dict[str, pa.Table]) -> pa.Table:
    if table.num_rows == 0:
        # add_lineage cannot type a derived column of an empty (chunkless) table.
        for name in LINEAGE_COLUMNS:
            if name not in table.column_names:
                table = table.append_column(pa.field(name, pa.string()), pa.nulls(0, pa.string()))
        return table.select(
            [*(c for c in table.column_names if c not in LINEAGE_COLUMNS), *LINEAGE_COLUMNS]
        )
    return add_lineage(
        record_type, table, services=tables["service"], engagements=tables["engagement"]
    )


def ethnic_groups(ethnicity: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The five-group roll-up of each 19-category ethnicity code (null stays null)."""
    return pc.take(_GROUP, pc.index_in(ethnicity, value_set=_ETHNICITY))


def harmonise(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Every record type of the standard, harmonised for an extract (SPEC order).

    Args:
        tables: Record type (or file stem) → rows, in the pooled or the canonical
            schema. A record type not given yields an empty table.

    Returns:
        Record type → harmonised table.
    """
    given = {record_type_of(name): table for name, table in tables.items()}
    canonical = {rt: _canonical(given.get(rt), rt) for rt in RECORD_TYPES}
    out: dict[str, pa.Table] = {}
    for record_type, table in canonical.items():
        table = _with_lineage(record_type, table, canonical)
        table = latest_rows(table, record_type).drop_columns(list(DROPPED))
        if record_type == "participant":
            position = table.column_names.index(str(ETHNIC_GROUP.after)) + 1
            table = table.add_column(
                position,
                pa.field(ETHNIC_GROUP.name, ETHNIC_GROUP.arrow_type),
                ethnic_groups(table.column("ethnicity")),
            )
        out[record_type] = table
    return out
