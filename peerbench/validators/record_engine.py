"""Validate JSON records one by one: JSON Schema, the pydantic model, then the columnar checks.

JSON payloads (the submission API) are checked against the generated JSON Schema and
the record model, so an API client sees exactly the errors those published artefacts
imply. What neither can express (dates in the future, instrument scoring, identifiers,
duplicate keys, rules comparing two values) comes from running the columnar engine on
the same records as a small Arrow table, so no check is written twice. Every error is
mapped to the catalogue code and column the columnar engine uses, then deduplicated:
one problem, one finding.

JSON is the canonical form, so it is stricter than CSV: dates must be ISO, codes must
be codes (not labels) and booleans must be JSON booleans. Strings are trimmed and an
empty string counts as a missing value, as an empty CSV cell does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple

import pyarrow as pa
from jsonschema import Draft202012Validator, ValidationError
from pydantic import ValidationError as ModelError

from peerbench.schema.instruments.registry import InstrumentRegistry
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.json_schema import record_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.rules import Rule
from peerbench.validators.catalogue import entry
from peerbench.validators.columnar.cells import CELL_CODES, PATTERN_DESCRIPTIONS, range_text
from peerbench.validators.columnar.instruments import ITEM_BOUNDS
from peerbench.validators.columnar.items import item_column
from peerbench.validators.engine import Options, table_source, validate_sources
from peerbench.validators.report import Finding

Key = tuple[int | None, str | None, str]
_LISTED_ALL = 10**9  # the record engine lists every finding; callers cap if they must
_PRIORITY = ("required-missing", "type-invalid", "date-invalid", "code-invalid",
             "pattern-invalid", "out-of-range", "date-in-future")  # fmt: skip
"""When sources disagree about one cell, the first of these codes is the finding."""
_PYDANTIC_CODES = {
    "missing": "required-missing",
    "string_too_short": "required-missing",
    "too_short": "required-missing",
    "enum": "code-invalid",
    "string_pattern_mismatch": "pattern-invalid",
    "greater_than_equal": "out-of-range",
    "less_than_equal": "out-of-range",
    "string_too_long": "out-of-range",
    "too_long": "out-of-range",
}
_SCHEMA_CODES = {
    "required": "required-missing",
    "minLength": "required-missing",
    "minItems": "required-missing",
    "enum": "code-invalid",
    "pattern": "pattern-invalid",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "maxLength": "out-of-range",
    "maxItems": "out-of-range",
    "format": "date-invalid",
}
_KIND_CODES = {"date": "date-invalid", "code": "code-invalid", "codes": "code-invalid"}
"""A value of the wrong JSON type in these fields is reported as the columnar engine
reports unreadable text there."""


@cache
def _validator(record_type: str) -> Draft202012Validator:
    schema = record_schema(record_type)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _specs(record_type: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in field_specs(RECORD_TYPES[record_type])}


@cache
def _schema_rules(record_type: str) -> tuple[Rule, ...]:
    """Rules in the order of the schema's ``allOf`` (only those JSON Schema can express)."""
    return tuple(r for r in RECORD_TYPES[record_type].rules if r.json_schema() is not None)


def _normalise(record: Any) -> dict[str, Any]:
    """Trim strings and drop empty ones, as a CSV reader treats an empty cell."""
    if not isinstance(record, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        out[key] = value
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, default=str)


def records_to_table(record_type: str, records: Iterable[dict[str, Any]]) -> pa.Table:
    """Records as the text table a reader would produce (``items`` kept as a list column).

    Every field of the record type gets a column, so a key missing from every record
    is reported per record (``required-missing``) as JSON Schema does, not as a missing
    column.

    Args:
        record_type: The record type.
        records: JSON records, already normalised.
    """
    rows = list(records)
    names = list(dict.fromkeys([*_specs(record_type), *(key for row in rows for key in row)]))
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "items" and all(v is None or isinstance(v, list) for v in values):
            lists = [None if v is None else [_text(x) for x in v] for v in values]
            columns[name] = pa.array(lists, type=pa.list_(pa.string()))
        elif name == "themes":
            joined = [";".join(map(str, v)) if isinstance(v, list) else _text(v) for v in values]
            columns[name] = pa.array(joined, type=pa.string())
        else:
            columns[name] = pa.array([_text(v) for v in values], type=pa.string())
    return pa.table(columns)


