"""Wellbeing value of a change in life satisfaction, in WELLBYs.

Formula, per participant with both scores:
``value = (LS_follow_up − LS_baseline) × WELLBY × deflator[target] / deflator[price_year]
× attribution``, where LS is ONS4 life satisfaction (0–10) and WELLBY is the value of
one point of life satisfaction for one person for one year.

Defaults (HM Treasury Green Book supplementary guidance, *Wellbeing guidance for
appraisal*, 2021; REFERENCE §6, marked "check", so all configurable): £13,000 per
WELLBY in 2019 prices, range £10,000–£16,000. Results are per participant and per 100
participants, with a percentile-bootstrap CI (sampling error) and a low/high range
(the WELLBY range). The value covers one year of the observed change: no persistence
beyond a year is assumed and nothing is discounted. The whole change is attributed to
peer support unless ``attribution`` (default 1.0) is set lower.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerbench.economics.deflators import DeflatorSeries
from peerbench.economics.estimate import (
    ATTRIBUTION_NOTE,
    CI_METHOD,
    DEFAULT_BOOTSTRAPS,
    DEFAULT_SEED,
    Estimate,
    FloatArray,
    estimates,
)

GREEN_BOOK_SOURCE = (
    "HM Treasury Green Book supplementary guidance: Wellbeing guidance for appraisal "
    "(2021): £13,000 per WELLBY, 2019 prices, range £10,000–£16,000 (check)"
)
DURATION_NOTE = "one year of the observed change; no persistence assumed, no discounting"


class WellbyParameters(BaseModel):
    """The monetary value of one WELLBY and its range.

    Attributes:
        value: Pounds per one-point change in life satisfaction per person per year.
        low: Low end of the range.
        high: High end of the range.
        price_year: Year the values are expressed in.
        source: Citation.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(13_000.0, gt=0)
    low: float = Field(10_000.0, gt=0)
    high: float = Field(16_000.0, gt=0)
    price_year: int = 2019
    source: str = GREEN_BOOK_SOURCE

    @model_validator(mode="after")
    def _ordered(self) -> WellbyParameters:
        if not self.low <= self.value <= self.high:
            raise ValueError("need low ≤ value ≤ high")
        return self


class WellbyAssumptions(BaseModel):
    """Everything a wellbeing value rests on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure: str = "ONS4 life satisfaction (0–10), follow-up minus baseline"
    wellby: WellbyParameters
    target_price_year: int
    deflator_factor: float
    adjusted_value: float
    adjusted_low: float
    adjusted_high: float
    deflator_version: str
    deflator_source: str
    attribution: float
    attribution_note: str = ATTRIBUTION_NOTE
    duration: str = DURATION_NOTE
    n: int
    ci_method: str


class WellbyResult(BaseModel):
    """Change in life satisfaction and its value, with its assumptions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    change: Estimate  # points per participant
    value: Estimate  # pounds per participant, target prices
    assumptions: WellbyAssumptions

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: per participant and per 100, always with assumptions."""
        return {
            "life_satisfaction_change_per_participant": self.change.to_dict(),
            "value_per_participant": self.value.to_dict(),
            "value_per_100": self.value.scaled(100).to_dict(),
            "assumptions": self.assumptions.model_dump(mode="json"),
        }


def wellbeing_value(
    baseline: Sequence[float | None] | FloatArray,
    follow_up: Sequence[float | None] | FloatArray,
    *,
    parameters: WellbyParameters | None = None,
    deflators: DeflatorSeries | None = None,
    target_price_year: int | None = None,
    attribution: float = 1.0,
    n_boot: int = DEFAULT_BOOTSTRAPS,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> WellbyResult:
    """Value of the change in life satisfaction per participant.

    Args:
        baseline: Life satisfaction (0–10) at baseline, one entry per participant.
        follow_up: Life satisfaction at follow-up, aligned with ``baseline``.
            Participants missing either score (``None``/NaN) are left out.
        parameters: WELLBY value and range (default: Green Book 2021).
        deflators: Price index (default: the shipped series, an approximation of HM Treasury's
            GDP deflators to be replaced before publication; see data/README.md).
        target_price_year: Year whose prices results are in (default: the latest year
            in the deflator series).
        attribution: Share of the change credited to peer support (0–1, default 1).
        n_boot: Bootstrap resamples.
        seed: Bootstrap seed.
        confidence: CI level.

    Raises:
        ValueError: On mismatched lengths, scores outside 0–10 or a bad attribution.
    """
    return wellbeing_values(
        [(baseline, follow_up)],
        parameters=parameters,
        deflators=deflators,
        target_price_year=target_price_year,
        attribution=attribution,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
    )[0]


def wellbeing_values(
    groups: Sequence[
        tuple[Sequence[float | None] | FloatArray, Sequence[float | None] | FloatArray]
    ],
    *,
    parameters: WellbyParameters | None = None,
    deflators: DeflatorSeries | None = None,
    target_price_year: int | None = None,
    attribution: float = 1.0,
    n_boot: int = DEFAULT_BOOTSTRAPS,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> list[WellbyResult]:
    """:func:`wellbeing_value` of each ``(baseline, follow_up)`` group, bootstrapped in one
    call (:func:`estimates`: groups of one size share their draws; each result is exactly
    the group's own). Arguments as :func:`wellbeing_value`, for every group."""
    if not 0.0 <= attribution <= 1.0:
        raise ValueError(f"attribution must be between 0 and 1, got {attribution}")
    changes = [_change(baseline, follow_up) for baseline, follow_up in groups]
    params = parameters or WellbyParameters()
    deflators = deflators or DeflatorSeries.default()
    target = deflators.latest_year if target_price_year is None else target_price_year
    factor = deflators.factor(params.price_year, target)
    scale = factor * attribution
    arrays: list[tuple[FloatArray, FloatArray | None, FloatArray | None]] = []
    for change in changes:
        # Both bootstrapped together: the value is a multiple of the change, so drawn alike.
        arrays.append((change, None, None))
        arrays.append(
            (
                change * params.value * scale,
                change * params.low * scale,
                change * params.high * scale,
            )
        )
    found = estimates(arrays, n_boot=n_boot, seed=seed, confidence=confidence)
    results = []
    for k, change in enumerate(changes):
        assumptions = WellbyAssumptions(
            wellby=params,
            target_price_year=target,
            deflator_factor=factor,
            adjusted_value=params.value * factor,
            adjusted_low=params.low * factor,
            adjusted_high=params.high * factor,
            deflator_version=deflators.version,
            deflator_source=deflators.source,
            attribution=attribution,
            n=int(change.shape[0]),
            ci_method=CI_METHOD.format(n_boot=n_boot, seed=seed, level=confidence * 100),
        )
        results.append(
            WellbyResult(change=found[2 * k], value=found[2 * k + 1], assumptions=assumptions)
        )
    return results


def _change(
    baseline: Sequence[float | None] | FloatArray, follow_up: Sequence[float | None] | FloatArray
) -> FloatArray:
    """Follow-up minus baseline of the participants with both scores (checked: 0–10)."""
    before = np.asarray(baseline, dtype=np.float64)
    after = np.asarray(follow_up, dtype=np.float64)
    if before.shape != after.shape or before.ndim != 1:
        raise ValueError("baseline and follow_up must be 1-D and the same length")
    both = ~(np.isnan(before) | np.isnan(after))
    before, after = before[both], after[both]
    if ((before < 0) | (before > 10) | (after < 0) | (after > 10)).any():
        raise ValueError("life satisfaction scores must lie between 0 and 10")
    change: FloatArray = after - before
    return change
