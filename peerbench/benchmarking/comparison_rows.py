"""Row types of the comparisons: funnel plots, meta-analysis, subgroups, case-mix.

Each section is keyed by instrument × period × timepoint (``period`` is ``"all"`` when
periods are pooled); estimates of a unit with fewer than ``min_n`` pairs are withheld
with reason ``below-min-n``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from peerbench.benchmarking.rows import Row


@dataclasses.dataclass(frozen=True, kw_only=True)
class FunnelPoint(Row):
    """One service on a funnel plot (Spiegelhalter 2005).

    Attributes:
        instrument, period, timepoint: The comparison.
        metric: ``mean_change`` (value = mean oriented change, precision = 1/SE²) or
            ``reliable_improvement`` (value = share reliably improved, precision = n).
        service_id: The unit; n: pairs it rests on.
        value: The unit's estimate; se: its standard error; precision: plotted x.
        z: Standardised (over-dispersion-adjusted when ``adjusted``) deviation.
        limit_95_low … limit_998_high: Control limits at this unit's precision.
        flag: ``within``, ``above_95``/``below_95`` (outside the 95% "alert" limits) or
            ``above_99.8``/``below_99.8`` (outside the 99.8% "alarm" limits); since change
            is oriented, above = better than the target. In a controlled result the
            reliable-improvement funnel is recomputed from published (rounded) counts.
    """

    KEY: ClassVar[tuple[str, ...]] = (
        "instrument",
        "period",
        "timepoint",
        "metric",
        "service_id",
    )
    instrument: str
    period: str
    timepoint: str
    metric: str
    service_id: str
    n: int | None = None
    value: float | None = None
    se: float | None = None
    precision: float | None = None
    z: float | None = None
    limit_95_low: float | None = None
    limit_95_high: float | None = None
    limit_998_low: float | None = None
    limit_998_high: float | None = None
    flag: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class FunnelSummary(Row):
    """The funnel's target and over-dispersion for one instrument × timepoint × metric.

    Attributes:
        target: Pooled value p₀ the limits are drawn around.
        k: Units on the funnel.
        phi: Over-dispersion φ = mean of winsorised z² (10%/90%).
        tau2: Additive random-effects variance τ² (0 when not over-dispersed).
        adjusted: Whether limits include τ² (φ beyond its expected range).
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint", "metric")
    instrument: str
    period: str
    timepoint: str
    metric: str
    target: float | None = None
    k: int = 0
    phi: float | None = None
    tau2: float | None = None
    adjusted: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class MetaRow(Row):
    """Random-effects pooled estimate across services, one row per method.

    Attributes:
        measure: Effect measure pooled (``hedges_g``: SMCR, baseline-SD standardised).
        method: ``DL`` (DerSimonian–Laird) or ``REML``.
        k: Services pooled; n_paired: pairs behind them.
        estimate, se, ci_low, ci_high: Pooled effect and its 95% interval.
        tau2: Between-service variance; i2: I² (share of variation beyond chance).
        q, q_p: Cochran's Q and its p-value.
        pi_low, pi_high: 95% prediction interval for a new service (t, k − 2 df).
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint", "measure", "method")
    instrument: str
    period: str
    timepoint: str
    measure: str
    method: str
    k: int = 0
    n_paired: int | None = None
    estimate: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    tau2: float | None = None
    i2: float | None = None
    q: float | None = None
    q_p: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ForestRow(Row):
    """One service's estimate on the forest plot beside the pooled rows.

    Attributes:
        service_id, n_paired: The unit and its pairs.
        estimate, ci_low, ci_high: Its effect (``measure``) and 95% interval.
        weight_dl, weight_reml: Relative random-effects weights (sum to 1).
    """

    KEY: ClassVar[tuple[str, ...]] = (
        "instrument",
        "period",
        "timepoint",
        "measure",
        "service_id",
    )
    instrument: str
    period: str
    timepoint: str
    measure: str
    service_id: str
    n_paired: int | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    weight_dl: float | None = None
    weight_reml: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubgroupLevel(Row):
    """What works for whom: pooled effect of services sharing an attribute level.

    Attributes:
        attribute: Service attribute (e.g. ``structure``); level: its value.
        k: Services at the level; n_paired: their pairs.
        estimate, ci_low, ci_high: Random-effects (DL) pooled ``measure`` and 95% CI.
        tau2: Within-level between-service variance.
    """

    KEY: ClassVar[tuple[str, ...]] = (
        "instrument",
        "period",
        "timepoint",
        "measure",
        "attribute",
        "level",
    )
    instrument: str
    period: str
    timepoint: str
    measure: str
    attribute: str
    level: str
    k: int = 0
    n_paired: int | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    tau2: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubgroupTest(Row):
    """Test of difference between the levels of one attribute.

    Attributes:
        q_between: Q_between = Σ wⱼ(θⱼ − θ̄)² over level estimates; df: levels − 1.
        p_value: χ²(df) upper tail of Q_between; k: services in the comparison.
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint", "measure", "attribute")
    instrument: str
    period: str
    timepoint: str
    measure: str
    attribute: str
    k: int = 0
    levels: int = 0
    q_between: float | None = None
    df: int | None = None
    p_value: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasemixFit(Row):
    """The case-mix model (participant-level OLS of oriented change).

    Attributes:
        formula: Model statement, e.g. ``change ~ baseline + age_band + sex``.
        n: Participants in the model; r2: R²; adj_r2: adjusted R².
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint")
    instrument: str
    period: str
    timepoint: str
    formula: str = ""
    n: int | None = None
    r2: float | None = None
    adj_r2: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasemixCoefficient(Row):
    """One model coefficient with its standard error."""

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint", "term")
    instrument: str
    period: str
    timepoint: str
    term: str
    estimate: float | None = None
    se: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasemixService(Row):
    """A service's case-mix-adjusted result.

    Attributes:
        n: Participants; observed: mean change; expected: mean model prediction.
        o_minus_e: Observed − expected, with 95% interval ``oe_ci_low``/``oe_ci_high``.
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "period", "timepoint", "service_id")
    instrument: str
    period: str
    timepoint: str
    service_id: str
    n: int | None = None
    observed: float | None = None
    expected: float | None = None
    o_minus_e: float | None = None
    oe_ci_low: float | None = None
    oe_ci_high: float | None = None
