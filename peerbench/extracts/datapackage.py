"""``datapackage.json``: a Frictionless Tabular Data Package (v1) generated from the models.

Each file of an extract is one Tabular Data Resource with a Table Schema whose field
names, types, descriptions and constraints (``required``, ``enum`` from the code lists,
``minimum``/``maximum``, ``pattern``, ``maxLength``) come from
:func:`peerbench.schema.introspect.field_specs`, and whose ``primaryKey`` and
``foreignKeys`` come from the record models and the validator's reference list, so
nothing is written by hand. CSV resources describe the flattened form (``item_1..N``
integers, ``themes`` as ``;``-joined text); Parquet resources keep ``items`` and
``themes`` as lists.

Parquet resources are described so that ``frictionless validate`` (which reads Parquet
through pandas) accepts them: their ``missingValues`` also name ``nan`` (pandas turns a
null integer into NaN), and list columns are typed ``any`` (pandas hands a list cell
over as a NumPy array, which Table Schema's ``array`` does not accept), with the list
element type in the description; the same rows in the CSV resource are checked item by
item. The scoring tables (:mod:`peerbench.extracts.scoring_rules`) are CSV resources.

A foreign key is declared only when every referencing field is required: Table Schema
has no rule for a partly empty composite key (anonymous feedback has no participant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from peerbench.extracts.columns import ExtraColumn, extra_columns
from peerbench.extracts.scoring_rules import TABLES
from peerbench.io.tabular import ITEM_PREFIX, LIST_SEPARATOR
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES, OutcomeMeasurement
from peerbench.schema.version import STANDARD_VERSION
from peerbench.validators.columnar.coerce import BOOLEAN_SPELLINGS
from peerbench.validators.columnar.keys import REFERENCES

PROFILE = "tabular-data-package"
RESOURCE_PROFILE = "tabular-data-resource"
LICENCE = {
    "name": "other-closed",
    "title": "Approved research use only, under the project's data-sharing agreement; "
    "no onward sharing, no attempt to re-identify anyone.",
}
PARQUET_MISSING = ["", "nan"]
"""Null in a Parquet resource, as frictionless sees it through pandas."""
CSV_DIALECT = {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n"}

_TYPES = {
    "string": "string",
    "code": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "codes": "array",
    "integers": "array",
}
_ITEM = re.compile(rf"^{ITEM_PREFIX}([0-9]+)$")


def _anchored(pattern: str) -> str:
    # Table Schema patterns are XML Schema regexes, implicitly anchored: no ^ or $.
    return pattern.removeprefix("^").removesuffix("$")


def _spellings(value: bool) -> list[str]:
    words = [word for word, meaning in BOOLEAN_SPELLINGS.items() if meaning is value]
    return list(dict.fromkeys(f for w in words for f in (w, w.title(), w.upper())))


@cache
def item_bounds() -> tuple[int, int]:
    """The range of one item response, read from the outcome model's JSON Schema."""
    prop = OutcomeMeasurement.model_json_schema()["properties"]["items"]
    element = prop["anyOf"][0]["items"]["anyOf"][0]
    return int(element["minimum"]), int(element["maximum"])


def _spec_field(spec: FieldSpec, *, flat: bool, parquet: bool) -> dict[str, Any]:
    kind = spec.kind
    field: dict[str, Any] = {"name": spec.name, "type": _TYPES[kind], "description": spec.meaning}
    if kind == "date":
        field["format"] = "default"  # ISO 8601 YYYY-MM-DD
    if kind == "boolean" and flat:  # the spellings the standard's CSV reading accepts
        field["trueValues"] = _spellings(True)
        field["falseValues"] = _spellings(False)
    constraints: dict[str, Any] = {}
    if spec.required:
        constraints["required"] = True
    if spec.codelist is not None and kind == "code":
        constraints["enum"] = spec.codelist.codes()
    if spec.minimum is not None:
        constraints["minimum"] = spec.minimum
    if spec.maximum is not None:
        constraints["maximum"] = spec.maximum
    if spec.pattern is not None:
        constraints["pattern"] = _anchored(spec.pattern)
    if spec.max_length is not None and kind == "string":
        constraints["maxLength"] = spec.max_length
    if kind == "codes":
        codes = "|".join(re.escape(c) for c in spec.codelist.codes()) if spec.codelist else ".+"
        if flat:
            field["type"] = "string"
            field["description"] += f" Codes joined by '{LIST_SEPARATOR}'."
            constraints["pattern"] = f"({codes})({re.escape(LIST_SEPARATOR)}({codes}))*"
    if kind in ("codes", "integers") and parquet:
        field["type"] = "any"
        element = "code" if kind == "codes" else "integer"
        field["description"] += f" A Parquet list of {element}s (JSON array)."
        constraints = {"required": True} if spec.required else {}
    if constraints:
        field["constraints"] = constraints
    return field


def _item_field(name: str, number: int, spec: FieldSpec) -> dict[str, Any]:
    low, high = item_bounds()
    return {
        "name": name,
        "type": "integer",
        "description": f"Response to question {number} ({spec.meaning})",
        "constraints": {"minimum": low, "maximum": high},
    }


