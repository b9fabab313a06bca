"""The instrument vocabularies (directions, scoring methods, caseness rules) without pydantic.

They live apart from the models in ``components.py`` so that code which only reads a
definition (validation, scoring) can name them without importing pydantic.
"""

from enum import StrEnum


class Direction(StrEnum):
    """Which way a score moves when things get better."""

    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"
    NONE = "none"


class ScoringMethod(StrEnum):
    """How item responses become a score."""

    SUM = "sum"
    MEAN = "mean"
    SCALED_MEAN = "scaled_mean"
    LOOKUP = "lookup"
    PER_ITEM = "per_item"
    CATEGORICAL = "categorical"
    LICENSED = "licensed"
    PROFILE = "profile"


SUMMARY_METHODS = frozenset(
    {ScoringMethod.SUM, ScoringMethod.MEAN, ScoringMethod.SCALED_MEAN, ScoringMethod.LOOKUP}
)
"""Methods that combine several items into one total, so the missing-item rule applies."""


class CasenessRule(StrEnum):
    """Which side of the threshold counts as a case."""

    AT_OR_ABOVE = "at_or_above"
    BELOW = "below"
