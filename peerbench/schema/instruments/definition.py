"""The declarative definition of an outcome instrument.

One ``InstrumentDefinition`` holds everything peerbench knows about an instrument: its
items, how it is scored, how missing items are handled, its bands, caseness and
reliable-change thresholds, and where each of those facts comes from. Built-in
instruments are YAML files in ``definitions/`` written in exactly the format a user
writes to register a local instrument.
"""

from functools import cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbench.schema.instruments.components import (
    Band,
    Caseness,
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
)
from peerbench.schema.instruments.consistency import definition_problems
from peerbench.schema.instruments.errors import DefinitionProblems
from peerbench.schema.labels import normalise_label


class InstrumentDefinition(BaseModel):
    """Everything needed to validate, score and interpret one instrument."""

    # Numbers are accepted for string fields so that `version: 1` in YAML just works.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    licence: str = Field(min_length=1)
    copyright: str | None = None
    registration_required: bool = False
    source: str = Field(min_length=1)
    notes: str = ""

    item_count: int = Field(ge=1, le=500)
    response_min: int
    response_max: int
    reverse_items: list[int] = Field(default_factory=list)
    response_labels: dict[str, int] = Field(default_factory=dict)
    """The published answer words → the response code a respondent's tick records
    (``None of the time: 1``), so answers typed as words can be read. Matched case-
    and space-insensitively (:meth:`answer_code`). Leave empty when not published."""
    item_overrides: dict[int, ItemOverride] = Field(default_factory=dict)

    scoring: Scoring
    missing: MissingRule = Field(default_factory=MissingRule)
    score_min: float | None = None
    score_max: float | None = None
    direction: Direction
    bands: list[Band] = Field(default_factory=list)
    caseness: Caseness | None = None
    reliable_change: ReliableChange | None = None
    subscales: list[Subscale] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    levels: Levels | None = None

    # ----------------------------------------------------------------- derived views
    def items(self) -> list[ItemDefinition]:
        """Expand the compact item description into one ``ItemDefinition`` per item.

        Returns:
            Items numbered from 1, with per-item overrides and reverse flags applied.
        """
        reverse = set(self.reverse_items)
        out: list[ItemDefinition] = []
        for number in range(1, self.item_count + 1):
            override = self.item_overrides.get(number, ItemOverride())
            out.append(
                ItemDefinition(
                    number=number,
                    label=override.label or f"Item {number}",
                    min=self.response_min if override.min is None else override.min,
                    max=self.response_max if override.max is None else override.max,
                    reverse=number in reverse,
                )
            )
        return out

    def answer_code(self, label: str) -> int | None:
        """The response code of an answer word (``" often "`` → 4 for WEMWBS), or None.

        Matched through :func:`peerbench.schema.labels.normalise_label`: case, surrounding
        and repeated spaces and non-breaking spaces are ignored.
        """
        return _answer_lookup(tuple(self.response_labels.items())).get(normalise_label(label))

    def raw_range(self) -> tuple[int, int]:
        """Lowest and highest possible sum of all items."""
        items = self.items()
        return sum(i.min for i in items), sum(i.max for i in items)

    def derived_score_range(self) -> tuple[float, float] | None:
        """The score range implied by the items and method, where one is implied."""
        low, high = self.raw_range()
        method = self.scoring.method
        if method is ScoringMethod.SUM:
            return float(low), float(high)
        if method is ScoringMethod.MEAN:
            return low / self.item_count, high / self.item_count
        if method is ScoringMethod.SCALED_MEAN and self.scoring.multiplier is not None:
            scale = self.scoring.multiplier / self.item_count
            return low * scale, high * scale
        if method is ScoringMethod.CATEGORICAL:
            return float(self.response_min), float(self.response_max)
        return None

    def score_range(self) -> tuple[float, float] | None:
        """The declared ``(score_min, score_max)``, or None when no total score exists."""
        if self.score_min is None or self.score_max is None:
            return None
        return self.score_min, self.score_max

    def subscale(self, name: str) -> Subscale:
        """Return the subscale called ``name``.

        Raises:
            KeyError: if the instrument has no such subscale.
        """
        for sub in self.subscales:
            if sub.name == name:
                return sub
        known = ", ".join(s.name for s in self.subscales) or "none"
        raise KeyError(f"{self.code} has no subscale {name!r}; subscales: {known}")

    # ----------------------------------------------------------------- validation
    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = definition_problems(self)
        if problems:
            raise DefinitionProblems(problems)
        return self


@cache
def _answer_lookup(labels: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """Normalised answer word → code, built once per set of labels."""
    return {normalise_label(word): code for word, code in labels}
