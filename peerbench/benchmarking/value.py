"""Economic value rows: service use and WELLBYs, pooled and per service, with assumptions.

* ``service_use``: :func:`peerbench.economics.service_use_value` on the service-use
  records, baseline → :data:`FOLLOW_UP` (every scope at once, with the same figures:
  :func:`~peerbench.economics.service_use.service_use_savings`); the published quantity
  is the annual saving per participant (cost change with its sign flipped, positive = money saved).
* ``wellby``: :func:`peerbench.economics.wellbeing_value` on the ONS4 life-satisfaction
  pairs at :data:`FOLLOW_UP`; quantities ``life_satisfaction_change`` (points) and
  ``wellby_value_per_participant`` (pounds).

Every row carries the economics layer's full ``assumptions`` block; values resting on
fewer than ``min_n`` participants are withheld (``below-min-n``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from peerbench.benchmarking.outcome_stats import BELOW_MIN_N
from peerbench.benchmarking.result import DataQualityNote
from peerbench.benchmarking.rows import EconomicsRow
from peerbench.economics import CostTable, Estimate, ServiceUseOptions
from peerbench.economics.service_use import service_use_savings
from peerbench.economics.service_use_records import record_problems
from peerbench.economics.wellby import wellbeing_values

FOLLOW_UP = "month_6"
"""Follow-up timepoint compared with baseline for both economic values."""

LIFE_SATISFACTION = "ONS4.life_satisfaction"

_VALUES = ("mean", "ci_low", "ci_high", "low", "high")


def _row(
    kind: str,
    service_id: str | None,
    quantity: str,
    estimate: Estimate,
    assumptions: dict[str, Any],
    min_n: int,
) -> EconomicsRow:
    values = {f: getattr(estimate, f) for f in _VALUES}
    suppressed: dict[str, str] = {}
    if estimate.n < min_n:
        suppressed = {f: BELOW_MIN_N for f, v in values.items() if v is not None}
        values = dict.fromkeys(_VALUES)
    return EconomicsRow(
        kind=kind,
        service_id=service_id,
        quantity=quantity,
        n=estimate.n,
        price_year=int(assumptions["target_price_year"]),
        assumptions=assumptions,
        suppressed=suppressed,
        **values,
    )


def _scopes(frame: pd.DataFrame) -> Iterator[tuple[str | None, pd.DataFrame]]:
    """All services pooled (``None``), then each service."""
    yield None, frame
    for service_id, rows in frame.groupby("service_id", sort=True):
        yield str(service_id), rows


def usable_service_use(
    records: pd.DataFrame, owners: Mapping[str, str]
) -> tuple[pd.DataFrame, list[DataQualityNote]]:
    """The service-use rows the economics table can use, and who is left out and why.

    An organisation whose rows :func:`service_use_value` would refuse
    (:func:`~peerbench.economics.service_use_records.record_problems`) is left out, with a note,
    so one organisation's inconsistent data never stops everyone else's figures.

    Args:
        records: ``service_use`` rows.
        owners: ``service_id`` → ``organisation_id`` (a service not listed stands for
            its own organisation).
    """
    if records.empty:
        return records, []
    services = records["service_id"]
    organisation = services.map({s: owners.get(s, s) for s in services.unique()})
    problems = record_problems(records, ("baseline", FOLLOW_UP), organisation)
    notes = [
        DataQualityNote("economics", org, f"service use: {problem}")
        for org, problem in problems.items()
    ]
    left_out = {n.organisation_id for n in notes}
    return records[~organisation.isin(left_out)], notes


def service_use_rows(
    records: pd.DataFrame,
    *,
    min_n: int,
    cost_table: str | None = None,
    target_price_year: int | None = None,
) -> list[EconomicsRow]:
    """Annual NHS service-use saving per participant, pooled and per service.

    Args:
        records: ``service_use`` rows (already limited to the benchmarked participants).
        min_n: Minimum participants behind a published value.
        cost_table: Unit-cost CSV (default: the shipped table).
        target_price_year: Price year of the results (default: latest deflator year).
    """
    if records.empty or not {"baseline", FOLLOW_UP} <= set(records["timepoint"].unique()):
        return []
    options = ServiceUseOptions(
        costs=CostTable.from_csv(cost_table) if cost_table else CostTable.default(),
        target_price_year=target_price_year,
        follow_up=FOLLOW_UP,
    )
    # One annualisation for every scope; the same figures as service_use_value per scope.
    return [
        _row(
            "service_use",
            service_id,
            "saving_per_participant_per_year",
            saving,
            assumptions.model_dump(mode="json"),
            min_n,
        )
        for service_id, saving, assumptions in service_use_savings(records, options)
    ]


def wellby_rows(
    pairs: pd.DataFrame, *, min_n: int, target_price_year: int | None = None
) -> list[EconomicsRow]:
    """Life-satisfaction change and its WELLBY value, pooled and per service.

    Args:
        pairs: Participant-level pairs (every instrument; filtered here).
        min_n: Minimum participants behind a published value.
        target_price_year: Price year of the results (default: latest deflator year).
    """
    wanted = (pairs["instrument"] == LIFE_SATISFACTION) & (pairs["timepoint"] == FOLLOW_UP)
    # Only the columns used: each service's rows are a copy of what is kept here.
    chosen = pairs.loc[wanted, ["service_id", "baseline_score", "follow_up_score"]]
    if chosen.empty:
        return []
    scopes = list(_scopes(chosen))
    results = wellbeing_values(
        [
            (
                frame["baseline_score"].to_numpy(dtype="float64"),
                frame["follow_up_score"].to_numpy(dtype="float64"),
            )
            for _, frame in scopes
        ],
        target_price_year=target_price_year,
    )
    rows: list[EconomicsRow] = []
    for (service_id, _), result in zip(scopes, results, strict=True):
        assumptions = result.assumptions.model_dump(mode="json")
        for quantity, estimate in (
            ("life_satisfaction_change", result.change),
            ("wellby_value_per_participant", result.value),
        ):
            rows.append(_row("wellby", service_id, quantity, estimate, assumptions, min_n))
    return rows
