"""The GX suites are generated from the standard: every declared rule has its expectation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.gx_suite import suite_from_json, suite_json
from peerbench.validators.gx_view import (
    FOLLOW_UP_COLUMN,
    ITEM_MISSING_COLUMN,
    licensed_instruments,
)

ALL_TYPES = list(RECORD_TYPES)


def _expectations(record_type: str) -> list[dict[str, Any]]:
    expectations: list[dict[str, Any]] = suite_json(record_type)["expectations"]
    return expectations


def _find(record_type: str, kind: str, column: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in _expectations(record_type)
        if e["type"] == kind
        and e["kwargs"].get("column", e["kwargs"].get("column_A")) == column
        and all(e["kwargs"].get(k) == v for k, v in kwargs.items())
    ]


@pytest.mark.parametrize("record_type", ALL_TYPES)
def test_every_required_field_must_not_be_null(record_type: str) -> None:
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.required:
            found = _find(record_type, "expect_column_values_to_not_be_null", spec.name)
            assert [e["kwargs"].get("mostly") for e in found] == [None], spec.name


@pytest.mark.parametrize("record_type", ALL_TYPES)
def test_every_code_field_has_exactly_its_codes(record_type: str) -> None:
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.kind == "code" and spec.codelist is not None:
            (found,) = _find(record_type, "expect_column_values_to_be_in_set", spec.name)
            assert found["kwargs"]["value_set"] == spec.codelist.codes()


@pytest.mark.parametrize("record_type", ALL_TYPES)
def test_min_max_become_between_and_patterns_regex(record_type: str) -> None:
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.kind in ("integer", "number") and spec.minimum is not None:
            (found,) = _find(record_type, "expect_column_values_to_be_between", spec.name)
            assert (found["kwargs"]["min_value"], found["kwargs"].get("max_value")) == (
                spec.minimum,
                spec.maximum,
            )
        if spec.pattern is not None:
            kind = "expect_column_values_to_match_regex"
            assert _find(record_type, kind, spec.name, regex=spec.pattern), spec.name


def test_optional_fields_get_tier_thresholds_and_extended_fields_none() -> None:
    assert _find("participant", "expect_column_values_to_not_be_null", "ethnicity", mostly=0.8)
    assert not _find("service_use", "expect_column_values_to_not_be_null", "gp_appointments")


def test_licence_conditional_fields_are_checked_only_where_needed() -> None:
    (items,) = _find("outcome", "expect_column_values_to_not_be_null", "items")
    assert items["kwargs"]["row_condition"]["operator"] == "NOT_IN"
    assert items["kwargs"]["row_condition"]["parameter"] == licensed_instruments()
    assert "PAM13" in licensed_instruments()


def test_rules_become_expectations() -> None:
    pair = "expect_column_pair_values_a_to_be_greater_than_b"
    assert _find("engagement", pair, "end_date", column_B="start_date", or_equal=True)
    # NotGreater(sessions_attended, sessions_offered): offered >= attended.
    assert _find("engagement", pair, "sessions_offered", column_B="sessions_attended")
    checks = {e["meta"]["check"] for e in _expectations("engagement")}
    assert {"rule:date-order", "rule:end-date-vs-reason", "rule:sessions-exceed-offered"} <= checks
    quote = _find("feedback", "expect_column_values_to_be_null", "free_text")
    assert quote[0]["meta"]["check"] == "rule:quote-without-consent"


def test_dataset_level_expectations_on_outcomes() -> None:
    (follow,) = _find("outcome", "expect_column_values_to_be_in_set", FOLLOW_UP_COLUMN)
    assert follow["kwargs"] == {"column": FOLLOW_UP_COLUMN, "value_set": [True], "mostly": 0.5}
    (items,) = _find("outcome", "expect_column_mean_to_be_between", ITEM_MISSING_COLUMN)
    assert items["kwargs"]["max_value"] == 0.05


def test_codes_list_regex_accepts_joined_codes_up_to_the_limit() -> None:
    (found,) = _find("feedback", "expect_column_values_to_match_regex", "themes")
    pattern = re.compile(found["kwargs"]["regex"])
    assert pattern.match("connection;hope")
    assert not pattern.match("connection;nonsense")
    assert not pattern.match(";".join(["hope"] * 11))


@pytest.mark.parametrize("record_type", ALL_TYPES)
def test_suite_json_is_deterministic_and_loadable(record_type: str) -> None:
    first = json.dumps(suite_json(record_type), sort_keys=True)
    assert first == json.dumps(suite_json(record_type), sort_keys=True)
    assert '"id"' not in first
    loaded = suite_from_json(json.loads(first))
    assert loaded.name == f"peerbench.{record_type}"
    assert len(loaded.expectations) == len(_expectations(record_type))
    assert all(e["meta"]["dimension"] for e in _expectations(record_type))