def _make(problem: Problem, row: int | None, file: str | None) -> Finding:
    catalogue = entry(problem.code)
    text = _text(problem.value)
    message = catalogue.message.format(
        column=problem.column or "", value=text or "", detail=problem.detail
    )
    return Finding(problem.code, catalogue.severity, message, file, row, problem.column, text)


class Problem(NamedTuple):
    """One error from JSON Schema or pydantic, in catalogue terms."""

    code: str
    column: str | None
    value: Any = None
    detail: str = ""


def _detail(code: str, spec: FieldSpec | None, error: ValidationError | None = None) -> str:
    """The message detail the columnar engine would give, where it can be known here."""
    if code == "out-of-range" and spec is not None:
        if spec.kind == "string" and spec.max_length is not None:
            return f"of up to {spec.max_length} characters"
        if spec.kind == "codes" and spec.max_length is not None:
            return range_text(1, spec.max_length, " codes")
        if spec.minimum is not None or spec.maximum is not None:
            return range_text(spec.minimum, spec.maximum)
    if code == "pattern-invalid" and spec is not None and spec.pattern is not None:
        return PATTERN_DESCRIPTIONS.get(spec.pattern, f" (pattern {spec.pattern})")
    if code == "type-invalid":
        expected = error.validator_value if error is not None else None
        return f"a JSON {expected}" if isinstance(expected, str) else "another kind of value"
    return ""


def _schema_error(record_type: str, error: ValidationError) -> list[Problem]:
    """The problems one JSON Schema error stands for."""
    path = list(error.absolute_schema_path)
    if "allOf" in path:
        index = int(path[path.index("allOf") + 1])
        rules = _schema_rules(record_type)
        if index >= len(rules):  # an instrument's if/then: the columnar engine reports it
            return []
        rule = rules[index]
        return [Problem(rule.code, rule.field, error.instance, rule.message())]
    where = list(error.absolute_path)
    instance: Any = error.instance
    if error.validator == "required":
        present = instance if isinstance(instance, dict) else {}
        names: list[Any] = list(error.validator_value)  # type: ignore[arg-type]
        return [Problem("required-missing", str(n)) for n in names if n not in present]
    if error.validator == "additionalProperties":
        known = _specs(record_type)
        return [Problem("column-unknown", str(k)) for k in instance if k not in known]
    if error.validator == "anyOf":
        # A nullable field: report what the non-null branch objects to.
        context = [e for e in error.context or [] if e.validator_value != "null"]
        return _schema_error(record_type, context[0]) if context else []
    if not where:
        return [Problem("type-invalid", None, None, "a JSON object")]
    column = str(where[0])
    spec = _specs(record_type).get(column)
    if column == "items" and len(where) > 1:
        item = item_column(int(where[1]) + 1)
        if error.validator in ("minimum", "maximum"):
            return [Problem("item-out-of-range", item, instance, range_text(*ITEM_BOUNDS))]
        return [Problem("type-invalid", item, instance, "a whole number")]
    if column == "themes" and len(where) > 1:
        return [Problem("code-invalid", column, instance)]
    code = _SCHEMA_CODES.get(str(error.validator))
    if code is None:
        code = "type-invalid"
        if instance is None:
            code = "required-missing"
        elif spec is not None:
            code = _KIND_CODES.get(spec.kind, code)
    return [Problem(code, column, instance, _detail(code, spec, error))]


