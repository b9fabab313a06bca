"""The data dictionary: one row per field of the standard, in words a data volunteer can use.

The list field ``items`` keeps one row (its columns shown as ``item_1 … item_N``) rather
than N near-identical ones, so the dictionary has exactly one row per declared field.
"""

from __future__ import annotations

from peerbench.io.tabular import ITEM_PREFIX
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.template.columns import max_item_count

DICTIONARY_HEADERS = (
    "Record type",
    "Field",
    "Required or optional",
    "Tier",
    "Type",
    "Code list",
    "Rule",
    "Meaning",
)

_KIND_WORDS = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "boolean": "true / false",
    "date": "date (YYYY-MM-DD)",
    "code": "code from a list",
    "codes": "codes from a list, separated by ;",
    "integers": "whole numbers, one column per question",
}


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _rule(spec: FieldSpec) -> str:
    parts = []
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"Between {_bound(spec.minimum)} and {_bound(spec.maximum)}.")
    elif spec.minimum is not None:
        parts.append(f"At least {_bound(spec.minimum)}.")
    elif spec.maximum is not None:
        parts.append(f"At most {_bound(spec.maximum)}.")
    if spec.max_length is not None and spec.kind in ("string", "codes"):
        unit = "characters" if spec.kind == "string" else "codes"
        parts.append(f"At most {spec.max_length} {unit}.")
    if spec.rule:
        parts.append(spec.rule)
    return " ".join(parts)


def dictionary_rows(item_count: int | None = None) -> list[tuple[str, ...]]:
    """Rows of the data dictionary (without the header), for every record type in SPEC order."""
    count = max_item_count() if item_count is None else item_count
    rows: list[tuple[str, ...]] = []
    for record_type, model in RECORD_TYPES.items():
        for spec in field_specs(model):
            header = spec.name
            if spec.kind == "integers":
                header = f"{ITEM_PREFIX}1 … {ITEM_PREFIX}{count}"
            rows.append(
                (
                    record_type,
                    header,
                    "required" if spec.required else "optional",
                    spec.tier,
                    _KIND_WORDS[spec.kind],
                    spec.codelist.codelist_name() if spec.codelist is not None else "",
                    _rule(spec),
                    spec.meaning,
                )
            )
    return rows
