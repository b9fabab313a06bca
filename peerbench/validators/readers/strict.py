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
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.validators.columnar.items import item_column
from peerbench.validators.readers.sources import (
    MAX_READER_FINDINGS,
    OpenOptions,
    add_finding,
    finding,
)
from peerbench.validators.readers.strict_columnar import rows_to_check
from peerbench.validators.report import Finding
from peerbench.validators.source import Source

CODE = "schema-invalid"
"""The catalogue code of everything the strict reading rejects."""
_MAX_VALUE_CHARS = 80


# jsonschema-rs loads when a file is read strictly, not whenever the readers are imported.
@cache
def _validator(record_type: str) -> Any:
    import jsonschema_rs

    from peerbench.schema.stored_schemas import stored_record_schema

    schema = stored_record_schema(record_type)
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


@cache
def _batch_validator(record_type: str) -> Any:
    """A validator of an array of records, so a whole valid batch is one call."""
    import jsonschema_rs

    from peerbench.schema.stored_schemas import stored_record_schema

    record = stored_record_schema(record_type)
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
    from peerbench.schema.stored_schemas import stored_record_schema

    schema = stored_record_schema(record_type)
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
) -> Generator[pa.RecordBatch, None, None]:
    """Pass Parquet record batches through, checking each row strictly on the way.

    The schema, compiled to column operations (:mod:`.strict_columnar`), first proves
    most rows valid as whole columns; only the other rows are turned into JSON records
    and checked by ``jsonschema-rs``, so the findings are exactly those of checking
    every row. Columns the file has under other names (a mapping) are checked under
    their standard names, as the engine sees them.

    A batch is passed on at once and checked on a helper thread (see
    :class:`_Checks`), so the engine checks its fields meanwhile; its findings are
    added in row order, before anything the reader finds later, and all of them are in
    ``source.findings`` by the time the stream ends or is closed.

    Args:
        batches: The file's record batches.
        source: The source the findings go to.
        first_row: Row number of the first row.
        every_row: Check every row with ``jsonschema-rs`` (the reference the compiled
            masks are tested against), one batch after another.
    """
    record_type = source.record_type
    if record_type is None:
        yield from batches
        return
    names = list(source.columns)
    row = first_row
    if every_row:
        for batch in batches:
            _check_every_row(source, record_type, _standard_names(batch, names), row)
            row += batch.num_rows
            yield batch
        return
    with _Checks(source, record_type) as checks:
        for batch in checks.read(batches):
            checks.submit(_standard_names(batch, names), row)
            row += batch.num_rows
            yield batch


def _standard_names(batch: pa.RecordBatch, names: list[str]) -> pa.RecordBatch:
    return batch.rename_columns(names) if batch.num_columns == len(names) else batch


CHECKS_AHEAD = 2
"""Batches whose strict checks may still be running while the stream moves on (each
holds only references to a batch the engine holds anyway)."""


class _Checks:
    """The strict checks of one stream, one batch after another on a helper thread.

    The compiled masks are NumPy and Arrow kernels that release the GIL, so this
    thread runs beside the engine's workers instead of holding up the reading of the
    next batch. Findings are added to the source on the stream's own thread, in batch
    order, so they are the same findings in the same order as checking in turn.
    """

    def __init__(self, source: Source, record_type: str) -> None:
        self.source = source
        self.record_type = record_type
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peerbench-strict")
        self.pending: deque[Future[list[Finding]]] = deque()

    def __enter__(self) -> _Checks:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.finish(len(self.pending))  # also when the stream is closed early
        finally:
            self.pool.shutdown(cancel_futures=True)

    def read(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches``, keeping what the reader finds while reading after earlier checks.

        A damaged page is found (and reported on the source) only when the batch after
        the checked ones is read; its finding is moved behind theirs.
        """
        findings = self.source.findings
        stream = iter(batches)
        while True:
            before = len(findings)
            batch = next(stream, None)
            if len(findings) != before:
                late = findings[before:]
                del findings[before:]
                self.finish(len(self.pending))
                for found in late:
                    add_finding(self.source, found)
            if batch is None:
                return
            yield batch

    def submit(self, batch: pa.RecordBatch, row: int) -> None:
        """Start checking ``batch`` (its first row is ``row``); take finished ones."""
        if len(self.pending) >= CHECKS_AHEAD:
            self.finish(1)
        self.pending.append(
            self.pool.submit(_flagged_problems, self.record_type, batch, self.source.file, row)
        )
        while self.pending and self.pending[0].done():
            self.finish(1)

    def finish(self, count: int) -> None:
        """Wait for the oldest ``count`` checks and add their findings."""
        for _ in range(count):
            for found in self.pending.popleft().result():
                add_finding(self.source, found)


def _flagged_problems(
    record_type: str, batch: pa.RecordBatch, file: str, row: int
) -> list[Finding]:
    """The findings of ``batch``: ``jsonschema-rs`` on the rows the masks do not prove valid.

    Stops at :data:`MAX_READER_FINDINGS`: a source never keeps more than that.
    """
    flagged = np.flatnonzero(rows_to_check(record_type, batch))
    if flagged.size == 0:
        return []
    taken = batch if flagged.size == batch.num_rows else batch.take(pa.array(flagged))
    found: list[Finding] = []
    for offset, record in zip(flagged.tolist(), json_rows(taken), strict=True):
        found.extend(problems(record_type, record, file=file, row=row + offset))
        if len(found) >= MAX_READER_FINDINGS:
            break
    return found


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
