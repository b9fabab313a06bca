from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from peerbench.schema.json_schema import DIALECT, bundle_schema, meta_schema, record_schema
from peerbench.schema.records import RECORD_TYPES
from tests.factories import example_record

Validator = jsonschema.Draft202012Validator


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return Validator(schema, format_checker=Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_record_schemas_are_valid_2020_12(record_type: str) -> None:
    schema = record_schema(record_type)
    assert schema["$schema"] == meta_schema()["$id"]  # the 2020-12 dialect with x- keywords
    assert meta_schema()["allOf"] == [{"$ref": DIALECT}]
    Validator.check_schema(schema)
    assert not list(_validator(schema).iter_errors(example_record(record_type)))


def test_bundle_schema_is_valid_and_rejects_unknown_record_arrays() -> None:
    schema = bundle_schema()
    Validator.check_schema(schema)
    validator = _validator(schema)
    assert validator.is_valid({"standard_version": "1.0.0"})
    assert not validator.is_valid({"standard_version": "1.0.0", "patients": []})


def test_cross_field_rules_are_expressed_in_json_schema() -> None:
    validator = _validator(record_schema("engagement"))
    record = example_record("engagement")
    assert validator.is_valid(record)
    assert not validator.is_valid({**record, "end_date": None})
    assert validator.is_valid({**record, "end_date": None, "end_reason": "ongoing"})
    feedback = _validator(record_schema("feedback"))
    assert not feedback.is_valid({**example_record("feedback"), "consent_to_quote": False})
    outcome = _validator(record_schema("outcome"))
    other = {**example_record("outcome"), "timepoint": "other"}
    assert outcome.is_valid(other)
    del other["days_since_start"]
    assert not outcome.is_valid(other)


def test_code_lists_carry_labels() -> None:
    defs = record_schema("participant")["$defs"]
    assert defs["Sex"]["x-codelist"] == "sex"
    assert defs["Sex"]["x-labels"]["female"] == "Female"


_EXAMPLE = re.compile(r"```json peerbench:(\w+)\n(.*?)```", re.DOTALL)


def test_spec_examples_validate_against_generated_schemas(repo_root: Path) -> None:
    spec = (repo_root / "SPEC.md").read_text(encoding="utf-8")
    examples = _EXAMPLE.findall(spec)
    assert len(examples) >= 4
    generated = repo_root / "schema" / "json"
    for record_type, text in examples:
        schema = json.loads((generated / f"{record_type}.schema.json").read_text())
        errors = [e.message for e in _validator(schema).iter_errors(json.loads(text))]
        assert errors == [], (record_type, errors)
