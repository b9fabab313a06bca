"""The base of every record type: strict about unknown fields, immutable, rule-checked."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from peerbench.schema.fields import Tier
from peerbench.schema.rules import Rule


class Record(BaseModel):
    """Base of every record type: strict about unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    record_type: ClassVar[str]
    """Singular name used in schemas and APIs (``outcome``)."""
    file_stem: ClassVar[str]
    """File name stem that identifies the record type (``outcomes.csv``)."""
    tier: ClassVar[Tier]
    primary_key: ClassVar[tuple[str, ...]]
    summary: ClassVar[str]
    rules: ClassVar[tuple[Rule, ...]] = ()
    """Cross-field rules; checked here, in the JSON Schema and by the columnar engine."""

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        for rule in self.rules:
            if rule.violated(self):
                raise PydanticCustomError(rule.code, rule.message())
        return self
