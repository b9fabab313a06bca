"""The generated record table and stored schemas match the pydantic models they come from."""

from __future__ import annotations

import subprocess
import sys

import pytest

from peerbench.schema.introspect import field_specs
from peerbench.schema.json_schema import record_schema
from peerbench.schema.record_table import RECORDS
from peerbench.schema.record_table_gen import TABLE, record_info, schemas_source, table_source
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.stored_schemas import SCHEMAS, stored_record_schema


def test_table_is_not_stale() -> None:
    """Regenerate after changing a model: python -m peerbench.schema.record_table_gen."""
    assert TABLE.read_text(encoding="utf-8") == table_source()


def test_stored_schemas_are_not_stale() -> None:
    assert SCHEMAS.read_text(encoding="utf-8") == schemas_source()


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_table_row_equals_the_model(record_type: str) -> None:
    model = RECORD_TYPES[record_type]
    info = RECORDS[record_type]
    assert info == record_info(model)
    assert info.specs == tuple(field_specs(model))
    assert info.field_names == tuple(model.model_fields)
    for spec, fresh in zip(info.specs, field_specs(model), strict=True):
        for name in ("minimum", "maximum", "example", "max_length"):
            assert type(getattr(spec, name)) is type(getattr(fresh, name)), (spec.name, name)


def test_table_lists_every_record_type_in_order() -> None:
    assert list(RECORDS) == list(RECORD_TYPES)


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_stored_schema_equals_the_generated_one(record_type: str) -> None:
    stored = stored_record_schema(record_type)
    assert stored == record_schema(record_type)
    stored.clear()  # a fresh copy each time: callers may change theirs
    assert stored_record_schema(record_type) == record_schema(record_type)


def test_validating_a_file_loads_neither_pydantic_nor_yaml(tmp_path: object) -> None:
    """What keeps a one-shot ``peerbench validate`` start-up short (issue 14).

    The run reads the built-in instruments (``builtin_registry``) and the stored schemas
    (the strict Parquet check) too, so this covers those tables' loading as well.
    """
    code = (
        "import sys, pyarrow as pa, pyarrow.parquet as pq\n"
        "from peerbench.validators import validate\n"
        "path = sys.argv[1] + '/organisations.parquet'\n"
        "pq.write_table(pa.table({'organisation_id': ['a'], 'name': ['A'],\n"
        "    'organisation_type': ['charity'], 'region': ['london']}), path)\n"
        "report = validate([path])\n"
        "used = {'peerbench.schema.stored_schemas', 'peerbench.schema.instruments.builtin_table'}\n"
        "assert used <= set(sys.modules), used - set(sys.modules)\n"
        "print(report.valid, sorted({'pydantic', 'yaml', 'jsonschema_rs'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True []"
