"""The strict reading of machine formats: every record exactly against the JSON Schema.

JSON, JSON Lines and Parquet are written by programs, so they are held to the published
JSON Schema exactly (SPEC §7 "One contract for machines"): no type coercion (``12345``
as an identifier, ``"yes"`` or ``1`` as true, ``"1"`` as a number), no case folding,
trimming, labels or synonyms for codes, ISO dates only, ``""`` is not a missing value,
``null`` only where the schema allows it, and item arrays are never padded. Each
record is checked here with the generated schema (through ``jsonschema-rs``, a
compiled 2020-12 validator: about 3 µs a record); whatever the schema rejects becomes a
``schema-invalid`` finding, one per record and field. The records then go on to the
engine, which adds the rules beyond JSON Schema (dates in the future, date order,
scores, identifiers, duplicates and references).

Parquet rows are first judged a whole column at a time: the same generated schema,
compiled to Arrow and NumPy operations (:mod:`.strict_columnar`), proves most rows
valid without turning them into records; only the rows it cannot prove valid go
through ``jsonschema-rs``, so the findings are the same as checking every row.

The lenient reading (labels, synonyms, case, local date formats) stays with CSV and
Excel and with mappings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema_rs
import numpy as np
import pyarrow as pa

from peerbench.schema.json_schema import record_schema
from peerbench.validators.columnar.items import item_column
from peerbench.validators.readers.sources import OpenOptions, add_finding, finding
from peerbench.validators.readers.strict_columnar import rows_to_check
from peerbench.validators.report import Finding
from peerbench.validators.source import Source

CODE = "schema-invalid"
"""The catalogue code of everything the strict reading rejects."""
_MAX_VALUE_CHARS = 80


@cache
def _validator(record_type: str) -> Any:
    return jsonschema_rs.Draft202012Validator(record_schema(record_type), validate_formats=True)


@cache
def _batch_validator(record_type: str) -> Any:
    """A validator of an array of records, so a whole valid batch is one call."""
    record = record_schema(record_type)
    defs = record.pop("$defs", {})
    record.pop("$id")
    record.pop("$schema")
    wrapper = {
        "type": "array",
        "items": {"$ref": "#/$defs/record"},
        "$defs": {**defs, "record": record},
    }
    return jsonschema_rs.Draft202012Validator(wrapper, validate_formats=True)


@cache
def _properties(record_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = record_schema(record_type)
    return schema.get("properties", {}), schema.get("$defs", {})


def _expected(record_type: str, column: str) -> str:
    """What the schema wants in ``column``, in words (for ``anyOf`` errors)."""
    properties, defs = _properties(record_type)
    branches = [b for b in properties.get(column, {}).get("anyOf", []) if b.get("type") != "null"]
    if not branches:
        return "a value the schema allows"
    branch = branches[0]
    if "$ref" in branch:
        name = branch["$ref"].rsplit("/", 1)[-1]
        codes = defs.get(name, {}).get("enum", [])
        return "one of the codes " + ", ".join(codes) + " (exactly as written), or null"
    if branch.get("format") == "date":
        return "a date written YYYY-MM-DD, or null"
    kind = branch.get("type")
    words = {"integer": "a whole JSON number", "number": "a JSON number"}.get(
        str(kind), f"a JSON {kind}"
    )
    low, high = branch.get("minimum"), branch.get("maximum")
    if low is not None and high is not None:
        words += f" from {low} to {high}"
    if "maxLength" in branch:
        words += f" of up to {branch['maxLength']} characters"
    return words + ", or null"


def _value(instance: Any) -> str:
    text = json.dumps(instance, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def problems(record_type: str, record: Any, *, file: str, row: int) -> list[Finding]:
    """The ``schema-invalid`` findings of one record (none when the schema accepts it).

    Args:
        record_type: The record type (``outcome``).
        record: The record as parsed (a JSON object; Parquet rows as :func:`json_row`).
        file: Name used in findings.
        row: Row number of the record (2 for the first).
    """
    validator = _validator(record_type)
    if validator.is_valid(record):
        return []
    found: list[Finding] = []
    seen: set[str | None] = set()
    for error in validator.iter_errors(record):
        path = list(error.instance_path)
        column: str | None = str(path[0]) if path else None
        if column == "items" and len(path) > 1 and isinstance(path[1], int):
            column = item_column(path[1] + 1)
        if column in seen:
            continue  # one finding per field: the first thing wrong with it
        seen.add(column)
        detail = error.message
        if type(error.kind).__name__ == "AnyOf" and column is not None:
            detail = f"{_value(error.instance)} is not {_expected(record_type, column)}"
        value = None if not path else _value(error.instance)
        if column is not None:
            detail = f"{column}: {detail}"
        found.append(finding(CODE, file=file, row=row, column=column, value=value, detail=detail))
    return found


def is_strict(source: Source, options: OpenOptions) -> bool:
    """Machine formats are read strictly unless a mapping applies to them (SPEC §7)."""
    mapping = options.mapping
    return mapping is None or not mapping.applies_to(source.record_type)


def check_record(source: Source, record: Any, row: int) -> None:
    """Add the strict findings of one record to ``source`` (see :func:`problems`)."""
    if source.record_type is None:
        return
    for found in problems(source.record_type, record, file=source.file, row=row):
        add_finding(source, found)


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as the JSON record it stands for (dates ISO, nulls kept)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat()  # a timestamp is not a date: the schema says so
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


def checked_batches(
    batches: Iterator[pa.RecordBatch],
    source: Source,
    first_row: int = 2,
    *,
    every_row: bool = False,
) -> Iterator[pa.RecordBatch]:
    """Pass Parquet record batches through, checking each row strictly on the way.

    The schema, compiled to column operations (:mod:`.strict_columnar`), first proves
    most rows valid as whole columns; only the other rows are turned into JSON records
    and checked by ``jsonschema-rs``, so the findings are exactly those of checking
    every row. Columns the file has under other names (a mapping) are checked under
    their standard names, as the engine sees them.

    Args:
        batches: The file's record batches.
        source: The source the findings go to.
        first_row: Row number of the first row.
        every_row: Check every row with ``jsonschema-rs`` (the reference the compiled
            masks are tested against).
    """
    row = first_row
    names = list(source.columns)
    record_type = source.record_type
    for batch in batches:
        if record_type is not None:
            renamed = batch.rename_columns(names) if batch.num_columns == len(names) else batch
            if every_row:
                _check_every_row(source, record_type, renamed, row)
            else:
                _check_flagged_rows(source, record_type, renamed, row)
        row += batch.num_rows
        yield batch


def _check_flagged_rows(source: Source, record_type: str, batch: pa.RecordBatch, row: int) -> None:
    """Check with ``jsonschema-rs`` the rows the compiled schema does not prove valid."""
    flagged = np.flatnonzero(rows_to_check(record_type, batch))
    if flagged.size == 0:
        return
    taken = batch if flagged.size == batch.num_rows else batch.take(pa.array(flagged))
    for offset, record in zip(flagged.tolist(), json_rows(taken), strict=True):
        check_record(source, record, row + offset)


def _check_every_row(source: Source, record_type: str, batch: pa.RecordBatch, row: int) -> None:
    records = json_rows(batch)
    if not _batch_validator(record_type).is_valid(records):  # the usual case: valid
        for offset, record in enumerate(records):
            check_record(source, record, row + offset)


def json_rows(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """The rows of a Parquet batch as the JSON records they stand for (see :func:`json_row`).

    A null cell is a field not given (a Parquet row has every column of its file), so a
    required field left null is reported as missing, and an optional one is accepted.

    Built column by column: dates are cast to ISO text in Arrow, and a dictionary column
    is looked up from its small dictionary (Arrow's own conversion of one is ~8 µs a value).
    """
    names = batch.schema.names
    columns = [_python_values(column) for column in batch.columns]
    # A Parquet row cannot leave a column out: a null cell is the field not given.
    rows = [
        {name: value for name, value in zip(names, values, strict=True) if value is not None}
        for values in zip(*columns, strict=True)
    ]
    if any(pa.types.is_timestamp(f.type) for f in batch.schema):
        return [json_row(r) for r in rows]
    return rows


def _python_values(column: pa.Array) -> list[Any]:
    if pa.types.is_dictionary(column.type):
        dictionary = _python_values(column.dictionary)
        lookup = [*dictionary, None]  # index -1 (a null) reads the None at the end
        indices = column.indices.fill_null(-1).to_numpy(zero_copy_only=False).tolist()
        return [lookup[i] for i in indices]
    if pa.types.is_date(column.type):
        column = column.cast(pa.string())
    values: list[Any] = column.to_pylist()
    return values
