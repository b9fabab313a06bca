from __future__ import annotations

import pyarrow as pa
import pytest

from peerbench.schema.arrow import arrow_schema, describe_arrow_schema
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_arrow_schema_mirrors_the_model(record_type: str) -> None:
    schema = arrow_schema(record_type)
    specs = field_specs(RECORD_TYPES[record_type])
    assert schema.names == [s.name for s in specs]
    for field, spec in zip(schema, specs, strict=True):
        assert field.nullable is not spec.required
        assert field.metadata[b"tier"].decode() == spec.tier
    assert schema.metadata[b"peerbench.standard_version"] == STANDARD_VERSION.encode()
    assert schema.metadata[b"peerbench.record_type"] == record_type.encode()


def test_list_fields_and_dates_have_their_documented_types() -> None:
    outcome = arrow_schema("outcome")
    assert outcome.field("items").type == pa.list_(pa.int16())
    assert outcome.field("date_administered").type == pa.date32()
    assert arrow_schema("feedback").field("themes").type == pa.list_(pa.string())
    described = describe_arrow_schema(outcome)
    assert described["metadata"] == {
        "peerbench.standard_version": STANDARD_VERSION,
        "peerbench.record_type": "outcome",
    }
