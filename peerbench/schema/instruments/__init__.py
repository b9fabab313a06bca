"""Outcome instruments: declarative definitions, the registry and vectorised scoring.

Example:
    >>> import pyarrow as pa
    >>> from peerbench.schema.instruments import default_registry, score_items, band
    >>> phq9 = default_registry().get("PHQ9")
    >>> result = score_items(phq9, pa.array([[1, 1, 1, 1, 1, 1, 1, 1, 2]]))
    >>> result.score.to_pylist(), band(phq9, result.score).to_pylist()
    ([10.0], ['moderate'])
"""

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
