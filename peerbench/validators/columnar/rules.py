"""Cross-field rules over whole columns: one vectorised evaluator per Rule class.

The rules themselves are declared once, on the record models (``model.rules``); this
module only knows how each *kind* of rule is evaluated over Arrow columns. A rule is
not evaluated on rows where either of its fields already has a cell finding, so one
bad cell gives one finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.records import Record
from peerbench.schema.rules import (
    EmptyExactlyWhen,
    NotBefore,
    NotGreater,
    OnlyWithTrue,
    RequiredWhen,
    Rule,
)
from peerbench.validators.columnar.coerce import Coerced, flag
from peerbench.validators.columnar.context import BoolArray, CheckContext

Evaluator = Callable[[Any, Any, Any], BoolArray]
"""(rule, field column, other column) → True where the rule is broken."""


def _present(values: Any) -> BoolArray:
    return flag(pc.is_valid(values))


def _equals(values: Any, value: Any) -> BoolArray:
    return flag(pc.equal(values, pa.scalar(value, values.type)))


def _required_when(rule: RequiredWhen, field: Any, other: Any) -> BoolArray:
    return _equals(other, rule.value) & ~_present(field)


def _empty_exactly_when(rule: EmptyExactlyWhen, field: Any, other: Any) -> BoolArray:
    broken: BoolArray = _equals(other, rule.value) == _present(field)
    return broken


def _not_before(rule: NotBefore, field: Any, other: Any) -> BoolArray:
    return flag(pc.less(field, other))


def _not_greater(rule: NotGreater, field: Any, other: Any) -> BoolArray:
    return flag(pc.greater(field, other))


def _only_with_true(rule: OnlyWithTrue, field: Any, other: Any) -> BoolArray:
    return _present(field) & ~flag(other)


EVALUATORS: dict[type[Rule], Evaluator] = {
    RequiredWhen: _required_when,
    EmptyExactlyWhen: _empty_exactly_when,
    NotBefore: _not_before,
    NotGreater: _not_greater,
    OnlyWithTrue: _only_with_true,
}
"""How each kind of rule is evaluated; a new Rule class needs an entry here."""


def check_rules(
    model: type[Record], columns: dict[str, Coerced], ctx: CheckContext, first_row: int
) -> None:
    """Evaluate every rule of ``model`` on a batch and record its findings.

    Raises:
        NotImplementedError: for a Rule class without an evaluator.
    """
    for rule in model.rules:
        evaluator = EVALUATORS.get(type(rule))
        if evaluator is None:
            raise NotImplementedError(f"no columnar evaluator for {type(rule).__name__}")
        field, other = columns[rule.field], columns[rule.other]
        usable = ~field.invalid & ~other.invalid
        broken = usable & evaluator(rule, field.values, other.values)
        if broken.any():
            ctx.emit_where(
                rule.code, rule.field, broken, first_row, values=field.values, detail=rule.message()
            )
