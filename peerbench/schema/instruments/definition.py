"""The declarative definition of an outcome instrument.

One ``InstrumentDefinition`` holds everything peerbench knows about an instrument: its
items, how it is scored, how missing items are handled, its bands, caseness and
reliable-change thresholds, and where each of those facts comes from. Built-in
instruments are YAML files in ``definitions/`` written in exactly the format a user
writes to register a local instrument.
"""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbench.schema.instruments import views
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
    Subscale,
)
from peerbench.schema.instruments.consistency import definition_problems
from peerbench.schema.instruments.errors import DefinitionProblems


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
    # One implementation each, shared with the frozen copies (see views.py).
    def items(self) -> list[ItemDefinition]:
        """Expand the compact item description into one ``ItemDefinition`` per item.

        Returns:
            Items numbered from 1, with per-item overrides and reverse flags applied.
        """
        return views.items(self, ItemDefinition)

    def answer_code(self, label: str) -> int | None:
        """The response code of an answer word (``" often "`` → 4 for WEMWBS), or None.

        Matched through :func:`peerbench.schema.labels.normalise_label`: case, surrounding
        and repeated spaces and non-breaking spaces are ignored.
        """
        return views.answer_code(self, label)

    def raw_range(self) -> tuple[int, int]:
        """Lowest and highest possible sum of all items."""
        return views.raw_range(self)

    def derived_score_range(self) -> tuple[float, float] | None:
        """The score range implied by the items and method, where one is implied."""
        return views.derived_score_range(self)

    def score_range(self) -> tuple[float, float] | None:
        """The declared ``(score_min, score_max)``, or None when no total score exists."""
        return views.score_range(self)

    def subscale(self, name: str) -> Subscale:
        """Return the subscale called ``name``.

        Raises:
            KeyError: if the instrument has no such subscale.
        """
        found: Subscale = views.subscale(self, name)
        return found

    # ----------------------------------------------------------------- validation
    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = definition_problems(self)
        if problems:
            raise DefinitionProblems(problems)
        return self