def _model_errors(record_type: str, record: dict[str, Any]) -> list[Problem]:
    """The problems pydantic finds; rules are reported under their own code."""
    model = RECORD_TYPES[record_type]
    out: list[Problem] = []
    try:
        model.model_validate(record)
    except ModelError as exc:
        rules = {rule.code: rule for rule in model.rules}
        for error in exc.errors():
            rule = rules.get(error["type"])
            loc = error["loc"]
            column = str(loc[0]) if loc else None
            if rule is not None:
                out.append(Problem(rule.code, rule.field, record.get(rule.field), rule.message()))
            elif error["type"] == "extra_forbidden":
                out.append(Problem("column-unknown", column))
            elif column == "items" and len(loc) > 1 and isinstance(loc[1], int):
                bad_range = error["type"].endswith("_equal")
                code = "item-out-of-range" if bad_range else "type-invalid"
                detail = range_text(*ITEM_BOUNDS) if bad_range else "a whole number"
                out.append(Problem(code, item_column(loc[1] + 1), error["input"], detail))
            elif column is not None:
                spec = _specs(record_type).get(column)
                fallback = _KIND_CODES.get(spec.kind, "type-invalid") if spec else "type-invalid"
                code = _PYDANTIC_CODES.get(error["type"], fallback)
                out.append(Problem(code, column, error["input"], _detail(code, spec)))
    return out


def validate_records(
    record_type: str,
    records: list[dict[str, Any]],
    *,
    file: str | None = None,
    first_row: int = 2,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
) -> list[Finding]:
    """Validate JSON records of one type, reporting as the columnar engine would.

    Args:
        record_type: The record type of every record (``outcome``).
        records: Parsed JSON objects.
        file: Name used in findings.
        first_row: Row number given to the first record (2, as under a CSV header).
        today: Dates after this are in the future (default: today).
        registry: Instrument registry (default: the built-in instruments).

    Returns:
        Findings sorted by row, column and code; one per problem.

    Raises:
        KeyError: ``record_type`` is not a record type.
    """
    if record_type not in RECORD_TYPES:
        raise KeyError(f"unknown record type {record_type!r}")
    clean = [_normalise(record) for record in records]
    found: list[Finding] = []
    source = table_source(
        records_to_table(record_type, clean), record_type, file=file or "", first_row=first_row
    )
    report = validate_sources([source], Options(_LISTED_ALL, today, registry)).report
    found.extend(
        Finding(f.code, f.severity, f.message, file, f.row, f.column, f.value)
        for f in report.findings
    )
    validator = _validator(record_type)
    for offset, record in enumerate(clean):
        row = first_row + offset
        problems = [p for e in validator.iter_errors(record) for p in _schema_error(record_type, e)]
        problems.extend(_model_errors(record_type, record))
        for problem in problems:
            at = None if problem.code == "column-unknown" else row
            found.append(_make(problem, at, file))
    return _deduplicate(record_type, found)


def _deduplicate(record_type: str, found: list[Finding]) -> list[Finding]:
    """One finding per problem: first of equal keys, best code per cell, rules on clean cells."""
    unique: dict[Key, Finding] = {}
    for finding in found:
        unique.setdefault((finding.row, finding.column, finding.code), finding)
    cells: dict[tuple[int | None, str | None], str] = {}
    for row, column, code in unique:
        if code in CELL_CODES:
            best = cells.get((row, column))
            if best is None or _PRIORITY.index(code) < _PRIORITY.index(best):
                cells[(row, column)] = code
    rules = {rule.code: rule for rule in RECORD_TYPES[record_type].rules}
    kept = []
    for (row, column, code), finding in unique.items():
        if code in CELL_CODES and cells[(row, column)] != code:
            continue
        rule = rules.get(code)
        if rule is not None and ((row, rule.field) in cells or (row, rule.other) in cells):
            continue  # a rule is not judged on a cell that is itself wrong
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.row or 0, f.column or "", f.code))
