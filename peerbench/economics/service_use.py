"""Change in NHS service use and its cost, per participant and per 100 participants.

Rules (all shown in :class:`ServiceUseAssumptions`):

* *Pairs only*: a participant counts for an item when the item is recorded at both the
  baseline and the follow-up timepoint; the total cost uses participants with every
  costed item recorded at both.
* *Annualisation*: ``annual = count × 12 / recall_period_months``, using each row's own
  recall period. E.g. 2 A&E attendances over a 3-month recall is 8 a year.
* *Change*: ``annual(follow-up) − annual(baseline)``; negative means less use.
* *Cost*: ``change × unit cost × deflator[target] / deflator[price_year] × attribution``
  per item, summed over items for the total. Negative means a saving; ``saving`` is
  the total with its sign flipped.
* *Uncertainty*: a percentile-bootstrap 95% CI over participants (fixed seed) for
  sampling error, and separately a low/high range from the unit-cost ranges (every cost
  at its low end, then every cost at its high end).
* *Attribution*: the whole change is attributed to peer support unless ``attribution``
  (default 1.0) is set lower, e.g. to remove deadweight seen in a comparison group.
  It scales money values only; counts are reported as observed.

Caveat, also listed: a reported night in hospital is costed as an excess bed day on top
of the admission's tariff, which overstates the cost of short stays; drop
``bed_days`` from ``item_costs`` to avoid this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Unpack

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict

from peerbench.economics.costs import CostTable
from peerbench.economics.deflators import DeflatorSeries
from peerbench.economics.estimate import (
    ATTRIBUTION_NOTE,
    CI_METHOD,
    Estimate,
    FloatArray,
    estimate,
    estimates,
)
from peerbench.economics.service_use_options import ServiceUseChanges, ServiceUseOptions
from peerbench.economics.service_use_records import record_problem as record_problem  # re-exported

ITEM_COSTS: dict[str, str] = {
    "gp_appointments": "gp_consultation",
    "ae_attendances": "ae_attendance",
    "emergency_admissions": "non_elective_inpatient_stay",
    "bed_days": "excess_bed_day",
    "outpatient_attendances": "outpatient_attendance",
}
ANNUALISATION = "annual count = count × 12 / recall_period_months (each row's own recall)"
BED_DAY_CAVEAT = (
    "bed days are costed as excess bed days in addition to the admission cost; this "
    "overstates short stays (exclude bed_days to avoid it)"
)


class CostAssumption(BaseModel):
    """One unit cost as used: original and price-adjusted values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    item: str
    unit: str
    cost: float
    low: float
    high: float
    price_year: int
    source: str
    note: str
    deflator_factor: float
    adjusted_cost: float
    adjusted_low: float
    adjusted_high: float


class ServiceUseAssumptions(BaseModel):
    """Everything a service-use figure rests on.

    ``n_paired`` counts participants with both timepoint rows; ``n_complete`` those
    with every costed item at both (the base of the total); each item's own n is on
    its estimate.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cost_table_version: str
    unit_costs: tuple[CostAssumption, ...]
    annualisation: str = ANNUALISATION
    baseline: str
    follow_up: str
    target_price_year: int
    deflator_version: str
    deflator_source: str
    attribution: float
    attribution_note: str = ATTRIBUTION_NOTE
    n_paired: int
    n_complete: int
    ci_method: str
    caveats: tuple[str, ...] = ()


class ItemChange(BaseModel):
    """Change in one kind of NHS contact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    count_change: Estimate  # contacts per participant per year
    cost_change: Estimate  # pounds per participant per year, target prices


class ServiceUseResult(BaseModel):
    """Per-participant annual change in service use and cost, with its assumptions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[ItemChange, ...]
    cost_change: Estimate
    assumptions: ServiceUseAssumptions

    @property
    def saving(self) -> Estimate:
        """The total cost change with its sign flipped (positive = money saved)."""
        return self.cost_change.scaled(-1.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: per participant and per 100, always with assumptions."""
        return {
            "items": [
                {
                    "field": item.field,
                    "count_change_per_participant": item.count_change.to_dict(),
                    "cost_change_per_participant": item.cost_change.to_dict(),
                    "cost_change_per_100": item.cost_change.scaled(100).to_dict(),
                }
                for item in self.items
            ],
            "cost_change_per_participant": self.cost_change.to_dict(),
            "cost_change_per_100": self.cost_change.scaled(100).to_dict(),
            "saving_per_participant": self.saving.to_dict(),
            "saving_per_100": self.saving.scaled(100).to_dict(),
            "assumptions": self.assumptions.model_dump(mode="json"),
        }


