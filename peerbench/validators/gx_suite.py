"""Great Expectations suites generated from the standard.

Nothing here is written per field: every expectation comes from
:func:`peerbench.schema.introspect.field_specs`, the code lists, the record types'
cross-field rules and the instrument registry.

Field expectations (dimension in brackets):

* required field → ``expect_column_values_to_not_be_null`` (completeness, must be 100%);
* optional core/standard field → ``expect_column_values_to_not_be_null`` with
  ``mostly`` = the tier's threshold (completeness; see :class:`Thresholds`);
* code-list field → ``expect_column_values_to_be_in_set`` with exactly the codes (validity);
* list of codes → ``expect_column_values_to_match_regex`` on the ``;``-joined codes, the
  number of codes bounded by the field's length limit (validity);
* ``ge`` / ``le`` → ``expect_column_values_to_be_between`` (validity);
* pattern → ``expect_column_values_to_match_regex`` (validity);
* text ``max_length`` → ``expect_column_value_lengths_to_be_between`` (validity);
* rules: ``NotBefore`` / ``NotGreater`` → ``expect_column_pair_values_a_to_be_greater_than_b``;
  ``RequiredWhen`` / ``EmptyExactlyWhen`` / ``OnlyWithTrue`` → (not-)null expectations with a
  ``row_condition`` (validity).

Dataset-level expectations on derived columns of the outcome table (see
:func:`peerbench.validators.gx_view.gx_view`):

* ``baseline__has_followup`` in ``{True}`` with ``mostly`` = follow-up threshold (coverage);
* mean of ``items__missing_share`` at most the item-missingness threshold (items).

Every expectation carries ``meta = {"check": ..., "dimension": ...}`` so results can be
scored without relying on GX's result order, which is not the suite's order.
:mod:`peerbench.validators.gx_runner` runs the suites.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# The generated plain-data record table, not the pydantic models: the result cache can
# answer a profile without GX, and then nothing here should load pydantic either.
from peerbench.schema.record_info import FieldSpec
from peerbench.schema.record_table import RECORDS
from peerbench.schema.rules import (
    EmptyExactlyWhen,
    NotBefore,
    NotGreater,
    OnlyWithTrue,
    RequiredWhen,
)
from peerbench.validators.gx_view import (
    CODES_SEPARATOR,
    FOLLOW_UP_COLUMN,
    ITEM_MISSING_COLUMN,
    licensed_instruments,
)

if TYPE_CHECKING:
    import great_expectations as gx

# Great Expectations takes seconds to import: it is imported (through
# peerbench.validators.gx_import, which sets it up) only where an expectation is built.

# Fields whose presence depends on whether the instrument is licensed: True = expected for
# licensed instruments only, False = expected for all others. records.py states this only
# in rule text (no Rule object), so it is named here; see the module's interface note.
_LICENCE_CONDITIONAL = {"items": False, "licensed_score": True, "licensed_level": True}


@dataclass(frozen=True)
class Thresholds:
    """The ``mostly`` thresholds of the dataset-level expectations (shares, 0–1).

    Attributes:
        core: Minimum share filled for an optional core field.
        standard: Minimum share filled for an optional standard field.
        follow_up: Minimum share of participants with a baseline who have a follow-up.
        item_missing: Maximum mean share of missing items per outcome form.
    """

    core: float = 0.95
    standard: float = 0.80
    follow_up: float = 0.50
    item_missing: float = 0.05


DEFAULT_THRESHOLDS = Thresholds()


def _meta(check: str, dimension: str) -> dict[str, Any]:
    return {"check": check, "dimension": dimension}


def _codes_regex(codes: list[str], max_items: int | None) -> str:
    alternatives = "|".join(re.escape(c) for c in codes)
    repeat = "*" if max_items is None else f"{{0,{max(max_items - 1, 0)}}}"
    return f"^(?:{alternatives})(?:{CODES_SEPARATOR}(?:{alternatives})){repeat}$"


def _presence_rule_fields(record_type: str) -> set[str]:
    """Fields whose presence a rule governs: scored under validity, not completeness."""
    return {
        r.field
        for r in RECORDS[record_type].rules
        if isinstance(r, EmptyExactlyWhen | OnlyWithTrue)
    }


def _completeness(spec: FieldSpec, record_type: str, t: Thresholds) -> Iterator[Any]:
    from peerbench.validators.gx_import import Column, gx

    if spec.required:
        yield gx.expectations.ExpectColumnValuesToNotBeNull(
            column=spec.name, meta=_meta("required", "completeness")
        )
        return
    if spec.tier not in ("core", "standard") or spec.name in _presence_rule_fields(record_type):
        return
    mostly = t.core if spec.tier == "core" else t.standard
    condition = None
    if record_type == "outcome" and spec.name in _LICENCE_CONDITIONAL:
        licensed = Column("instrument").is_in(licensed_instruments())
        unlicensed = Column("instrument").is_not_in(licensed_instruments())
        condition = licensed if _LICENCE_CONDITIONAL[spec.name] else unlicensed
    yield gx.expectations.ExpectColumnValuesToNotBeNull(
        column=spec.name,
        mostly=mostly,
        row_condition=condition,
        meta=_meta("filled", "completeness"),
    )


def _validity(spec: FieldSpec) -> Iterator[Any]:
    from peerbench.validators.gx_import import gx

    meta = _meta
    if spec.kind == "code" and spec.codelist is not None:
        yield gx.expectations.ExpectColumnValuesToBeInSet(
            column=spec.name, value_set=spec.codelist.codes(), meta=meta("code", "validity")
        )
    if spec.kind == "codes" and spec.codelist is not None:
        yield gx.expectations.ExpectColumnValuesToMatchRegex(
            column=spec.name,
            regex=_codes_regex(spec.codelist.codes(), spec.max_length),
            meta=meta("codes", "validity"),
        )
    if spec.kind in ("integer", "number") and (
        spec.minimum is not None or spec.maximum is not None
    ):
        yield gx.expectations.ExpectColumnValuesToBeBetween(
            column=spec.name,
            min_value=spec.minimum,
            max_value=spec.maximum,
            meta=meta("range", "validity"),
        )
    if spec.pattern is not None:
        yield gx.expectations.ExpectColumnValuesToMatchRegex(
            column=spec.name, regex=spec.pattern, meta=meta("pattern", "validity")
        )
    if spec.kind == "string" and spec.max_length is not None:
        yield gx.expectations.ExpectColumnValueLengthsToBeBetween(
            column=spec.name, max_value=spec.max_length, meta=meta("length", "validity")
        )


def _rules(record_type: str) -> Iterator[Any]:
    from peerbench.validators.gx_import import Column, gx

    for rule in RECORDS[record_type].rules:
        meta = _meta(f"rule:{rule.code}", "validity")
        if isinstance(rule, NotBefore | NotGreater):
            # NotBefore: field >= other; NotGreater: other >= field.
            swap = isinstance(rule, NotGreater)
            later, earlier = (rule.other, rule.field) if swap else (rule.field, rule.other)
            yield gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=meta,
            )
        elif isinstance(rule, RequiredWhen):
            yield gx.expectations.ExpectColumnValuesToNotBeNull(
                column=rule.field, row_condition=Column(rule.other) == rule.value, meta=meta
            )
        elif isinstance(rule, EmptyExactlyWhen):
            yield gx.expectations.ExpectColumnValuesToBeNull(
                column=rule.field, row_condition=Column(rule.other) == rule.value, meta=meta
            )
            yield gx.expectations.ExpectColumnValuesToNotBeNull(
                column=rule.field, row_condition=Column(rule.other) != rule.value, meta=meta
            )
        elif isinstance(rule, OnlyWithTrue):
            yield gx.expectations.ExpectColumnValuesToBeNull(
                column=rule.field,
                # GX builds a condition from `!=` (its IN rejects booleans); `is not` would not.
                row_condition=Column(rule.other) != True,  # noqa: E712
                meta=meta,
            )
        else:  # a new Rule class must be taught to the suite, not silently skipped
            raise TypeError(f"no GX expectation for rule {type(rule).__name__}")


def _dataset_level(record_type: str, t: Thresholds) -> Iterator[Any]:
    from peerbench.validators.gx_import import gx

    if record_type != "outcome":
        return
    yield gx.expectations.ExpectColumnValuesToBeInSet(
        column=FOLLOW_UP_COLUMN,
        value_set=[True],
        mostly=t.follow_up,
        meta=_meta("follow-up", "coverage"),
    )
    yield gx.expectations.ExpectColumnMeanToBeBetween(
        column=ITEM_MISSING_COLUMN,
        min_value=0.0,
        max_value=t.item_missing,
        meta=_meta("item-missingness", "items"),
    )


def expectations(record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Any]:
    """Every expectation of ``record_type``'s suite, in a stable order."""
    out: list[Any] = []
    for spec in RECORDS[record_type].specs:
        out.extend(_completeness(spec, record_type, thresholds))
        out.extend(_validity(spec))
    out.extend(_rules(record_type))
    out.extend(_dataset_level(record_type, thresholds))
    return out


