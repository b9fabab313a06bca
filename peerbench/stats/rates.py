"""NHS Talking Therapies outcome rates from counts, with Wilson 95% intervals.

* recovery rate ``= recovered / (finished − not a case at baseline)``;
* reliable recovery rate ``= reliably recovered / (finished − not a case at baseline)``;
* reliable improvement rate ``= reliably improved / finished``;
* reliable deterioration rate ``= reliably deteriorated / finished``.
"""

import dataclasses

from peerbench.stats.proportions import wilson_interval
from peerbench.stats.result import StatsResult


@dataclasses.dataclass(frozen=True)
class OutcomeRates(StatsResult):
    """NHS Talking Therapies style counts and rates, each rate with a Wilson 95% interval."""

    finished: int
    not_case_at_baseline: int
    recovered: int
    reliably_improved: int
    reliably_deteriorated: int
    reliably_recovered: int
    recovery_rate: float
    recovery_ci: tuple[float, float]
    reliable_improvement_rate: float
    reliable_improvement_ci: tuple[float, float]
    reliable_deterioration_rate: float
    reliable_deterioration_ci: tuple[float, float]
    reliable_recovery_rate: float
    reliable_recovery_ci: tuple[float, float]


def _rate(events: int, n: int) -> tuple[float, tuple[float, float]]:
    ci = wilson_interval(events, n)
    return float(ci.proportion), (float(ci.lower), float(ci.upper))


def outcome_rates(
    *,
    finished: int,
    not_case_at_baseline: int,
    recovered: int,
    reliably_improved: int,
    reliably_deteriorated: int = 0,
    reliably_recovered: int = 0,
) -> OutcomeRates:
    """NHS Talking Therapies rates from counts.

    ``recovery_rate = recovered / (finished − not_case_at_baseline)``;
    ``reliable_improvement_rate = reliably_improved / finished`` (deterioration likewise);
    ``reliable_recovery_rate = reliably_recovered / (finished − not_case_at_baseline)``.
    Intervals are Wilson 95% (NaN when a denominator is 0).

    Raises:
        ValueError: if a count is negative or exceeds its denominator.
    """
    at_caseness = finished - not_case_at_baseline
    if min(finished, not_case_at_baseline, at_caseness) < 0:
        raise ValueError("need 0 <= not_case_at_baseline <= finished")
    rec, rec_ci = _rate(recovered, at_caseness)
    ri, ri_ci = _rate(reliably_improved, finished)
    rd, rd_ci = _rate(reliably_deteriorated, finished)
    rr, rr_ci = _rate(reliably_recovered, at_caseness)
    return OutcomeRates(
        finished,
        not_case_at_baseline,
        recovered,
        reliably_improved,
        reliably_deteriorated,
        reliably_recovered,
        rec,
        rec_ci,
        ri,
        ri_ci,
        rd,
        rd_ci,
        rr,
        rr_ci,
    )
