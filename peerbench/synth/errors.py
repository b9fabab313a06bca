"""Inject known, catalogued errors into clean tables and record each one in a manifest.

About ``error_rate`` of the rows of each file receive exactly one error (the file's
error kinds share the budget equally, as far as each kind has eligible rows). Most
errors change one cell in place; a few (``duplicate-key`` and errors on the identifiers
other files refer to) append a copied row instead, so no clean row elsewhere loses what
it refers to. Injected values always fit the Arrow schema, so every format can be
written. Each error is one manifest row ``file,row,column,code,value``: ``row`` is the
spreadsheet row (header = 1, first data row = 2), ``column`` the CSV column (``item_3``
for one item, ``items`` for the whole list) and ``value`` the cell as CSV text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.schema.records import RECORD_TYPES
from peerbench.synth.columns import BoolArray, IntArray
from peerbench.synth.config import SynthConfig

MANIFEST_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row", pa.int64()),
        ("column", pa.string()),
        ("code", pa.string()),
        ("value", pa.string()),
    ]
)
ERROR_CODES = (
    "required-missing",
    "code-invalid",
    "out-of-range",
    "item-out-of-range",
    "pattern-invalid",
    "date-in-future",
    "duplicate-key",
    "unknown-reference",
    "follow-up-before-baseline",
    "total-mismatch",
    "pam-level-mismatch",
    "sessions-exceed-offered",
    "date-order",
    "identifier-detected",
    "too-many-missing-items",
)
"""The stable error codes the generator uses (shared with the validator's catalogue)."""


@dataclass(frozen=True)
class Context:
    """What error makers may look at besides the table they change."""

    config: SynthConfig
    tables: dict[str, pa.Table]


Eligible = Callable[[pa.Table, Context], BoolArray]
Maker = Callable[[np.random.Generator, pa.Table, IntArray, Context], tuple[list[Any], list[str]]]
"""Returns the new cell values for ``rows`` and the manifest column of each."""


@dataclass(frozen=True)
class ErrorKind:
    """One kind of error for one file: its code, target column and how to make it."""

    code: str
    column: str
    make: Maker
    eligible: Eligible | None = None
    append: bool = False
    """Copy the chosen rows to the end of the file and change the copies."""


def _replace(column: Any, rows: IntArray, values: list[Any]) -> Any:
    """``column`` with ``values`` at ``rows``: concatenate the patch, then one take."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(array)
    index = np.arange(n)
    index[rows] = n + np.arange(rows.shape[0])
    patch = pa.array(values, type=array.type)
    return pa.concat_arrays([array, patch]).take(pa.array(index))


def cell_text(value: Any) -> str:
    """A cell value written as CSV text (lists joined by ';', empty for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def manifest_value(table: pa.Table, row: int, column: str) -> str:
    """The text of the cell a manifest row names (``item_N`` reads one list element)."""
    if column.startswith("item_") and column not in table.column_names:
        items = table.column("items")[row].as_py()
        position = int(column.removeprefix("item_")) - 1
        return cell_text(None if items is None or position >= len(items) else items[position])
    return cell_text(table.column(column)[row].as_py())


def _choose(rng: np.random.Generator, mask: BoolArray, budget: int) -> IntArray:
    candidates = np.flatnonzero(mask)
    if candidates.shape[0] <= budget:
        return candidates
    chosen: IntArray = np.sort(rng.choice(candidates, size=budget, replace=False))
    return chosen


def inject_file(
    rng: np.random.Generator,
    table: pa.Table,
    kinds: list[ErrorKind],
    context: Context,
) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """Inject errors into one table.

    Returns:
        The changed table and ``(row index, column, code)`` for each injected error.
    """
    n = table.num_rows
    if n == 0 or not kinds or context.config.error_rate <= 0:
        return table, []
    total = max(1, round(context.config.error_rate * n))
    budgets = [total // len(kinds) + (i < total % len(kinds)) for i in range(len(kinds))]
    used = np.zeros(n, dtype=np.bool_)
    records: list[tuple[int, str, str]] = []
    appended: list[pa.Table] = []
    next_row = n
    for kind, budget in zip(kinds, budgets, strict=True):
        if budget == 0:
            continue
        mask = (
            np.ones(n, dtype=np.bool_) if kind.eligible is None else kind.eligible(table, context)
        )
        # Appended copies come from untouched rows too, so a copy carries one error only.
        rows = _choose(rng, mask & ~used, budget)
        if rows.shape[0] == 0:
            continue
        if kind.append:
            copies = table.take(pa.array(rows))
            values, columns = kind.make(rng, copies, np.arange(rows.shape[0]), context)
            position = copies.column_names.index(kind.column)
            copies = copies.set_column(
                position,
                copies.schema.field(position),  # keeps nullability and field metadata
                _replace(copies.column(kind.column), np.arange(len(values)), values),
            )
            appended.append(copies)
            targets = list(range(next_row, next_row + rows.shape[0]))
            next_row += rows.shape[0]
        else:
            values, columns = kind.make(rng, table, rows, context)
            position = table.column_names.index(kind.column)
            table = table.set_column(
                position,
                table.schema.field(position),
                _replace(table.column(kind.column), rows, values),
            )
            used[rows] = True
            targets = rows.tolist()
        records += [(r, c, kind.code) for r, c in zip(targets, columns, strict=True)]
    if appended:
        table = pa.concat_tables([table, *appended]).combine_chunks()
    return table, records


def inject_errors(
    rng: np.random.Generator,
    tables: dict[str, pa.Table],
    config: SynthConfig,
    catalogue: dict[str, list[ErrorKind]],
) -> tuple[dict[str, pa.Table], pa.Table]:
    """Inject errors into every table and build the manifest.

    Args:
        rng: Random source.
        tables: Clean tables by record type.
        config: The generator config (``error_rate``, ``as_of``).
        catalogue: Error kinds per record type (see ``error_catalogue.CATALOGUE``).

    Returns:
        The tables with errors, and the manifest (schema :data:`MANIFEST_SCHEMA`).
    """
    context = Context(config=config, tables=tables)
    out: dict[str, pa.Table] = {}
    manifest: dict[str, list[Any]] = {name: [] for name in MANIFEST_SCHEMA.names}
    for record_type, table in tables.items():
        changed, records = inject_file(rng, table, catalogue.get(record_type, []), context)
        out[record_type] = changed
        stem = RECORD_TYPES[record_type].file_stem
        for row, column, code in sorted(records):
            manifest["file"].append(stem)
            manifest["row"].append(row + 2)
            manifest["column"].append(column)
            manifest["code"].append(code)
            manifest["value"].append(manifest_value(changed, row, column))
    return out, pa.table(manifest, schema=MANIFEST_SCHEMA)
