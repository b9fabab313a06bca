"""Record types as plain data: what the generators and the validators read of a model.

:class:`FieldSpec` is one field as SPEC.md states it; :class:`RecordInfo` one record
type. ``record_table.py`` holds every record type as a :class:`RecordInfo`, generated
from the pydantic models in ``records.py`` (the one source of truth; a test fails when
the table is stale), so validating a file needs no pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.rules import Rule
from peerbench.schema.vocabulary import Tier


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type, as SPEC.md and the generators see it."""

    name: str
    kind: str
    """One of: string, integer, number, boolean, date, code, codes, integers."""
    required: bool
    tier: str
    meaning: str
    rule: str | None
    codelist: type[CodeList] | None
    minimum: float | None
    maximum: float | None
    pattern: str | None
    max_length: int | None
    example: Any


@dataclass(frozen=True)
class RecordInfo:
    """One record type: the class attributes of its model and its fields in order."""

    record_type: str
    """Singular name used in schemas and APIs (``outcome``)."""
    file_stem: str
    """File name stem that identifies the record type (``outcomes.csv``)."""
    tier: Tier
    primary_key: tuple[str, ...]
    summary: str
    rules: tuple[Rule, ...]
    specs: tuple[FieldSpec, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        """The field names in declaration order (the model's ``model_fields``)."""
        return tuple(spec.name for spec in self.specs)
