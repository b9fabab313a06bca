"""Cross-field rules over whole columns: one vectorised evaluator per Rule class.

The rules themselves are declared once, on the record models (``model.rules``); this
module only knows how each *kind* of rule is evaluated over Arrow columns. A rule is
not evaluated on rows where either of its fields already has a cell finding, so one
bad cell gives one finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

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

if TYPE_CHECKING:
    from peerbench.schema.record_base import Record
    from peerbench.schema.record_info import RecordInfo

Evaluator = Callable[[Any, Coerced, Coerced], BoolArray]
"""(rule, field column, other column) → True where the rule is broken."""


def _present(column: Coerced) -> BoolArray:
    # Coerced values are null exactly where the cell is empty or invalid.
    return ~(column.empty | column.invalid)


def _required_when(rule: RequiredWhen, field: Coerced, other: Coerced) -> BoolArray:
    return other.equals(rule.value) & ~_present(field)


def _empty_exactly_when(rule: EmptyExactlyWhen, field: Coerced, other: Coerced) -> BoolArray:
    broken: BoolArray = other.equals(rule.value) == _present(field)
    return broken


def _not_before(rule: NotBefore, field: Coerced, other: Coerced) -> BoolArray:
    return flag(pc.less(field.values, other.values))


def _not_greater(rule: NotGreater, field: Coerced, other: Coerced) -> BoolArray:
    return flag(pc.greater(field.values, other.values))


def _only_with_true(rule: OnlyWithTrue, field: Coerced, other: Coerced) -> BoolArray:
    return _present(field) & ~flag(other.values)


EVALUATORS: dict[type[Rule], Evaluator] = {
    RequiredWhen: _required_when,
    EmptyExactlyWhen: _empty_exactly_when,
    NotBefore: _not_before,
    NotGreater: _not_greater,
    OnlyWithTrue: _only_with_true,
}
"""How each kind of rule is evaluated; a new Rule class needs an entry here."""


def check_rules(
    model: RecordInfo | type[Record], columns: dict[str, Coerced], ctx: CheckContext, first_row: int
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
        broken = usable & evaluator(rule, field, other)
        if broken.any():
            ctx.emit_where(
                rule.code, rule.field, broken, first_row, values=field.values, detail=rule.message()
            )
