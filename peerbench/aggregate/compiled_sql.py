"""SQL of the aggregation steps, compiled once per shape and mostly ahead of time.

Ibis' compiler costs tens of milliseconds an expression, and importing Ibis and its SQL
compilers most of a second: a cold ``peerbench benchmark`` paid both on every run. A
step (:mod:`peerbench.aggregate.steps`) is compiled with its inputs named by numbered
slots, so its SQL depends only on its *shape*: the step, its sort keys and its input
schemas. The run's real table names are put back into the SQL text.

:func:`step_sql` looks a shape up in this process's memo, then in the precompiled table
(``precompiled_sql.json`` beside this module, written by
:mod:`peerbench.benchmarking.precompile_sql` for the schemas the standard's files give),
and only then compiles it with Ibis. A test recompiles every precompiled entry and fails
when one is stale, and another fails when a usual run misses the table.

:func:`compile_sql` is the same memo for any Ibis expression (slots by position of its
unbound tables), for callers that build their own expressions.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import ibis.expr.types as ir

_SLOT = "__peerbench_slot_{}__"
_SLOT_PATTERN = re.compile(r"__peerbench_slot_(\d+)__")
_KEEP = 256
"""Compiled shapes kept (a benchmark has about a dozen; options multiply them)."""
PRECOMPILED = Path(__file__).with_name("precompiled_sql.json")
"""The precompiled steps (see :mod:`peerbench.benchmarking.precompile_sql`)."""

_compiled: OrderedDict[tuple[str, Any], str] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class StepSQL:
    """A step's SQL with its inputs as numbered slots, and the schema of its answer."""

    step: str
    order: tuple[str, ...]
    inputs: tuple[pa.Schema, ...]
    sql: str
    schema: pa.Schema

    def with_names(self, names: Sequence[str]) -> str:
        """The SQL with slot ``i`` replaced by ``names[i]``."""
        return _SLOT_PATTERN.sub(lambda m: names[int(m.group(1))], self.sql)


ShapeKey = tuple[str, str, tuple[str, ...], tuple[str, ...]]
_steps: OrderedDict[ShapeKey, StepSQL] = OrderedDict()
_precompiled: dict[ShapeKey, StepSQL] | None = None


def schema_key(schema: pa.Schema) -> str:
    """What of a schema reaches the SQL: names, types and nullability (no metadata)."""
    text: str = schema.remove_metadata().to_string(show_field_metadata=False)
    return text


def shape_key(
    dialect: str, step: str, order: Sequence[str], inputs: Sequence[pa.Schema]
) -> ShapeKey:
    """The memo key of a step's shape on one SQL dialect."""
    return (dialect, step, tuple(order), tuple(schema_key(s) for s in inputs))


def encode_schema(schema: pa.Schema) -> str:
    """A schema as text (base64 of its Arrow IPC form), for the precompiled table."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def decode_schema(text: str) -> pa.Schema:
    """The schema :func:`encode_schema` wrote."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def read_precompiled(path: Path = PRECOMPILED) -> dict[ShapeKey, StepSQL]:
    """The precompiled steps at ``path`` by shape (empty when there is no file)."""
    if not path.is_file():
        return {}
    found: dict[ShapeKey, StepSQL] = {}
    for entry in json.loads(path.read_text(encoding="utf-8"))["steps"]:
        inputs = tuple(decode_schema(s) for s in entry["inputs"])
        order = tuple(entry["order"])
        key = shape_key(entry["dialect"], entry["step"], order, inputs)
        found[key] = StepSQL(
            entry["step"], order, inputs, entry["sql"], decode_schema(entry["schema"])
        )
    return found


def compile_step(
    con: Any, step: str, inputs: Sequence[pa.Schema], order: Sequence[str] = ()
) -> StepSQL:
    """Compile ``step`` with Ibis on backend ``con``, its inputs named by slots."""
    import ibis

    from peerbench.aggregate.steps import build

    tables = [
        ibis.table(ibis.Schema.from_pyarrow(schema), name=_SLOT.format(i))
        for i, schema in enumerate(inputs)
    ]
    expr = build(step, tables, order)
    schema = expr.schema().to_pyarrow()
    return StepSQL(step, tuple(order), tuple(inputs), str(con.compile(expr)), schema)


def step_sql(
    dialect: str,
    step: str,
    inputs: Sequence[pa.Schema],
    order: Sequence[str],
    compiler: Callable[[], Any],
) -> StepSQL:
    """The SQL of ``step`` over inputs of these schemas, sorted by ``order``.

    Args:
        dialect: The engine's SQL dialect (``"duckdb"``, ``"pyspark"``).
        step: A step of :data:`peerbench.aggregate.steps.STEPS`.
        inputs: The schemas of its input tables, in the step's order.
        order: Sort keys (empty: any order).
        compiler: Gives an Ibis backend of ``dialect`` to compile with, called only when
            the shape is neither memoised nor precompiled.
    """
    global _precompiled
    key = shape_key(dialect, step, order, inputs)
    with _lock:
        found = _steps.get(key)
        if found is None:
            if _precompiled is None:
                _precompiled = read_precompiled()
            found = _precompiled.get(key)
    if found is None:
        found = compile_step(compiler(), step, inputs, order)
    with _lock:
        _steps[key] = found
        _steps.move_to_end(key)
        while len(_steps) > _KEEP:
            _steps.popitem(last=False)
    return found


def compile_sql(con: Any, expr: ir.Table) -> str:
    """``con.compile(expr)``, from the memo when an expression of the same shape was seen.

    Two expressions have the same shape when they are equal once their unbound input
    tables are renamed by position (schemas included), so the SQL differs only there.
    """
    import ibis.expr.operations as ops

    op = expr.op()
    tables = list(dict.fromkeys(op.find(ops.UnboundTable)))
    slots = {
        table: ops.UnboundTable(name=_SLOT.format(i), schema=table.schema)
        for i, table in enumerate(tables)
    }
    shape = op.replace(slots) if slots else op
    key = (str(getattr(con, "name", "")), shape)
    with _lock:
        sql = _compiled.get(key)
        if sql is not None:
            _compiled.move_to_end(key)
    if sql is None:
        sql = str(con.compile(shape.to_expr()))
        with _lock:
            _compiled[key] = sql
            while len(_compiled) > _KEEP:
                _compiled.popitem(last=False)
    names = [table.name for table in tables]
    return _SLOT_PATTERN.sub(lambda m: names[int(m.group(1))], sql)
