"""JSON Schema (draft 2020-12) for every record type and for a whole submission bundle."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION, minor_of

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(name: str) -> str:
    """The ``$id`` of a generated schema: ``urn:peerbench:standard:1.1:outcome``.

    A URN names, it does not locate. It carries major.minor only: a patch release
    changes wording, never a schema, so the same schema keeps one ``$id``.
    """
    return f"urn:peerbench:standard:{minor_of(STANDARD_VERSION)}:{name}"


_CODELISTS_BY_CLASS = {cls.__name__: cls for cls in ALL_CODELISTS}


def _annotate_codelists(defs: dict[str, Any]) -> None:
    for name, definition in defs.items():
        codelist = _CODELISTS_BY_CLASS.get(name)
        if codelist is None:
            continue
        definition["description"] = codelist.__codelist_description__
        definition["x-codelist"] = codelist.codelist_name()
        definition["x-labels"] = {member.value: member.label for member in codelist}


@cache
def _record_schema(record_type: str) -> dict[str, Any]:
    model = RECORD_TYPES[record_type]
    schema = model.model_json_schema(mode="validation")
    _annotate_codelists(schema.get("$defs", {}))
    conditions = [r.json_schema() for r in model.rules]
    rules = [c for c in conditions if c is not None]
    ordered: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": schema_id(record_type),
        "title": model.__name__,
        "description": schema.pop("description", model.summary),
        "x-record-type": record_type,
        "x-file-stem": model.file_stem,
        "x-tier": model.tier.value,
        "x-primary-key": list(model.primary_key),
        "x-standard-version": STANDARD_VERSION,
        "x-rules": [r.describe() for r in model.rules],
    }
    schema.pop("title", None)
    ordered.update(schema)
    if rules:
        ordered["allOf"] = rules
    return ordered


def record_schema(record_type: str) -> dict[str, Any]:
    """The JSON Schema for one record of ``record_type`` (a fresh copy)."""
    return copy.deepcopy(_record_schema(record_type))


def bundle_schema() -> dict[str, Any]:
    """The JSON Schema for a submission document holding records of several types.

    The document is ``{"standard_version": "1.0.0", "outcomes": [...], ...}`` with one
    array per record type keyed by file stem; each record schema is embedded in ``$defs``.
    """
    defs: dict[str, Any] = {}
    properties: dict[str, Any] = {
        "standard_version": {
            "type": "string",
            "pattern": r"^\d+\.\d+\.\d+$",
            "description": "Version of the standard the records follow (SemVer).",
        },
        "organisation_id": {
            "type": "string",
            "description": "The submitting organisation, when one organisation submits.",
        },
        "period": {
            "type": "string",
            "pattern": r"^\d{4}-(Q[1-4]|\d{2}|H[12]|FY)$",
            "description": "Reporting period, e.g. 2026-Q3.",
        },
    }
    for record_type, model in RECORD_TYPES.items():
        schema = record_schema(record_type)
        for name, definition in schema.pop("$defs", {}).items():
            defs[name] = definition
        schema.pop("$schema")
        schema.pop("$id")  # embedded: its #/$defs refs must resolve against the bundle
        defs[model.__name__] = schema
        properties[model.file_stem] = {
            "type": "array",
            "items": {"$ref": f"#/$defs/{model.__name__}"},
        }
    return {
        "$schema": DIALECT,
        "$id": schema_id("bundle"),
        "title": "Peer Support Outcomes submission bundle",
        "description": "Records of one or more types in one JSON document.",
        "type": "object",
        "required": ["standard_version"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }
