"""The standard's Arrow (and so Parquet) schema, derived from the record models.

The fields come from ``record_table.py``, generated from the models (see ``record_info.py``).
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from peerbench.schema.record_info import FieldSpec
from peerbench.schema.record_table import RECORDS
from peerbench.schema.version import (
    PARQUET_RECORD_TYPE_KEY,
    PARQUET_VERSION_KEY,
    STANDARD_VERSION,
)

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "code": pa.string(),
    "integer": pa.int32(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    # Parquet names list elements "element"; using the same name keeps a round trip equal.
    "codes": pa.list_(pa.field("element", pa.string())),
    "integers": pa.list_(pa.field("element", pa.int16())),
}


def arrow_field(spec: FieldSpec) -> pa.Field:
    """The Arrow field for one declared field, carrying its tier and meaning as metadata."""
    metadata = {b"tier": spec.tier.encode(), b"description": spec.meaning.encode()}
    if spec.codelist is not None:
        metadata[b"codelist"] = spec.codelist.codelist_name().encode()
    return pa.field(spec.name, _ARROW_TYPES[spec.kind], nullable=not spec.required).with_metadata(
        metadata
    )


@cache
def arrow_schema(record_type: str) -> pa.Schema:
    """The canonical Arrow schema for ``record_type``, with the standard version as metadata.

    Args:
        record_type: A key of :data:`peerbench.schema.records.RECORD_TYPES`.
    """
    # Read from the generated table: the same fields as the models, without pydantic.
    fields = [arrow_field(spec) for spec in RECORDS[record_type].specs]
    return pa.schema(
        fields,
        metadata={
            PARQUET_VERSION_KEY: STANDARD_VERSION.encode(),
            PARQUET_RECORD_TYPE_KEY: record_type.encode(),
        },
    )


def describe_arrow_schema(schema: pa.Schema) -> dict[str, object]:
    """A language-neutral JSON description of an Arrow schema (for top-level ``schema/``)."""
    return {
        "metadata": {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()},
        "fields": [
            {
                "name": f.name,
                "type": str(f.type),
                "nullable": f.nullable,
                "metadata": {k.decode(): v.decode() for k, v in (f.metadata or {}).items()},
            }
            for f in schema
        ],
    }