def suite_name(record_type: str) -> str:
    """The suite's name: ``peerbench.<record_type>``."""
    return f"peerbench.{record_type}"


def expectation_suite(
    record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> gx.ExpectationSuite:
    """The GX expectation suite for ``record_type``, generated from the standard.

    Args:
        record_type: A key of :data:`peerbench.schema.records.RECORD_TYPES`.
        thresholds: ``mostly`` thresholds of the dataset-level expectations.

    Returns:
        A new, unsaved suite (add it to a context to run it).
    """
    from peerbench.validators.gx_import import gx

    return gx.ExpectationSuite(
        name=suite_name(record_type), expectations=expectations(record_type, thresholds)
    )


def _strip_volatile(value: Any) -> Any:
    """Drop GX's random ids and its version stamp, so equal suites give equal JSON."""
    if isinstance(value, dict):
        return {
            k: _strip_volatile(v)
            for k, v in value.items()
            if k not in ("id", "great_expectations_version")
        }
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def suite_json(record_type: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """The suite as JSON-ready data, identical on every run (for ``schema/gx/``).

    Write it with ``json.dumps(suite_json(rt), indent=2, sort_keys=True)`` to
    ``schema/gx/<record_type>.json``; :func:`suite_from_json` loads it back.
    """
    data: dict[str, Any] = _strip_volatile(
        expectation_suite(record_type, thresholds).to_json_dict()
    )
    return data


def suite_from_json(data: dict[str, Any]) -> gx.ExpectationSuite:
    """A GX suite from :func:`suite_json` output (e.g. a file in ``schema/gx/``)."""
    from peerbench.validators.gx_import import gx

    return gx.ExpectationSuite(**data)
