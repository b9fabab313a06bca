"""Check one batch of one record type and return it in canonical form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from peerbench.io.formulas import formula_mask
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.record_info import FieldSpec, RecordInfo
from peerbench.schema.record_table import RECORDS
from peerbench.validators import identifiers
from peerbench.validators.columnar import items as item_grid
from peerbench.validators.columnar.cells import absent, check_column
from peerbench.validators.columnar.coerce import Coerced, as_array, flag
from peerbench.validators.columnar.context import CheckContext
from peerbench.validators.columnar.headers import Headers, check_headers, read_headers
from peerbench.validators.columnar.instruments import check_instruments
from peerbench.validators.columnar.rules import check_rules


def _specs(record_type: str) -> tuple[FieldSpec, ...]:
    return RECORDS[record_type].specs


def free_text_fields(record_type: str) -> tuple[str, ...]:
    """Fields whose values could hold an identifier: text with no pattern or code list."""
    return tuple(s.name for s in _specs(record_type) if s.kind == "string" and s.pattern is None)


@dataclass(frozen=True)
class Plan:
    """What is known about a file before its rows are read.

    Attributes:
        record_type: The record type of every row.
        model: Its record type (the model's attributes and fields, as plain data).
        specs: Its fields.
        headers: The file's columns sorted into fields, item columns and unknown.
    """

    record_type: str
    model: RecordInfo
    specs: tuple[FieldSpec, ...]
    headers: Headers


def plan_file(record_type: str, columns: Sequence[str], ctx: CheckContext) -> Plan:
    """Check a file's header row once and plan its batches.

    Records ``column-missing``, ``column-unknown`` and header-level
    ``identifier-detected`` findings.
    """
    specs = _specs(record_type)
    headers = read_headers(columns, specs)
    check_headers(headers, specs, ctx, RECORDS[record_type].file_stem)
    identifiers.check_headers(headers.unknown, ctx)
    return Plan(record_type, RECORDS[record_type], specs, headers)


@dataclass
class CheckedBatch:
    """A checked batch: its canonical columns, decoded only when read.

    Attributes:
        record_type: The record type of every row.
        num_rows: Rows in the batch.
        columns: Canonical field → its coerced column (cells with findings are null).
    """

    record_type: str
    num_rows: int
    columns: dict[str, Coerced]
    items: Callable[[], Any] | None = None
    """Builds the canonical ``items`` column (record types with item responses)."""

    def column(self, name: str) -> Any:
        """The canonical values of field ``name``."""
        if name == "items" and self.items is not None:
            return self.items()
        return self.columns[name].values

    def encoded(self) -> dict[str, Any]:
        """Dictionary views of the columns checked per distinct value (equal once decoded)."""
        return {n: c.encoded for n, c in self.columns.items() if c.encoded is not None}

    def table(self) -> pa.Table:
        """The batch in the canonical Arrow schema."""
        schema = arrow_schema(self.record_type)
        return pa.Table.from_arrays(
            [self.column(f.name).cast(f.type) for f in schema], schema=schema
        )


def check_batch(
    plan: Plan,
    table: pa.Table,
    ctx: CheckContext,
    first_row: int,
    on_fields: Callable[[CheckedBatch], None] | None = None,
) -> CheckedBatch:
    """Run every single-record check on a batch.

    Args:
        plan: From :func:`plan_file`.
        table: The batch as read (headers already mapped).
        ctx: Where findings go.
        first_row: Row number of the batch's first row.
        on_fields: Called with the batch once each field is checked on its own, before
            the checks across fields (instruments, rules), which leave the fields as
            they are: key columns can be taken from it early.

    Returns:
        The checked batch; :meth:`CheckedBatch.table` gives it in the canonical schema.
    """
    n = table.num_rows
    # Text readers hand over many small blocks; every check wants contiguous columns.
    table = table.combine_chunks()
    columns: dict[str, Coerced] = {}
    for spec in plan.specs:  # per column, never per row
        if spec.kind == "integers":
            continue  # item lists are assembled and checked with their instrument below
        if spec.name in plan.headers.present:
            columns[spec.name] = check_column(spec, table.column(spec.name), ctx, first_row)
        else:
            columns[spec.name] = absent(spec, n)
    checked = CheckedBatch(plan.record_type, n, columns)
    if on_fields is not None:
        on_fields(checked)
    if "items" in {s.name for s in plan.specs}:
        if "items" in plan.headers.present:
            grid = item_grid.from_lists(table.column("items"), ctx, first_row)
        else:
            grid = item_grid.from_columns(table, plan.headers.item_columns, ctx, first_row)
        checked.items = check_instruments(columns, grid, ctx, first_row)
    check_rules(plan.model, columns, ctx, first_row)
    for name in free_text_fields(plan.record_type):
        # The dictionary view, where there is one, is scanned once per distinct value.
        column = columns[name]
        values = column.values if column.encoded is None else column.encoded
        identifiers.scan_column(values, name, ctx, first_row)
        scan_formulas(values, name, ctx, first_row)
    for name in plan.headers.unknown:
        identifiers.scan_column(table.column(name), name, ctx, first_row)
    return checked


def scan_formulas(values: Any, column: str, ctx: CheckContext, first_row: int) -> None:
    """Record ``formula-like-text`` for every cell a spreadsheet would read as a formula."""
    found = flag(formula_mask(as_array(values)))
    ctx.emit_where(
        "formula-like-text",
        column,
        found,
        first_row,
        values=values,
        detail=lambda cells: [_first_character(cell) for cell in cells],
    )


def _first_character(cell: Any) -> str:
    text = str(cell.as_py() if hasattr(cell, "as_py") else cell)
    return {"\t": "a tab", "\r": "a carriage return"}.get(text[:1], f"'{text[:1]}'")
