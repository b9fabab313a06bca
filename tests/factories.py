"""Valid example records built from the models' own declared examples."""

from __future__ import annotations

from typing import Any

from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES


def example_record(record_type: str, *, required_only: bool = False) -> dict[str, Any]:
    """A valid record of ``record_type`` made from each field's declared example."""
    record: dict[str, Any] = {}
    for spec in field_specs(RECORD_TYPES[record_type]):
        if spec.example is None or (required_only and not spec.required):
            continue
        record[spec.name] = spec.example
    return record
