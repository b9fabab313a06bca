"""Small hand-written tables for the columnar engine tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from peerbench.validators import validate_table
from peerbench.validators.report import Report
from tests.factories import example_record

TODAY = dt.date(2026, 1, 1)
KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
OTHER_KEY = "0123456789abcdef0123456789abcdef"

Flat = list[tuple[int | None, str | None, str]]


def cell(value: Any) -> str | None:
    """A value as a CSV cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_row(record: dict[str, Any]) -> dict[str, str | None]:
    """A record flattened as in CSV: items as item_N, themes joined by ';'."""
    row: dict[str, str | None] = {}
    for name, value in record.items():
        if name == "items" and isinstance(value, list):
            for i, item in enumerate(value, start=1):
                row[f"item_{i}"] = cell(item)
        elif name == "themes" and isinstance(value, list):
            row[name] = ";".join(value)
        else:
            row[name] = cell(value)
    return row


def valid_row(record_type: str, **changes: Any) -> dict[str, str | None]:
    """A valid CSV row of ``record_type`` (the model examples) with ``changes`` applied."""
    record = example_record(record_type)
    if record_type == "outcome":
        record["total_score"] = 19.98  # the lookup score of the example's items (raw 22)
    record.update(changes)
    return csv_row(record)


def text_table(rows: list[dict[str, str | None]]) -> pa.Table:
    """All-text table with the union of the rows' columns (missing cells empty)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], pa.string()) for name in names}
    )


def run(table: pa.Table, record_type: str, **options: Any) -> Report:
    """Validate a table with a fixed 'today'."""
    options.setdefault("today", TODAY)
    return validate_table(table, record_type, **options)


def flat(rows: list[dict[str, str | None]], record_type: str, **options: Any) -> Flat:
    """``report.flatten()`` for CSV-like rows."""
    return run(text_table(rows), record_type, **options).flatten()


def unique_keys(rows: list[dict[str, str | None]], column: str) -> list[dict[str, str | None]]:
    """Give each row its own value in a key column (so duplicates are not reported)."""
    for i, row in enumerate(rows):
        row[column] = f"{i + 1:032x}" if column == "participant_key" else f"id-{i + 1}"
    return rows
