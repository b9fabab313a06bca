"""Outcome instruments: declarative definitions, the registry and vectorised scoring.

Example:
    >>> import pyarrow as pa
    >>> from peerbench.schema.instruments import default_registry, score_items, band
    >>> phq9 = default_registry().get("PHQ9")
    >>> result = score_items(phq9, pa.array([[1, 1, 1, 1, 1, 1, 1, 1, 2]]))
    >>> result.score.to_pylist(), band(phq9, result.score).to_pylist()
    ([10.0], ['moderate'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peerbench.lazy import lazy_names

if TYPE_CHECKING:
    from peerbench.schema.instruments.components import (
        Band,
        Caseness,
        CasenessRule,
        Category,
        Direction,
        ItemDefinition,
        ItemOverride,
        Levels,
        MissingRule,
        ReliableChange,
        Scoring,
        ScoringMethod,
        Subscale,
        ValueSet,
    )
    from peerbench.schema.instruments.definition import InstrumentDefinition
    from peerbench.schema.instruments.errors import (
        InstrumentConflictError,
        InstrumentDefinitionError,
        UnknownInstrumentError,
    )
    from peerbench.schema.instruments.interpretation import (
        CHANGE_CATEGORIES,
        band,
        change_category,
        is_case,
        jacobson_truax_threshold,
        level_from_score,
    )
    from peerbench.schema.instruments.registry import (
        InstrumentRegistry,
        builtin_definitions,
        default_registry,
        load_definition,
        parse_definition,
    )
    from peerbench.schema.instruments.scoring import ScoreResult, score_items

_HOMES = {
    "Band": "peerbench.schema.instruments.components",
    "Caseness": "peerbench.schema.instruments.components",
    "CasenessRule": "peerbench.schema.instruments.kinds",
    "Category": "peerbench.schema.instruments.components",
    "Direction": "peerbench.schema.instruments.kinds",
    "ItemDefinition": "peerbench.schema.instruments.components",
    "ItemOverride": "peerbench.schema.instruments.components",
    "Levels": "peerbench.schema.instruments.components",
    "MissingRule": "peerbench.schema.instruments.components",
    "ReliableChange": "peerbench.schema.instruments.components",
    "Scoring": "peerbench.schema.instruments.components",
    "ScoringMethod": "peerbench.schema.instruments.kinds",
    "Subscale": "peerbench.schema.instruments.components",
    "ValueSet": "peerbench.schema.instruments.components",
    "InstrumentDefinition": "peerbench.schema.instruments.definition",
    "InstrumentConflictError": "peerbench.schema.instruments.errors",
    "InstrumentDefinitionError": "peerbench.schema.instruments.errors",
    "UnknownInstrumentError": "peerbench.schema.instruments.errors",
    "CHANGE_CATEGORIES": "peerbench.schema.instruments.interpretation",
    "band": "peerbench.schema.instruments.interpretation",
    "change_category": "peerbench.schema.instruments.interpretation",
    "is_case": "peerbench.schema.instruments.interpretation",
    "jacobson_truax_threshold": "peerbench.schema.instruments.interpretation",
    "level_from_score": "peerbench.schema.instruments.interpretation",
    "InstrumentRegistry": "peerbench.schema.instruments.registry",
    "builtin_definitions": "peerbench.schema.instruments.registry",
    "default_registry": "peerbench.schema.instruments.registry",
    "load_definition": "peerbench.schema.instruments.registry",
    "parse_definition": "peerbench.schema.instruments.registry",
    "ScoreResult": "peerbench.schema.instruments.scoring",
    "score_items": "peerbench.schema.instruments.scoring",
}
"""Public name → the module that defines it. Loaded on first use: reading the built-in
definitions for a validation (``registry.builtin_registry``) must not load pydantic."""

__all__ = [
    "CHANGE_CATEGORIES",
    "Band",
    "Caseness",
    "CasenessRule",
    "Category",
    "Direction",
    "InstrumentConflictError",
    "InstrumentDefinition",
    "InstrumentDefinitionError",
    "InstrumentRegistry",
    "ItemDefinition",
    "ItemOverride",
    "Levels",
    "MissingRule",
    "ReliableChange",
    "ScoreResult",
    "Scoring",
    "ScoringMethod",
    "Subscale",
    "UnknownInstrumentError",
    "ValueSet",
    "band",
    "builtin_definitions",
    "change_category",
    "default_registry",
    "is_case",
    "jacobson_truax_threshold",
    "level_from_score",
    "load_definition",
    "parse_definition",
    "score_items",
]


__getattr__ = lazy_names(__name__, _HOMES)
