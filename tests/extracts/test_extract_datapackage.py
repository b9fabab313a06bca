"""``datapackage.json`` and ``data_dictionary.md`` are generated from the models and fit the data.

The descriptor is checked against a JSON Schema written here from the Tabular Data
Package v1, Tabular Data Resource and Table Schema specifications (the rules they state
as MUST, including the field types and constraint names), and the CSV data against the
descriptor's own constraints; ``test_extract_frictionless`` runs frictionless itself.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from peerbench.extracts import build_extract
from peerbench.extracts.columns import extra_columns
from peerbench.extracts.consent import EXTRACTED
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.synth import SynthConfig, generate

_CONSTRAINTS = {
    "type": "object",
    "properties": {
        "required": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "enum": {"type": "array", "minItems": 1},
        "minimum": {"type": ["number", "string"]},
        "maximum": {"type": ["number", "string"]},
        "minLength": {"type": "integer", "minimum": 0},
        "maxLength": {"type": "integer", "minimum": 0},
        "pattern": {"type": "string"},
    },
    "additionalProperties": False,
}
_FIELD = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "type": {
            "enum": [
                "string",
                "number",
                "integer",
                "boolean",
                "object",
                "array",
                "date",
                "time",
                "datetime",
                "year",
                "yearmonth",
                "duration",
                "geopoint",
                "geojson",
                "any",
            ]
        },
        "format": {"type": "string"},
        "constraints": _CONSTRAINTS,
    },
}
_FIELDS_LIST = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
TABLE_SCHEMA = {
    "type": "object",
    "required": ["fields"],
    "properties": {
        "fields": {"type": "array", "minItems": 1, "items": _FIELD},
        "primaryKey": _FIELDS_LIST,
        "missingValues": {"type": "array", "items": {"type": "string"}},
        "foreignKeys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fields", "reference"],
                "properties": {
                    "fields": _FIELDS_LIST,
                    "reference": {
                        "type": "object",
                        "required": ["resource", "fields"],
                        "properties": {"resource": {"type": "string"}, "fields": _FIELDS_LIST},
                    },
                },
            },
        },
    },
}
TABULAR_DATA_PACKAGE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["resources", "profile"],
    "properties": {
        "profile": {"const": "tabular-data-package"},
        "name": {"type": "string", "pattern": "^([-a-z0-9._/])+$"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "keywords": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "licenses": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "anyOf": [{"required": ["name"]}, {"required": ["path"]}],
                "properties": {"name": {"type": "string", "pattern": "^([-a-zA-Z0-9._])+$"}},
            },
        },
        "sources": {
            "type": "array",
            "items": {"type": "object", "required": ["title"]},
        },
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "path", "schema", "profile"],
                "properties": {
                    "profile": {"const": "tabular-data-resource"},
                    "name": {"type": "string", "pattern": "^([-a-z0-9._/])+$"},
                    "path": {"type": "string", "pattern": "^[^/.][^/]*$"},
                    "format": {"type": "string"},
                    "mediatype": {"type": "string", "pattern": "^(.+)/(.+)$"},
                    "encoding": {"type": "string"},
                    "dialect": {"type": "object"},
                    "schema": TABLE_SCHEMA,
                },
            },
        },
    },
}


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=400, seed=3)).tables)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dp") / "x"
    build_extract(synthetic(), project="study-1", extract_id="E-1", salt=b"d" * 32, out_dir=out)
    return out


@pytest.fixture(scope="module")
def package(extract: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((extract / "datapackage.json").read_text())
    return data


def _resource(package: dict[str, Any], path: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in package["resources"] if r["path"] == path]
    assert len(found) == 1, path
    return found[0]


def test_descriptor_fits_the_tabular_data_package_profile(package: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(TABULAR_DATA_PACKAGE)
    jsonschema.validate(package, TABULAR_DATA_PACKAGE)
    assert package["name"] == "peerbench-extract-e-1"
    assert package["x-project"] == "study-1" and package["x-standard-version"] == STANDARD_VERSION
    assert STANDARD_VERSION in package["sources"][0]["title"]
    assert len(package["resources"]) == 2 * len(EXTRACTED) + 3  # + the scoring tables


def test_fields_and_constraints_come_from_the_models(
    package: dict[str, Any], extract: Path
) -> None:
    for record_type, model in ((rt, RECORD_TYPES[rt]) for rt in EXTRACTED):
        parquet = _resource(package, f"{model.file_stem}.parquet")["schema"]
        by_name = {f["name"]: f for f in parquet["fields"]}
        specs = field_specs(model)
        extras = [c.name for c in extra_columns(record_type)]
        assert sorted(by_name) == sorted([s.name for s in specs] + extras)
        assert parquet["primaryKey"] == list(model.primary_key)
        for spec in specs:
            field = by_name[spec.name]
            constraints = field.get("constraints", {})
            assert field["description"].startswith(spec.meaning)
            assert constraints.get("required", False) is spec.required
            if spec.kind == "code":
                assert spec.codelist is not None
                assert constraints["enum"] == spec.codelist.codes()
            assert constraints.get("minimum") == spec.minimum
            assert constraints.get("maximum") == spec.maximum
            if spec.pattern is not None:
                assert f"^{constraints['pattern']}$" == spec.pattern
        csv_columns = pacsv.read_csv(extract / f"{model.file_stem}.csv").column_names
        csv = _resource(package, f"{model.file_stem}.csv")
        assert [f["name"] for f in csv["schema"]["fields"]] == csv_columns
        assert csv["x-rows"] == _resource(package, f"{model.file_stem}.parquet")["x-rows"]
    outcomes = _resource(package, "outcomes.parquet")["schema"]["fields"]
    assert {f["name"]: f["type"] for f in outcomes}["items"] == "any"  # a list: see SPEC §13


def test_foreign_keys_point_at_real_resources(package: dict[str, Any]) -> None:
    names = {r["name"]: r for r in package["resources"]}
    outcome_keys = _resource(package, "outcomes.csv")["schema"]["foreignKeys"]
    assert {
        "fields": ["participant_key", "service_id"],
        "reference": {"resource": "participants", "fields": ["participant_key", "service_id"]},
    } in outcome_keys
    for resource in package["resources"]:
        own = {f["name"] for f in resource["schema"]["fields"]}
        for key in resource["schema"].get("foreignKeys", []):
            target = names[key["reference"]["resource"]]
            assert target["format"] == resource["format"]
            assert set(key["fields"]) <= own
            assert key["reference"]["fields"] == target["schema"]["primaryKey"]


def _cell_ok(field: dict[str, Any], value: str) -> bool:
    c = field.get("constraints", {})
    if value == "":
        return not c.get("required", False)
    if "enum" in c and value not in c["enum"]:
        return False
    if "pattern" in c and not re.fullmatch(c["pattern"], value):
        return False
    if field["type"] in ("integer", "number"):
        number = float(value)
        if ("minimum" in c and number < c["minimum"]) or ("maximum" in c and number > c["maximum"]):
            return False
    return field["type"] != "boolean" or value in ("true", "false")


def test_csv_data_meets_its_own_descriptor(package: dict[str, Any], extract: Path) -> None:
    for resource in package["resources"]:
        if resource["format"] != "csv":
            continue
        fields = resource["schema"]["fields"]
        table = pacsv.read_csv(
            extract / resource["path"],
            convert_options=pacsv.ConvertOptions(
                column_types={f["name"]: pa.string() for f in fields}, strings_can_be_null=False
            ),
        )
        for field in fields:
            bad = [v for v in table.column(field["name"]).to_pylist() if not _cell_ok(field, v)]
            assert not bad, (resource["path"], field["name"], bad[:3])
        key = resource["schema"].get("primaryKey", [])
        rows = list(zip(*(table.column(k).to_pylist() for k in key), strict=True))
        assert not key or len(rows) == len(set(rows)), resource["path"]


def test_data_dictionary_and_readme(extract: Path) -> None:
    dictionary = (extract / "data_dictionary.md").read_text(encoding="utf-8")
    for record_type, model in ((rt, RECORD_TYPES[rt]) for rt in EXTRACTED):
        assert f"## `{model.file_stem}` ({record_type})" in dictionary
        for spec in field_specs(model):
            if spec.kind != "integers":
                assert f"`{spec.name}`" in dictionary, spec.name
    assert "`item_1 … item_" in dictionary
    assert "### `ethnic_group`" in dictionary and "### `ethnicity`" in dictionary
    assert "HMAC-SHA256" in dictionary
    readme = (extract / "README.md").read_text(encoding="utf-8")
    for text in ("study-1", "consent_research = true", "HMAC-SHA256", "approved research only"):
        assert text in readme, text
