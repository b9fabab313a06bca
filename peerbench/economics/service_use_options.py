"""The options of a service-use calculation, one frozen object for every entry point.

:func:`~peerbench.economics.service_use.service_use_value` and
:func:`~peerbench.economics.service_use.service_use_savings` take a
:class:`ServiceUseOptions`, or its fields as keywords (:class:`ServiceUseChanges`), or
both (the keywords change the given options).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypedDict

from peerbench.economics.costs import CostTable
from peerbench.economics.deflators import DeflatorSeries
from peerbench.economics.estimate import DEFAULT_BOOTSTRAPS, DEFAULT_SEED


@dataclasses.dataclass(frozen=True)
class ServiceUseOptions:
    """How service use is annualised, costed and its uncertainty estimated.

    Attributes:
        costs: Unit-cost table (default: the shipped table).
        deflators: Price index (default: the shipped series, an approximation of HM Treasury's
            GDP deflators to be replaced before publication; see data/README.md).
        target_price_year: Year whose prices results are in (default: the latest year
            in the deflator series).
        baseline: Timepoint code of the "before" row.
        follow_up: Timepoint code of the "after" row.
        item_costs: Count column → unit-cost item (default
            :data:`~peerbench.economics.service_use.ITEM_COSTS`).
        attribution: Share of the change credited to peer support (0–1, default 1).
        n_boot: Bootstrap resamples.
        seed: Bootstrap seed.
        confidence: CI level.

    Raises:
        ValueError: If ``attribution`` is not between 0 and 1.
    """

    costs: CostTable | None = None
    deflators: DeflatorSeries | None = None
    target_price_year: int | None = None
    baseline: str = "baseline"
    follow_up: str = "month_6"
    item_costs: Mapping[str, str] | None = None
    attribution: float = 1.0
    n_boot: int = DEFAULT_BOOTSTRAPS
    seed: int = DEFAULT_SEED
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0.0 <= self.attribution <= 1.0:
            raise ValueError(f"attribution must be between 0 and 1, got {self.attribution}")

    @classmethod
    def of(cls, options: ServiceUseOptions | None, changes: ServiceUseChanges) -> ServiceUseOptions:
        """``options`` (default: all defaults) with the fields named in ``changes`` replaced."""
        base = cls() if options is None else options
        return dataclasses.replace(base, **changes) if changes else base

    def bootstrap(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~peerbench.economics.estimate.estimate`."""
        return {"n_boot": self.n_boot, "seed": self.seed, "confidence": self.confidence}


class ServiceUseChanges(TypedDict, total=False):
    """Fields of :class:`ServiceUseOptions` given as keywords (``attribution=0.5``)."""

    costs: CostTable | None
    deflators: DeflatorSeries | None
    target_price_year: int | None
    baseline: str
    follow_up: str
    item_costs: Mapping[str, str] | None
    attribution: float
    n_boot: int
    seed: int
    confidence: float