def _annual(
    records: pd.DataFrame, ids: list[str], timepoint: str, fields: list[str]
) -> pd.DataFrame:
    rows = records[records["timepoint"] == timepoint]
    problem = record_problem(rows, (timepoint,))
    if problem is not None:
        raise ValueError(problem)
    recall = pd.to_numeric(rows["recall_period_months"], errors="raise").astype(float)
    counts = pd.DataFrame(
        {f: pd.to_numeric(rows[f], errors="raise") for f in fields}, index=rows.index
    ).astype("float64")
    annual: pd.DataFrame = counts.mul(12.0 / recall, axis=0)
    annual.index = pd.MultiIndex.from_frame(rows[ids]) if len(ids) > 1 else rows[ids[0]]
    return annual


@dataclasses.dataclass
class _Setup:
    """The inputs every scope of a service-use calculation shares."""

    options: ServiceUseOptions
    costs: CostTable
    deflators: DeflatorSeries
    target: int
    mapping: dict[str, str]
    ids: list[str]
    used: list[CostAssumption] = dataclasses.field(default_factory=list)
    prices: dict[str, tuple[float, float, float]] = dataclasses.field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return list(self.mapping)

    def price(self) -> None:
        """Look up and price-adjust every unit cost (after the records were checked)."""
        for field, item in self.mapping.items():
            unit = self.costs.get(item)
            factor = self.deflators.factor(unit.price_year, self.target) * self.options.attribution
            self.prices[field] = (unit.cost * factor, unit.low * factor, unit.high * factor)
            deflate = self.deflators.factor(unit.price_year, self.target)
            self.used.append(
                CostAssumption(
                    field=field,
                    item=item,
                    unit=unit.unit,
                    cost=unit.cost,
                    low=unit.low,
                    high=unit.high,
                    price_year=unit.price_year,
                    source=unit.source,
                    note=unit.note,
                    deflator_factor=deflate,
                    adjusted_cost=unit.cost * deflate,
                    adjusted_low=unit.low * deflate,
                    adjusted_high=unit.high * deflate,
                )
            )


def _setup(records: pd.DataFrame, options: ServiceUseOptions) -> _Setup:
    deflators = options.deflators or DeflatorSeries.default()
    target = options.target_price_year
    setup = _Setup(
        options=options,
        costs=options.costs or CostTable.default(),
        deflators=deflators,
        target=deflators.latest_year if target is None else target,
        mapping=dict(ITEM_COSTS if options.item_costs is None else options.item_costs),
        ids=[c for c in ("participant_key", "service_id") if c in records.columns],
    )
    missing = [
        c
        for c in ("participant_key", "timepoint", "recall_period_months", *setup.fields)
        if c not in records.columns
    ]
    if missing:
        raise ValueError(f"service-use records lack column(s): {', '.join(missing)}")
    return setup


def _change(records: pd.DataFrame, setup: _Setup) -> pd.DataFrame:
    """Annual follow-up minus annual baseline per participant with both rows."""
    before = _annual(records, setup.ids, setup.options.baseline, setup.fields)
    after = _annual(records, setup.ids, setup.options.follow_up, setup.fields)
    before, after = before.align(after, join="inner", axis=0)
    return after - before


def _total(change: pd.DataFrame, setup: _Setup) -> tuple[Estimate, int]:
    """The total cost change over participants with every item, and how many they are."""
    matrix = change.to_numpy(dtype=np.float64)
    return _total_of(matrix[~np.isnan(matrix).any(axis=1)], setup)


def _total_of(complete: FloatArray, setup: _Setup) -> tuple[Estimate, int]:
    """:func:`_total` of the changes of the participants with every item (one row each)."""
    values, low, high = _total_values(complete, setup)
    total = estimate(values, low_values=low, high_values=high, **setup.options.bootstrap())
    return total, int(complete.shape[0])


def _total_values(complete: FloatArray, setup: _Setup) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each participant's total cost change at the mid, low and high unit costs."""
    weights = [np.array([setup.prices[f][k] for f in setup.fields]) for k in range(3)]
    # Column-major, as pandas hands out a frame's values: the products' sums are then
    # taken in the same order as before (a row-major copy rounds differently).
    complete = np.asfortranarray(complete)
    return complete @ weights[0], complete @ weights[1], complete @ weights[2]


