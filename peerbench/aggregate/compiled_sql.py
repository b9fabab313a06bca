"""Compile an Ibis expression to SQL once per shape, not once per run.

Every run registers its inputs under fresh names (``peerbench_arrow_17``), so the same
aggregation compiles to SQL that differs only in those names, and Ibis' compiler costs
tens of milliseconds an expression. A long-lived process (the server, which computes a
benchmark again after every accepted submission) would pay it on every cold read. Here
each input table is renamed to a numbered slot, the slotted expression is compiled once
per backend dialect and kept, and the run's real names are put back into the SQL text.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

import ibis.expr.operations as ops
import ibis.expr.types as ir

_SLOT = "__peerbench_slot_{}__"
_SLOT_PATTERN = re.compile(r"__peerbench_slot_(\d+)__")
_KEEP = 256
"""Compiled shapes kept (a benchmark has about a dozen; options multiply them)."""

_compiled: OrderedDict[tuple[str, Any], str] = OrderedDict()
_lock = threading.Lock()


def compile_sql(con: Any, expr: ir.Table) -> str:
    """``con.compile(expr)``, from the memo when an expression of the same shape was seen.

    Two expressions have the same shape when they are equal once their unbound input
    tables are renamed by position (schemas included), so the SQL differs only there.
    """
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
