"""The record JSON Schemas as generated, read back without pydantic.

:func:`peerbench.schema.json_schema.record_schema` builds each schema from the pydantic
models, which a one-shot ``peerbench validate`` would otherwise load only to read Parquet
and JSON files strictly. ``record_schemas.json`` holds those schemas, written by
``python -m peerbench.schema.record_table_gen``; a test fails when it is stale.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).with_name("record_schemas.json")


@cache
def _all() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    return loaded


def stored_record_schema(record_type: str) -> dict[str, Any]:
    """The JSON Schema for one record of ``record_type`` (a fresh copy), as generated."""
    return copy.deepcopy(_all()[record_type])
