"""Record type and column names as files spell them, without pydantic.

The mapping-file model (``mapping.py``) and the readers both use these; they live
apart from the model so that reading a file without a mapping needs no pydantic.
"""

from __future__ import annotations

import re

from peerbench.schema.record_table import RECORDS

ITEM_COLUMN = re.compile(r"^item_[1-9][0-9]*$")
"""Flattened item columns (``item_1`` … ``item_N``) of outcome files."""

ITEMS_RECORD_TYPE = "outcome"
"""The record type whose files may carry ``item_N`` columns."""

_BY_STEM = {info.file_stem: info for info in RECORDS.values()}


def canonical_record_type(name: str) -> str | None:
    """The record type (``outcome``) for a record type or file stem name, else None.

    Accepts the singular record type (``participant``), the file stem (``participants``)
    in any case, with spaces or hyphens for underscores (``Service use``).
    """
    key = re.sub(r"[\s\-]+", "_", name.strip().casefold())
    if key in RECORDS:
        return key
    model = _BY_STEM.get(key)
    return None if model is None else model.record_type


def standard_columns(record_type: str | None) -> list[str]:
    """Field names a header may map to: fields of ``record_type`` (all types if None).

    ``item_N`` columns are accepted too (checked separately) wherever ``items`` is.
    """
    models = RECORDS.values() if record_type is None else [RECORDS[record_type]]
    names: dict[str, None] = {}
    for model in models:
        names.update(dict.fromkeys(model.field_names))
    return list(names)


def is_standard_column(name: str, record_type: str | None) -> bool:
    """Whether ``name`` is a field of ``record_type`` (of any type if None) or ``item_N``."""
    if ITEM_COLUMN.match(name):
        return record_type in (None, ITEMS_RECORD_TYPE)
    return name in standard_columns(record_type)