def _extra_field(column: ExtraColumn) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": "string", "description": column.meaning}
    constraints: dict[str, Any] = {}
    if column.codelist is not None:
        constraints["enum"] = column.codelist.codes()
    if column.pattern is not None:
        constraints["pattern"] = _anchored(column.pattern)
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(
    record_type: str,
    columns: Sequence[str],
    *,
    flat: bool,
    parquet: bool | None = None,
    resources: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The Table Schema of one extract file, field for field in ``columns`` order.

    Args:
        record_type: e.g. ``"outcome"``.
        columns: The file's column names (CSV: flattened).
        flat: Whether the file is the flattened CSV form.
        parquet: Whether the file is Parquet (default: ``not flat``).
        resources: The names of the package's resources (default: every record type's),
            so a foreign key to a file the package lacks is left out.

    Raises:
        KeyError: a column the models do not declare.
    """
    model = RECORD_TYPES[record_type]
    is_parquet = not flat if parquet is None else parquet
    specs = {spec.name: spec for spec in field_specs(model)}
    extras = {column.name: column for column in extra_columns(record_type)}
    fields = []
    for name in columns:
        match = _ITEM.match(name)
        if name in specs:
            fields.append(_spec_field(specs[name], flat=flat, parquet=is_parquet))
        elif name in extras:
            fields.append(_extra_field(extras[name]))
        elif match and "items" in specs:
            fields.append(_item_field(name, int(match.group(1)), specs["items"]))
        else:
            raise KeyError(f"{record_type} column {name!r} is not declared")
    schema: dict[str, Any] = {
        "fields": fields,
        "missingValues": list(PARQUET_MISSING) if is_parquet else [""],
        "primaryKey": list(model.primary_key),
    }
    foreign = []
    for columns_from, target in REFERENCES.get(record_type, ()):
        known = resources is None or resource_name(target, flat=flat) in resources
        if known and all(specs[c].required for c in columns_from):
            foreign.append(
                {
                    "fields": list(columns_from),
                    "reference": {
                        "resource": resource_name(target, flat=flat),
                        "fields": list(RECORD_TYPES[target].primary_key),
                    },
                }
            )
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def resource_name(record_type: str, *, flat: bool) -> str:
    """``outcomes`` for the CSV file, ``outcomes-parquet`` for the Parquet one."""
    stem = RECORD_TYPES[record_type].file_stem.replace("_", "-")
    return stem if flat else f"{stem}-parquet"


def resource(record_type: str, columns: Sequence[str], rows: int, *, flat: bool) -> dict[str, Any]:
    """The Tabular Data Resource describing one file of the extract."""
    stem = RECORD_TYPES[record_type].file_stem
    model = RECORD_TYPES[record_type]
    described: dict[str, Any] = {
        "profile": RESOURCE_PROFILE,
        "name": resource_name(record_type, flat=flat),
        "path": f"{stem}.{'csv' if flat else 'parquet'}",
        "title": f"{record_type} records ({'CSV' if flat else 'Parquet'})",
        "description": f"{model.summary} {(model.__doc__ or '').strip()}".strip(),
        "format": "csv" if flat else "parquet",
        "mediatype": "text/csv" if flat else "application/vnd.apache.parquet",
        "schema": table_schema(record_type, columns, flat=flat),
        "x-rows": rows,
    }
    if flat:
        described["encoding"] = "utf-8"
        described["dialect"] = dict(CSV_DIALECT)
    return described


def _scoring_key(name: str) -> dict[str, list[str]]:
    key = [c.name for c in TABLES[name] if c.key]
    return {"primaryKey": key} if key else {}


def scoring_resource(name: str, rows: int) -> dict[str, Any]:
    """The CSV resource of one scoring table (:mod:`peerbench.extracts.scoring_rules`)."""
    fields = []
    for column in TABLES[name]:
        field: dict[str, Any] = {
            "name": column.name,
            "type": column.kind,
            "description": column.meaning,
        }
        if column.required:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {
        "profile": RESOURCE_PROFILE,
        "name": name.replace("_", "-"),
        "path": f"{name}.csv",
        "title": f"{name.replace('_', ' ')} of the instruments in this extract",
        "description": "Generated from the instrument registry peerbench scored with.",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": dict(CSV_DIALECT),
        "schema": {"fields": fields, "missingValues": [""], **_scoring_key(name)},
        "x-rows": rows,
    }


def package_name(extract_id: str) -> str:
    """A Data Package ``name``: lower case, digits and ``-._/`` only."""
    return "peerbench-extract-" + re.sub(r"[^a-z0-9._/-]+", "-", extract_id.lower())


def descriptor(
    *,
    extract_id: str,
    project: str,
    created: str,
    description: str,
    files: Mapping[str, tuple[Sequence[str], Sequence[str], int]],
    scoring: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The whole ``datapackage.json``.

    Args:
        extract_id: The extract's id.
        project: The approved research project.
        created: ISO 8601 timestamp.
        description: A paragraph for the package (consent and re-keying rules).
        files: Record type → (CSV columns, Parquet columns, rows).
        scoring: Scoring table name → rows (each a CSV resource).
    """
    resources = []
    for record_type, (csv_columns, parquet_columns, rows) in files.items():
        resources.append(resource(record_type, csv_columns, rows, flat=True))
        resources.append(resource(record_type, parquet_columns, rows, flat=False))
    for name, rows in (scoring or {}).items():
        resources.append(scoring_resource(name, rows))
    return {
        "profile": PROFILE,
        "name": package_name(extract_id),
        "id": extract_id,
        "title": f"peerbench research extract {extract_id} for project {project}",
        "description": description,
        "created": created,
        "keywords": ["peer support", "outcomes", "peerbench", project],
        "licenses": [dict(LICENCE)],
        "sources": [
            {
                "title": f"Peer Support Outcomes Standard {STANDARD_VERSION} "
                "(pooled submissions, harmonised by peerbench)",
            }
        ],
        "x-project": project,
        "x-standard-version": STANDARD_VERSION,
        "resources": resources,
    }