def _assumptions(setup: _Setup, n_paired: int, n_complete: int) -> ServiceUseAssumptions:
    options = setup.options
    return ServiceUseAssumptions(
        cost_table_version=setup.costs.version,
        unit_costs=tuple(setup.used),
        baseline=options.baseline,
        follow_up=options.follow_up,
        target_price_year=setup.target,
        deflator_version=setup.deflators.version,
        deflator_source=setup.deflators.source,
        attribution=options.attribution,
        n_paired=n_paired,
        n_complete=n_complete,
        ci_method=CI_METHOD.format(
            n_boot=options.n_boot, seed=options.seed, level=options.confidence * 100
        ),
        caveats=(BED_DAY_CAVEAT,) if "bed_days" in setup.mapping else (),
    )


def service_use_value(
    records: pd.DataFrame,
    options: ServiceUseOptions | None = None,
    /,
    **changes: Unpack[ServiceUseChanges],
) -> ServiceUseResult:
    """Annualised change in service use and its cost per participant.

    Args:
        records: ``service_use`` rows: ``participant_key`` (plus ``service_id`` if
            present), ``timepoint``, ``recall_period_months`` and the count columns.
        options: How to cost it (default :class:`ServiceUseOptions`).
        **changes: Fields of ``options`` to change, by name (e.g. ``attribution=0.5``).

    Raises:
        ValueError: On duplicate rows, bad recall periods or a bad attribution.
        KeyError: If a unit-cost item or price year is missing.
    """
    setup = _setup(records, ServiceUseOptions.of(options, changes))
    change = _change(records, setup)
    setup.price()
    opts = setup.options.bootstrap()
    items: list[ItemChange] = []
    for field in setup.fields:
        values: FloatArray = change[field].dropna().to_numpy(dtype=np.float64)
        mid, low, high = setup.prices[field]
        items.append(
            ItemChange(
                field=field,
                count_change=estimate(values, **opts),
                cost_change=estimate(
                    values * mid, low_values=values * low, high_values=values * high, **opts
                ),
            )
        )
    total, n_complete = _total(change, setup)
    assumptions = _assumptions(setup, int(change.shape[0]), n_complete)
    return ServiceUseResult(items=tuple(items), cost_change=total, assumptions=assumptions)


def service_use_savings(
    records: pd.DataFrame,
    options: ServiceUseOptions | None = None,
    /,
    *,
    by: str = "service_id",
    **changes: Unpack[ServiceUseChanges],
) -> Iterator[tuple[str | None, Estimate, ServiceUseAssumptions]]:
    """The saving and assumptions of :func:`service_use_value`, pooled then per ``by`` group.

    Yields ``(None, saving, assumptions)`` for all of ``records``, then one triple per
    value of ``by`` (sorted, as ``groupby(by, sort=True)``): exactly what
    ``service_use_value`` returns as ``saving`` and ``assumptions`` on each scope (the
    same participants in the same order, so the same bootstrap draws), computed with
    one annualisation and one alignment of all records instead of one per scope, and
    without the per-item estimates. ``options`` and ``changes`` as
    :func:`service_use_value`; ``by`` must be one of the participant ids (``service_id``).
    """
    setup = _setup(records, ServiceUseOptions.of(options, changes))
    if by not in setup.ids:
        raise ValueError(f"service-use savings are grouped by an id column, not {by!r}")
    change = _change(records, setup)
    setup.price()

    # Every scope's rows taken from one array (a pandas selection per scope cost more
    # than its bootstrap): the same rows in the same order as change.iloc[rows].dropna().
    matrix = change.to_numpy(dtype=np.float64)
    complete = ~np.isnan(matrix).any(axis=1)
    key = change.index.get_level_values(by) if len(setup.ids) > 1 else change.index
    positions = pd.Series(np.arange(len(change))).groupby(key.to_numpy(), sort=False).indices
    empty = np.empty(0, dtype=np.int64)
    scopes: list[tuple[str | None, npt.NDArray[np.int64] | slice]] = [(None, slice(None))]
    for group in records[by].drop_duplicates().dropna().sort_values():
        scopes.append((str(group), np.asarray(positions.get(group, empty), dtype=np.int64)))
    # Every scope bootstrapped in one call: scopes of one size share their draws, and
    # each scope's interval is still exactly its own (estimates).
    chosen = [matrix[rows][complete[rows]] for _, rows in scopes]
    totals = estimates([_total_values(c, setup) for c in chosen], **setup.options.bootstrap())
    for (name, rows), total, kept in zip(scopes, totals, chosen, strict=True):
        n_paired = int(complete[rows].size)
        yield name, total.scaled(-1.0), _assumptions(setup, n_paired, int(kept.shape[0]))
