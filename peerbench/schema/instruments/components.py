"""Building blocks of an instrument definition: items, bands, rules and value sets.

Each model is small and frozen so a definition, once validated, cannot drift. Checks
that only need one block live here; checks that compare blocks (a band against the
score range, a reverse item against the item count) live in ``definition.py``.
"""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbench.schema.instruments.errors import DefinitionProblems, Problem
from peerbench.schema.instruments.kinds import (  # re-exported: their historical home
    SUMMARY_METHODS,
    CasenessRule,
    Direction,
    ScoringMethod,
)

# extra="forbid" turns a misspelt YAML key into an error instead of a silently ignored
# field; frozen=True lets definitions be shared between registries and threads.
STRICT = ConfigDict(extra="forbid", frozen=True)

__all__ = [
    "SUMMARY_METHODS",
    "Band",
    "Caseness",
    "CasenessRule",
    "Category",
    "Direction",
    "ItemDefinition",
    "ItemOverride",
    "Levels",
    "MissingRule",
    "ReliableChange",
    "Scoring",
    "ScoringMethod",
    "Subscale",
    "ValueSet",
]

LABEL = Field(min_length=1, max_length=80)
"""Labels are short paraphrases; the length cap discourages pasting item wording."""


class ItemOverride(BaseModel):
    """Per-item exceptions to the instrument's common response range or label."""

    model_config = STRICT

    min: int | None = None
    max: int | None = None
    label: str | None = Field(default=None, min_length=1, max_length=80)


class ItemDefinition(BaseModel):
    """One item, fully expanded from the compact form (see ``InstrumentDefinition.items``)."""

    model_config = STRICT

    number: int = Field(ge=1)
    label: str
    min: int
    max: int
    reverse: bool = False


class Band(BaseModel):
    """A named score range.

    Bands are read as half-open intervals ``[min, next band's min)`` with the last band
    closed at its ``max``: a pro-rated or mean score that falls between one band's ``max``
    and the next band's ``min`` (e.g. PHQ-9 9.5) belongs to the lower band.
    """

    model_config = STRICT

    label: str = LABEL
    min: float
    max: float

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min > self.max:
            raise DefinitionProblems([Problem(("min",), f"{self.min:g} is above max {self.max:g}")])
        return self


class Caseness(BaseModel):
    """Threshold that marks a score as being in the clinical or 'case' range."""

    model_config = STRICT

    threshold: float
    rule: CasenessRule
    source: str = ""


class ReliableChange(BaseModel):
    """Smallest change between two scores that counts as reliable for this instrument."""

    model_config = STRICT

    threshold: float = Field(gt=0)
    source: str = Field(min_length=1)


class MissingRule(BaseModel):
    """How many items may be missing before a total is not scored, and what to do then."""

    model_config = STRICT

    max_missing: int = Field(default=0, ge=0)
    prorate: bool = False
    note: str = ""
    source: str = ""


class Subscale(BaseModel):
    """A separately reported score taken from one item (ONS4 questions, EQ-5D dimensions)."""

    model_config = STRICT

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    item: int = Field(ge=1)
    label: str = LABEL
    direction: Direction = Direction.HIGHER_IS_BETTER
    bands: list[Band] = Field(default_factory=list)


class Category(BaseModel):
    """One response category of a categorical instrument."""

    model_config = STRICT

    value: int
    label: str = LABEL


class Levels(BaseModel):
    """Cut points that turn a score into ordered levels (PAM levels 1-4).

    A score at or below ``cut_points[0]`` is level 1, at or below ``cut_points[1]`` level 2,
    and so on; above the last cut point is level ``len(cut_points) + 1``.
    """

    model_config = STRICT

    cut_points: list[float] = Field(min_length=1)
    labels: list[str] | None = None
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        problems: list[Problem] = []
        for i, (low, high) in enumerate(zip(self.cut_points, self.cut_points[1:], strict=False)):
            if high <= low:
                problems.append(Problem(("cut_points", i + 1), f"{high:g} must be above {low:g}"))
        if self.labels is not None and len(self.labels) != len(self.cut_points) + 1:
            problems.append(
                Problem(
                    ("labels",),
                    f"needs {len(self.cut_points) + 1} labels for "
                    f"{len(self.cut_points)} cut points, got {len(self.labels)}",
                )
            )
        if problems:
            raise DefinitionProblems(problems)
        return self


class ValueSet(BaseModel):
    """An additive value set for a profile instrument (EQ-5D-5L utility index).

    ``index = intercept - (constant if any dimension is above level 1) - sum of the
    decrement for each dimension's level``. Value sets are licensed, so none ships.
    """

    model_config = STRICT

    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    intercept: float = 1.0
    constant: float = 0.0
    decrements: dict[int, list[float]] = Field(min_length=1)


class Scoring(BaseModel):
    """How responses become a score, with the data each method needs."""

    model_config = STRICT

    method: ScoringMethod
    multiplier: float | None = Field(default=None, gt=0)
    lookup: dict[int, float] | None = None
    value_set: ValueSet | None = None
    source: str = ""
