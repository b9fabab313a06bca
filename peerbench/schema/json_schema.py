"""JSON Schema (draft 2020-12) for every record type and for a whole submission bundle.

The schemas are the contract for machine formats (JSON, JSON Lines, Parquet): every
per-record rule JSON Schema can state is in them (types, codes, patterns, non-blank
text, required-when, each instrument's item count, answer ranges and missing-item
limit, the licensed score), so a validator in another language accepts exactly the
records ``peerbench validate`` accepts, apart from the rules SPEC lists as beyond JSON
Schema. The ``x-`` annotations are declared as a vocabulary in :func:`meta_schema`,
the dialect every generated schema names in ``$schema``.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.registry import default_registry
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION, minor_of

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The standard dialect the meta-schema extends."""
VOCABULARY = "urn:peerbench:vocabulary:annotations"
"""The vocabulary of the ``x-`` keywords (annotations only: they never fail a record)."""
NON_BLANK = r"\S"
"""Pattern added to required text: at least one character that is not white space."""

_VOCABULARIES = ("core", "applicator", "unevaluated", "validation", "meta-data",
                 "format-annotation", "content")  # fmt: skip

_X_KEYWORDS: dict[str, Any] = {
    "x-tier": {"enum": ["core", "standard", "extended"]},
    "x-rule": {"type": "string"},
    "x-codelist": {"type": "string"},
    "x-labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "x-record-type": {"type": "string"},
    "x-file-stem": {"type": "string"},
    "x-primary-key": {"type": "array", "items": {"type": "string"}},
    "x-standard-version": {"type": "string"},
    "x-rules": {"type": "array", "items": {"type": "string"}},
    "x-instrument": {"type": "string"},
}
"""Every ``x-`` keyword the generated schemas use, with the shape of its value."""


def schema_id(name: str) -> str:
    """The ``$id`` of a generated schema: ``urn:peerbench:standard:1.1:outcome``.

    A URN names, it does not locate. It carries major.minor only: a patch release
    changes wording, never a schema, so the same schema keeps one ``$id``.
    """
    return f"urn:peerbench:standard:{minor_of(STANDARD_VERSION)}:{name}"


def meta_schema() -> dict[str, Any]:
    """The dialect of the generated schemas: 2020-12 plus the ``x-`` vocabulary.

    A strict validator (ajv in strict mode) compiles the schemas once it knows this
    meta-schema and the keywords of :data:`VOCABULARY` (the keys of ``properties``).
    """
    vocabularies: dict[str, bool] = {
        f"https://json-schema.org/draft/2020-12/vocab/{name}": True for name in _VOCABULARIES
    }
    vocabularies[VOCABULARY] = False  # annotations: a validator may ignore them safely
    return {
        "$schema": DIALECT,
        "$id": schema_id("meta"),
        "$vocabulary": vocabularies,
        "$dynamicAnchor": "meta",
        "title": "Peer Support Outcomes Standard dialect",
        "description": "JSON Schema 2020-12 with the standard's x- annotation keywords.",
        "allOf": [{"$ref": DIALECT}],
        "properties": copy.deepcopy(_X_KEYWORDS),
    }


def x_keywords() -> list[str]:
    """The ``x-`` keywords of the vocabulary, for validators that must be told them."""
    return list(_X_KEYWORDS)


_CODELISTS_BY_CLASS = {cls.__name__: cls for cls in ALL_CODELISTS}


def _annotate_codelists(defs: dict[str, Any]) -> None:
    for name, definition in defs.items():
        codelist = _CODELISTS_BY_CLASS.get(name)
        if codelist is None:
            continue
        definition["description"] = codelist.__codelist_description__
        definition["x-codelist"] = codelist.codelist_name()
        definition["x-labels"] = {member.value: member.label for member in codelist}


def _non_blank(properties: dict[str, Any]) -> None:
    """Text that must not be empty must not be blank either (pattern ``\\S``)."""
    for definition in properties.values():
        for branch in [definition, *definition.get("anyOf", [])]:
            if (
                branch.get("type") == "string"
                and branch.get("minLength", 0) >= 1
                and "pattern" not in branch
                and "format" not in branch
            ):
                branch["pattern"] = NON_BLANK


def _answers(definition: InstrumentDefinition) -> list[dict[str, Any]]:
    return [
        {"anyOf": [{"type": "integer", "minimum": i.min, "maximum": i.max}, {"type": "null"}]}
        for i in definition.items()
    ]


def instrument_rule(definition: InstrumentDefinition) -> dict[str, Any]:
    """``if instrument is X then`` its item count, answer ranges and missing-item limit.

    A licensed instrument (PAM13) needs the licensor's score instead of items; items,
    when given, still have the instrument's count and ranges.
    """
    k = definition.item_count
    items: dict[str, Any] = {
        "type": "array",
        "minItems": k,
        "maxItems": k,
        "prefixItems": _answers(definition),
    }
    licensed = definition.scoring.method.value == "licensed"
    if not licensed:
        allowed = definition.missing.max_missing
        items.update({"contains": {"type": "null"}, "minContains": 0, "maxContains": allowed})
    then: dict[str, Any] = {"properties": {"items": items}, "required": ["items"]}
    if licensed:
        then = {
            "properties": {
                "items": {"anyOf": [items, {"type": "null"}]},
                "licensed_score": {"type": "number"},
            },
            "required": ["licensed_score"],
        }
    given = {"properties": {"instrument": {"const": definition.code}}, "required": ["instrument"]}
    return {"x-instrument": definition.code, "if": given, "then": then}


def instrument_rules(record_type: str) -> list[dict[str, Any]]:
    """One :func:`instrument_rule` per built-in instrument (outcomes only)."""
    if record_type != "outcome":
        return []
    return [instrument_rule(d) for d in sorted(default_registry(), key=lambda d: d.code)]


@cache
def _record_schema(record_type: str) -> dict[str, Any]:
    model = RECORD_TYPES[record_type]
    schema = model.model_json_schema(mode="validation")
    _annotate_codelists(schema.get("$defs", {}))
    _non_blank(schema.get("properties", {}))
    conditions = [r.json_schema() for r in model.rules]
    rules = [c for c in conditions if c is not None] + instrument_rules(record_type)
    ordered: dict[str, Any] = {
        "$schema": schema_id("meta"),
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
        "$schema": schema_id("meta"),
        "$id": schema_id("bundle"),
        "title": "Peer Support Outcomes submission bundle",
        "description": "Records of one or more types in one JSON document.",
        "type": "object",
        "required": ["standard_version"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }
