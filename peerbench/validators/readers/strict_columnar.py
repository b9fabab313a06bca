"""Which Parquet rows need the per-record JSON Schema check: the record schema as masks.

The generated record schema (:func:`peerbench.schema.json_schema.record_schema`, as
stored by :mod:`peerbench.schema.stored_schemas`) is evaluated over a whole record batch
at once, in the three-valued logic of
:mod:`~peerbench.validators.readers.strict_values`: ``properties`` over each column
(a null cell is a field not given), ``required`` as non-null cells,
``additionalProperties: false`` as every other column null, and ``allOf``, ``anyOf``,
``not``, ``if``/``then``/``else`` combining rows (``then`` is evaluated only on the rows
whose ``if`` may hold, so an instrument's item rules cost its own rows). Rows proven
valid skip ``jsonschema-rs``; every other row, and every row of a schema keyword or
column type not compiled here, goes through it exactly as before, so the findings are
those of the per-record check.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from peerbench.schema.stored_schemas import stored_record_schema
from peerbench.validators.readers.strict_tri import (
    FALSE,
    TRUE,
    UNKNOWN,
    Defs,
    Tri,
    bools,
    combine_if,
    full,
    is_annotation,
)
from peerbench.validators.readers.strict_values import evaluate


class Rows:
    """Some rows of a batch; a column of a subset is taken when a rule first reads it."""

    def __init__(
        self, columns: dict[str, pa.Array], count: int, at: npt.NDArray[np.int64] | None = None
    ) -> None:
        self._whole = columns
        self._at = at
        self._taken: dict[str, pa.Array] = {}
        self._present: dict[str, npt.NDArray[np.bool_]] = {}
        self.names = list(columns)
        self.count = count

    @classmethod
    def of(cls, batch: pa.RecordBatch) -> Rows:
        """Every row of ``batch``."""
        return cls(dict(zip(batch.schema.names, batch.columns, strict=True)), batch.num_rows)

    def subset(self, where: npt.NDArray[np.bool_]) -> Rows:
        """The rows where ``where`` holds."""
        at = np.flatnonzero(where)
        if self._at is not None:
            at = self._at[at]
        return Rows(self._whole, len(at), at)

    def present(self, name: str) -> npt.NDArray[np.bool_]:
        """Rows that give the field ``name`` (a null cell or no column: not given)."""
        if name not in self._present:
            column = self.column(name)
            if column is None:
                self._present[name] = np.zeros(self.count, dtype=np.bool_)
            elif column.null_count == 0:
                self._present[name] = np.ones(self.count, dtype=np.bool_)
            else:
                self._present[name] = bools(column.is_valid())
        return self._present[name]

    def column(self, name: str) -> pa.Array | None:
        """The column ``name`` of these rows, or None if the batch has no such column."""
        whole = self._whole.get(name)
        if whole is None or self._at is None:
            return whole
        if name not in self._taken:
            self._taken[name] = whole.take(pa.array(self._at))
        return self._taken[name]


@cache
def _schema(record_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = stored_record_schema(record_type)
    return schema, schema.get("$defs", {})


def rows_to_check(record_type: str, batch: pa.RecordBatch) -> npt.NDArray[np.bool_]:
    """Rows of ``batch`` the schema is not proven to accept: these go to ``jsonschema-rs``.

    Args:
        record_type: The record type whose generated schema applies.
        batch: Rows with their columns under the standard's names.
    """
    names = batch.schema.names
    if len(set(names)) != len(names):  # a record cannot hold a field twice: no shortcut
        return np.ones(batch.num_rows, dtype=np.bool_)
    schema, defs = _schema(record_type)
    try:
        verdicts = record_verdicts(schema, Rows.of(batch), defs)
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        # A column Arrow cannot compute on as compiled (say, a bound outside an unsigned
        # type): the masks are only a shortcut, so every row goes to the validator.
        return np.ones(batch.num_rows, dtype=np.bool_)
    out: npt.NDArray[np.bool_] = verdicts != TRUE
    return out


def record_verdicts(schema: Any, rows: Rows, defs: Defs) -> Tri:
    """The verdict of an object schema on each row taken as a record (see module doc)."""
    n = rows.count
    if schema is True or schema == {}:
        return full(n, TRUE)
    if schema is False:
        return full(n, FALSE)
    if not isinstance(schema, dict):
        return full(n, UNKNOWN)
    out: Tri | None = None
    for keyword, argument in schema.items():
        if is_annotation(keyword) or keyword in ("then", "else"):
            continue
        rule = _RECORD_KEYWORDS.get(keyword)
        if rule is None:  # a keyword the compiler does not know: every row to the validator
            return full(n, UNKNOWN)
        found = rule(argument, schema, rows, defs)
        if found is None:  # TRUE for every row
            continue
        out = found if out is None else np.minimum(out, found)
        if not out.any():
            break
    return full(n, TRUE) if out is None else out


def _type(argument: Any, _: dict[str, Any], rows: Rows, __: Defs) -> Tri:
    wanted = {argument} if isinstance(argument, str) else set(argument)
    return full(rows.count, TRUE if "object" in wanted else FALSE)


def _properties(argument: Any, _: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    out: Tri | None = None
    for name, sub in argument.items():
        column = rows.column(name)
        if column is None or column.null_count == len(column):
            continue
        verdicts = evaluate(sub, column, defs, nulls=False)
        if column.null_count and verdicts.min() != TRUE:
            verdicts[~rows.present(name)] = TRUE  # a null cell is a field not given
        out = verdicts if out is None else np.minimum(out, verdicts)
    return full(rows.count, TRUE) if out is None else out


def _required(argument: Any, _: dict[str, Any], rows: Rows, __: Defs) -> Tri | None:
    out = None
    for name in argument:
        present = rows.present(name)
        if not present.all():
            if out is None:
                out = full(rows.count, TRUE)
            out[~present] = FALSE
    return out


def _additional(argument: Any, schema: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    declared = set(schema.get("properties", {}))
    if "patternProperties" in schema:
        return full(rows.count, UNKNOWN)
    out = full(rows.count, TRUE)
    for name in rows.names:
        if name in declared:
            continue
        column = rows.column(name)
        assert column is not None
        if argument is False:
            out[rows.present(name)] = FALSE
        elif argument is not True:
            verdicts = evaluate(argument, column, defs)
            verdicts[~rows.present(name)] = TRUE
            out = np.minimum(out, verdicts)
    return out


def _all_of(argument: Any, _: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    out = full(rows.count, TRUE)
    for branch in argument:
        out = np.minimum(out, record_verdicts(branch, rows, defs))
    return out


def _any_of(argument: Any, _: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    out = full(rows.count, FALSE)
    for branch in argument:
        out = np.maximum(out, record_verdicts(branch, rows, defs))
    return out


def _not(argument: Any, _: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    out: Tri = (TRUE - record_verdicts(argument, rows, defs)).astype(np.uint8)
    return out


def _if(argument: Any, schema: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    cond = record_verdicts(argument, rows, defs)
    then = _where(schema.get("then", True), rows, defs, cond != FALSE)
    if "else" not in schema and not (cond == UNKNOWN).any():
        return then  # already TRUE wherever the condition is FALSE
    other = _where(schema.get("else", True), rows, defs, cond != TRUE)
    return combine_if(cond, then, other)


def _where(schema: Any, rows: Rows, defs: Defs, where: npt.NDArray[np.bool_]) -> Tri:
    """``schema`` on the rows ``where`` holds (``TRUE`` elsewhere: the caller ignores it)."""
    if schema is True or not where.any():
        return full(rows.count, TRUE)
    if where.all():
        return record_verdicts(schema, rows, defs)
    out = full(rows.count, TRUE)
    out[where] = record_verdicts(schema, rows.subset(where), defs)
    return out


def _ref(argument: Any, _: dict[str, Any], rows: Rows, defs: Defs) -> Tri:
    prefix = "#/$defs/"
    if isinstance(argument, str) and argument.startswith(prefix) and argument[8:] in defs:
        return record_verdicts(defs[argument[len(prefix) :]], rows, defs)
    return full(rows.count, UNKNOWN)


_RECORD_KEYWORDS = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "allOf": _all_of,
    "anyOf": _any_of,
    "not": _not,
    "if": _if,
    "$ref": _ref,
}
"""Every keyword compiled for a whole record; any other keyword sends every row on."""
