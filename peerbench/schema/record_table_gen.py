"""Write ``record_table.py`` and ``record_schemas.json``: the record types as plain data.

Run ``python -m peerbench.schema.record_table_gen`` after changing a record model (or a
built-in instrument: the outcome schema holds their rules); ``tests/schema/
test_record_table.py`` fails until both files match what this writes. See
``record_info.py`` and ``stored_schemas.py``.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

from peerbench.schema.introspect import field_specs
from peerbench.schema.record_base import Record
from peerbench.schema.record_info import FieldSpec, RecordInfo
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.stored_schemas import SCHEMAS

TABLE = Path(__file__).with_name("record_table.py")

_HEADER = '''"""Every record type as plain data: GENERATED from ``records.py``, do not edit.

Written by ``python -m peerbench.schema.record_table_gen``; a test fails when it is stale.
"""

# fmt: off
# ruff: noqa: E501

from peerbench.schema.codelists import (
{codelists})
from peerbench.schema.record_info import FieldSpec as S
from peerbench.schema.record_info import RecordInfo
from peerbench.schema.rules import (
{rules})
from peerbench.schema.vocabulary import Tier

RECORDS: dict[str, RecordInfo] = {{
'''


def record_info(model: type[Record]) -> RecordInfo:
    """The plain-data view of one record model."""
    return RecordInfo(
        record_type=model.record_type,
        file_stem=model.file_stem,
        tier=model.tier,
        primary_key=tuple(model.primary_key),
        summary=model.summary,
        rules=tuple(model.rules),
        specs=tuple(field_specs(model)),
    )


def _spec(spec: FieldSpec) -> str:
    codelist = "None" if spec.codelist is None else spec.codelist.__name__
    return (
        f"S(name={spec.name!r}, kind={spec.kind!r}, required={spec.required!r}, "
        f"tier={spec.tier!r}, meaning={spec.meaning!r}, rule={spec.rule!r}, "
        f"codelist={codelist}, minimum={spec.minimum!r}, maximum={spec.maximum!r}, "
        f"pattern={spec.pattern!r}, max_length={spec.max_length!r}, "
        f"example={spec.example!r})"
    )


def _tier(tier: Enum) -> str:
    return f"{type(tier).__name__}.{tier.name}"


def _record(info: RecordInfo) -> list[str]:
    rules = "".join(f"{rule!r}, " for rule in info.rules)
    lines = [
        f"    {info.record_type!r}: RecordInfo(",
        f"        record_type={info.record_type!r}, file_stem={info.file_stem!r}, "
        f"tier={_tier(info.tier)}, primary_key={info.primary_key!r},",
        f"        summary={info.summary!r},",
        f"        rules=({rules}),",
        "        specs=(",
        *(f"            {_spec(spec)}," for spec in info.specs),
        "        ),",
        "    ),",
    ]
    return lines


def _names(names: list[str]) -> str:
    return "".join(f"    {name},\n" for name in names)


def table_source() -> str:
    """The text of ``record_table.py`` for the current record models."""
    infos = [record_info(model) for model in RECORD_TYPES.values()]
    codelists = sorted({s.codelist.__name__ for i in infos for s in i.specs if s.codelist})
    rules = sorted({type(rule).__name__ for i in infos for rule in i.rules})
    lines: list[Any] = [line for info in infos for line in _record(info)]
    header = _HEADER.format(codelists=_names(codelists), rules=_names(rules))
    return header + "\n".join(lines) + "\n}\n"


def schemas_source() -> str:
    """The text of ``record_schemas.json``: every record JSON Schema, as generated."""
    from peerbench.schema.json_schema import record_schema

    schemas = {record_type: record_schema(record_type) for record_type in RECORD_TYPES}
    return json.dumps(schemas, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrite the table and the stored schemas next to this module."""
    TABLE.write_text(table_source(), encoding="utf-8")
    SCHEMAS.write_text(schemas_source(), encoding="utf-8")


if __name__ == "__main__":
    main()
