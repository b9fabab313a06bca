"""Field declarations: identifier types, tiers, and the one helper that declares a field.

Every field of every record carries its tier, meaning and (optionally) a rule in its
JSON Schema extras, so SPEC.md, the data dictionary and the Excel template can be
generated from the models alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from peerbench.schema.vocabulary import (  # re-exported: their historical home
    ID_PATTERN,
    INSTRUMENT_CODE_PATTERN,
    PARTICIPANT_KEY_PATTERN,
    Tier,
)

__all__ = [
    "ID_PATTERN",
    "INSTRUMENT_CODE_PATTERN",
    "PARTICIPANT_KEY_PATTERN",
    "InstrumentCode",
    "LocalId",
    "ParticipantKey",
    "ShortText",
    "Tier",
    "spec_field",
]


LocalId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""An organisation-assigned identifier for an organisation, service or record."""

ParticipantKey = Annotated[str, StringConstraints(pattern=PARTICIPANT_KEY_PATTERN)]
"""A keyed-hash pseudonym: 32 lower-case hex characters (see SPEC "Pseudonymisation")."""

InstrumentCode = Annotated[str, StringConstraints(pattern=INSTRUMENT_CODE_PATTERN)]
"""A registered instrument code such as ``PHQ9``."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


def spec_field(
    default: Any = ...,
    *,
    tier: Tier,
    meaning: str,
    rule: str | None = None,
    example: Any = None,
    **constraints: Any,
) -> Any:
    """Declare a field with its tier, plain-English meaning and any rule beyond its type.

    Args:
        default: ``...`` for required fields, otherwise the default (usually ``None``).
        tier: The tier that asks for this field.
        meaning: What the field means, in plain English (goes into SPEC.md and templates).
        rule: A cross-field or registry rule the type alone cannot express.
        example: One valid example value.
        **constraints: Passed to :func:`pydantic.Field` (``ge``, ``le``, ``max_length`` ...).
    """
    extra: dict[str, Any] = {"x-tier": tier.value}
    if rule:
        extra["x-rule"] = rule
    examples = None if example is None else [example]
    return Field(
        default, description=meaning, examples=examples, json_schema_extra=extra, **constraints
    )
