"""The disclosure policy: which figures may leave the pool, and how they are altered.

Defaults follow NHS Digital's rule for Hospital Episode Statistics and the Emergency
Care Data Set (in force since 2018): sub-national counts of 1–7 are shown as ``*`` and
every other count is rounded to the nearest 5; means and medians resting on few people
are suppressed; percentages are computed from the rounded values; national totals are
not rounded. The minimum number of people behind a statistic is 10, the threshold used
by CORC (change is analysed only where at least 10 people have paired scores) and by
ONS for research outputs. Every value is configurable because other bodies use other
rules, e.g. NHS mental-health data-quality dashboards suppress counts 0–4 (REFERENCE
§5, marked "check"): see :meth:`DisclosurePolicy.mental_health_dashboard`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

NHS_DIGITAL_SOURCE = (
    "NHS Digital HES/ECDS disclosure control (2018): counts 1–7 shown as '*', "
    "other counts rounded to the nearest 5, percentages from rounded values, "
    "national totals unrounded."
)
MIN_N_SOURCE = "CORC: change analysed only with ≥10 paired cases; ONS research outputs: ≥10."
DASHBOARD_SOURCE = (
    "NHS mental-health data-quality dashboards: counts 0–4 suppressed, others rounded "
    "to the nearest 5 (REFERENCE §5, check)."
)


class DisclosurePolicy(BaseModel):
    """Rules applied to every aggregate that leaves the pool.

    Rules (in the order :func:`~peerbench.disclosure.apply_disclosure` applies them):

    1. *Small counts*: a ``count`` cell with
       ``small_count_min <= value <= small_count_max`` is suppressed
       (reason ``small-count``). Default 1–7, so 0 is published as 0.
    2. *Minimum n*: a ``statistic`` (mean, median, change) or ``proportion`` cell whose
       ``n < min_n`` is suppressed (reason ``below-min-n``). Default 10. A proportion
       whose numerator is a small count is suppressed as ``small-count``.
    3. *Secondary suppression* so no suppressed count can be solved from the table's
       margins (reason ``secondary``); see :mod:`peerbench.disclosure.secondary`.
    4. *Rounding*, only after suppression has been decided on the true values: every
       published count becomes ``rounding_base * floor(value / rounding_base + 0.5)``
       (nearest multiple, halves up; 0 stays 0; 12→10, 13→15, 8→10). A base of 1 turns
       rounding off. Counts flagged ``national`` are not rounded when
       ``round_national_totals`` is false (NHS Digital).
    5. *Percentages from rounded values*: when ``proportions_from_rounded`` is true and a
       proportion cell carries its numerator, the published value is
       ``round(numerator) / round(n)``, so it agrees with the published counts.

    The owner of the data sees unrounded, unsuppressed values; cells that would be
    suppressed for anyone else are still flagged (``viewer_is_owner=True``).

    Attributes:
        name: Label shown in outputs so a reader knows which rules applied.
        small_count_min: Smallest count that is suppressed (1; 0 in the dashboard rule).
        small_count_max: Largest count that is suppressed (7; 4 in the dashboard rule).
        rounding_base: Published counts are rounded to a multiple of this (5).
        min_n: Fewest people a statistic or proportion may rest on (10).
        proportions_from_rounded: Compute published proportions from rounded counts.
        round_national_totals: Round counts flagged ``national`` too (False).
        symbol: What a renderer shows for a suppressed cell (``*``).
        min_services: Fewest services in every group compared by a funnel, I² or a
            subgroup test (5); see :mod:`peerbench.benchmarking.sufficiency`.
        sources: Where each default comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "nhs-digital-2018"
    small_count_min: int = Field(1, ge=0)
    small_count_max: int = Field(7, ge=0)
    rounding_base: int = Field(5, ge=1)
    min_n: int = Field(10, ge=0)
    proportions_from_rounded: bool = True
    round_national_totals: bool = False
    symbol: str = Field("*", min_length=1)
    min_services: int = Field(5, ge=2)
    sources: tuple[str, ...] = (NHS_DIGITAL_SOURCE, MIN_N_SOURCE)

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        if self.small_count_min > self.small_count_max:
            raise ValueError(
                f"small_count_min ({self.small_count_min}) must not exceed "
                f"small_count_max ({self.small_count_max})"
            )
        return self

    def is_small_count(self, value: float) -> bool:
        """Whether a count falls in the suppressed range (inclusive at both ends)."""
        return self.small_count_min <= value <= self.small_count_max

    def round_count(self, value: float) -> int:
        """Round a count to the nearest multiple of ``rounding_base`` (halves up).

        Formula: ``base * floor(value / base + 0.5)``. 0 stays 0; with base 5,
        12→10, 13→15, 8→10.
        """
        base = self.rounding_base
        return int(base * math.floor(value / base + 0.5))

    @classmethod
    def nhs_digital(cls) -> DisclosurePolicy:
        """The default policy (NHS Digital HES/ECDS, minimum n 10)."""
        return cls()

    @classmethod
    def mental_health_dashboard(cls) -> DisclosurePolicy:
        """The 0–4 variant (counts 0–4 suppressed, others rounded to 5; check)."""
        return cls(
            name="nhs-mh-dashboard",
            small_count_min=0,
            small_count_max=4,
            sources=(DASHBOARD_SOURCE, MIN_N_SOURCE),
        )

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> DisclosurePolicy:
        """Build a policy from a mapping; keys not given keep their defaults."""
        return cls.model_validate(data)

    @classmethod
    def from_file(cls, path: str | Path) -> DisclosurePolicy:
        """Load a policy from a YAML (``.yaml``/``.yml``) or JSON (``.json``) file.

        Raises:
            ValueError: If the file is not a mapping or has an unknown suffix.
            pydantic.ValidationError: If a value breaks a rule (the message names it).
        """
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix.lower()
        if suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ValueError(f"{path}: policy files must be .yaml, .yml or .json")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a disclosure policy must be a mapping of settings")
        return cls.from_mapping(data)
