"""Row types of the benchmark result: the base :class:`Row` and the per-service sections.

Every row is a frozen, keyword-only dataclass. ``suppressed`` maps a field name to the
reason its value is withheld (the value is then ``None``); ``KEY`` names the fields that
identify the row within its section. Comparison rows (funnel, meta-analysis, subgroups,
case-mix) are in :mod:`peerbench.benchmarking.comparison_rows`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

_AS_IS = frozenset({str, int, bool, type(None)})
"""Types that are already JSON-safe (checked by exact type: most values are these)."""


def plain(value: Any) -> Any:
    """JSON-safe Python value: NaN/inf → None, tuples → lists, paths and dates → str."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Row):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date):  # e.g. BenchmarkOptions.as_of: ISO text, as rows hold it
        return value.isoformat()
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(row_type: type[Row]) -> tuple[str, ...]:
    """A row type's field names, once per type: ``dataclasses.fields`` rebuilds its
    tuple on every call, and a national benchmark has hundreds of thousands of rows."""
    names = _FIELD_NAMES.get(row_type)
    if names is None:
        names = _FIELD_NAMES[row_type] = tuple(f.name for f in dataclasses.fields(row_type))
    return names


@dataclasses.dataclass(frozen=True, kw_only=True)
class Row:
    """Base of every published row.

    Attributes:
        suppressed: Field name → reason code (``below-min-n``, ``small-count``,
            ``secondary``) for each value withheld in this row; that value is ``None``.
    """

    suppressed: Mapping[str, str] = dataclasses.field(default_factory=dict)

    KEY: ClassVar[tuple[str, ...]] = ()
    """Fields that identify the row within its section."""

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-safe plain Python."""
        return {name: plain(getattr(self, name)) for name in _field_names(type(self))}

    def key(self) -> tuple[tuple[str, Any], ...]:
        """``(field, value)`` pairs of :attr:`KEY`."""
        return tuple((k, getattr(self, k)) for k in self.KEY)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a row from :meth:`to_dict` output (unknown keys are an error)."""
        return cls(**{k: (dict(v) if k == "suppressed" else v) for k, v in data.items()})


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServiceInfo(Row):
    """A service and its model attributes (the "for whom" dimensions).

    Attributes:
        service_id: Pseudonymous service identifier.
        organisation_id: Organisation that runs (and owns the data of) the service.
        name: Display name.
        facilitator_model: Who facilitates (volunteer, paid peer worker, ...).
        delivery_format: Group, one-to-one, online, ...
        structure: Structured programme or ad hoc.
        condition_focus: The condition(s) the service is for.
        network: Network the service belongs to (from the supplied mapping), or None.
        regular_supervision, accredited_training, paid_led: Workforce practice derived
            from the service's peer workers in post (``yes``/``no``; None: no workers
            recorded), see :mod:`peerbench.benchmarking.workforce`.
    """

    KEY: ClassVar[tuple[str, ...]] = ("service_id",)
    service_id: str
    organisation_id: str
    name: str | None = None
    facilitator_model: str | None = None
    delivery_format: str | None = None
    structure: str | None = None
    condition_focus: str | None = None
    network: str | None = None
    regular_supervision: str | None = None
    accredited_training: str | None = None
    paid_led: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReachRow(Row):
    """Reach per service × engagement period (:mod:`peerbench.aggregate.reach`).

    Attributes:
        service_id: The service.
        period: Engagement period.
        engagements: Episodes of support in the period.
        participants: Distinct participants with an episode in the period.
        median_sessions: Median sessions attended (episodes recording it).
        n_ended: Episodes that ended; n_completed: of those, completed.
        share_completed: ``n_completed / n_ended``.
    """

    KEY: ClassVar[tuple[str, ...]] = ("service_id", "period")
    service_id: str
    period: str
    engagements: int | None = None
    participants: int | None = None
    median_sessions: float | None = None
    n_ended: int | None = None
    n_completed: int | None = None
    share_completed: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutcomeMetrics(Row):
    """Paired-outcome metrics of one group × instrument × period × timepoint.

    Change is oriented so that positive = improvement (instrument direction).

    Attributes:
        instrument: Instrument code; period: baseline period; timepoint: follow-up.
        n_baseline: People with a scored baseline.
        n_paired: People with baseline and follow-up at the timepoint.
        coverage: ``n_paired / n_baseline``.
        baseline_mean, baseline_sd: Of all baselines (SD with n − 1).
        follow_up_mean: Mean follow-up score of the pairs.
        mean_change, sd_change: Mean and SD of the oriented change over the pairs.
        change_ci_low, change_ci_high: t interval of the mean change (95%).
        d_z, d_z_ci_low, d_z_ci_high: Cohen's d_z = mean/SD of change, noncentral-t CI.
        hedges_g, g_ci_low, g_ci_high: Hedges' g standardised by baseline SD (SMCR).
        rc_threshold: Reliable-change threshold used (None: instrument has none).
        n_improved, n_unchanged, n_deteriorated: Reliably improved / no reliable
            change / reliably deteriorated pairs.
        share_improved, share_unchanged, share_deteriorated: Those over ``n_paired``.
        improved_ci_low, improved_ci_high: Wilson interval of ``share_improved``.
        n_case_baseline: Pairs at caseness at baseline (None: no cut-off).
        n_recovered, recovery_rate: Recovered and ``n_recovered / n_case_baseline``.
        recovery_ci_low, recovery_ci_high: Wilson interval of the recovery rate.
        n_reliably_recovered, reliable_recovery_rate: Recovered and reliably improved,
            over ``n_case_baseline``.
    """

    instrument: str
    period: str
    timepoint: str
    n_baseline: int | None = None
    n_paired: int | None = None
    coverage: float | None = None
    baseline_mean: float | None = None
    baseline_sd: float | None = None
    follow_up_mean: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    change_ci_low: float | None = None
    change_ci_high: float | None = None
    d_z: float | None = None
    d_z_ci_low: float | None = None
    d_z_ci_high: float | None = None
    hedges_g: float | None = None
    g_ci_low: float | None = None
    g_ci_high: float | None = None
    rc_threshold: float | None = None
    n_improved: int | None = None
    n_unchanged: int | None = None
    n_deteriorated: int | None = None
    share_improved: float | None = None
    share_unchanged: float | None = None
    share_deteriorated: float | None = None
    improved_ci_low: float | None = None
    improved_ci_high: float | None = None
    n_case_baseline: int | None = None
    n_recovered: int | None = None
    recovery_rate: float | None = None
    recovery_ci_low: float | None = None
    recovery_ci_high: float | None = None
    n_reliably_recovered: int | None = None
    reliable_recovery_rate: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutcomeRow(OutcomeMetrics):
    """Outcome metrics of one service (see :class:`OutcomeMetrics`)."""

    KEY: ClassVar[tuple[str, ...]] = ("service_id", "instrument", "period", "timepoint")
    service_id: str
    organisation_id: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class PooledOutcomeRow(OutcomeMetrics):
    """Outcome metrics of every service pooled (the total the service rows add up to)."""

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint")


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkOutcomeRow(OutcomeMetrics):
    """Outcome metrics of one network of services (only with a service → network map)."""

    KEY: ClassVar[tuple[str, ...]] = ("network", "instrument", "period", "timepoint")
    network: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SustainmentRow(Row):
    """Do early improvements last (:mod:`peerbench.aggregate.sustainment`)?

    Attributes:
        service_id: The service, or None for all services pooled.
        horizon: ``month_6`` or ``month_12``.
        n_eligible: Reliably improved at the index follow-up (month 3, else end).
        n_followed_up: Eligible people with a pair at the horizon.
        n_sustained: Followed-up people still reliably improved.
        share_sustained: ``n_sustained / n_followed_up``; retention:
            ``n_followed_up / n_eligible`` (read the two together).
    """

    KEY: ClassVar[tuple[str, ...]] = ("service_id", "instrument", "period", "horizon")
    service_id: str | None
    instrument: str
    period: str
    horizon: str
    n_eligible: int | None = None
    n_followed_up: int | None = None
    n_sustained: int | None = None
    share_sustained: float | None = None
    retention: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class EconomicsRow(Row):
    """An economic value; never shown without its assumptions and uncertainty.

    Attributes:
        kind: ``service_use`` (annual NHS-contact cost change) or ``wellby``.
        service_id: The service, or None for all services pooled.
        quantity: What ``mean`` is (e.g. ``saving_per_participant_per_year``).
        n: Participants it rests on.
        mean, ci_low, ci_high: Per-participant value and its sampling interval.
        low, high: The value with every assumption at its low / high end.
        price_year: Prices the values are in; currency: ``GBP``.
        assumptions: The economics layer's full assumptions block (sources, price
            years, deflator, attribution, interval method).
    """

    KEY: ClassVar[tuple[str, ...]] = ("kind", "service_id", "quantity")
    kind: str
    service_id: str | None
    quantity: str
    n: int | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    low: float | None = None
    high: float | None = None
    price_year: int | None = None
    currency: str = "GBP"
    assumptions: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuppressionMarker(Row):
    """One withheld value: which section, which row (key), which field, why."""

    KEY: ClassVar[tuple[str, ...]] = ("table", "row", "field")
    table: str
    row: Mapping[str, Any]
    field: str
    reason: str
