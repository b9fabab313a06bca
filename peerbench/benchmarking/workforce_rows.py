"""Row types of the workforce sections (SPEC §12 "Workforce").

* :class:`WorkforceRow`: retention at 6 and 12 months and support coverage
  (supervision, training, accreditation) as ``n_yes`` of ``n_base`` (``n_no`` is the
  rest, published so that the disclosure control sees the whole margin).
* :class:`WorkerWellbeingRow`: paired change in peer workers' own wellbeing.
* :class:`WorkerEndReasonRow`: why roles ended, network totals in four groups.

Computed by :mod:`peerbench.benchmarking.workforce`, controlled by
:mod:`peerbench.benchmarking.workforce_disclose`.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from peerbench.benchmarking.rows import Row

PRACTICE = ("regular_supervision", "accredited_training", "paid_led")
"""Service attributes derived from peer workers, compared in "what works for whom"
(kept here, beside the row types, so reading a result imports no statistics)."""

ALL = "all"
"""``group``/``role`` of rows that pool every group or role."""

# The published vocabulary of the workforce rows, beside them for the same reason: the
# text and report blocks that print a result need these, never the statistics.
ROLES = ("volunteer", "paid", "sessional")
MEASURES = ("retained_6m", "retained_12m", "supervised", "trained", "accredited")
NOT_RECORDED = "not_recorded"
END_GROUP_ORDER = ("moved_on", "own_health_or_role_strain", "funding", "other")


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkforceRow(Row):
    """One workforce measure for one group of worker periods and one role.

    Attributes:
        level: ``all`` (every service), ``facilitator_model`` (services of one model;
            ``not_recorded`` when the service has none) or ``service`` (one service:
            never public, shown to the organisation that runs it).
        group: ``all``, the facilitator model, or the service id.
        measure: ``retained_6m``, ``retained_12m``, ``supervised``, ``trained`` or
            ``accredited`` (definitions in SPEC §12).
        role: ``all``, ``volunteer``, ``paid`` or ``sessional``.
        as_of: The day the figures are measured at (ISO date).
        n_base: Worker periods the measure is out of.
        n_yes: Of those, how many meet it; n_no: how many do not.
        share: ``n_yes / n_base``.
    """

    KEY: ClassVar[tuple[str, ...]] = ("level", "group", "measure", "role")
    level: str
    group: str
    measure: str
    role: str
    as_of: str
    n_base: int | None = None
    n_yes: int | None = None
    n_no: int | None = None
    share: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkerWellbeingRow(Row):
    """Change in peer workers' own wellbeing, baseline to latest follow-up.

    Attributes:
        instrument: Instrument code (e.g. ``SWEMWBS``).
        role: ``all`` or the workers' role.
        as_of: The day the figures are measured at (measurements after it are ignored).
        n_paired: Workers with a baseline and a later follow-up.
        mean_baseline: Mean baseline score.
        mean_change: Mean oriented change (positive = better).
        sd_change: Standard deviation of the change (n - 1).
        ci_low, ci_high: 95% t interval of the mean change.
    """

    KEY: ClassVar[tuple[str, ...]] = ("instrument", "role")
    instrument: str
    role: str
    as_of: str
    n_paired: int | None = None
    mean_baseline: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkerEndReasonRow(Row):
    """Worker periods that ended on or before ``as_of``, by grouped reason (network only).

    Attributes:
        reason_group: ``moved_on``, ``own_health_or_role_strain``, ``funding``,
            ``other`` or ``all``.
        as_of: The day the figures are measured at.
        n_ended: Worker periods that ended, for this reason group.
    """

    KEY: ClassVar[tuple[str, ...]] = ("reason_group",)
    reason_group: str
    as_of: str
    n_ended: int | None = None
