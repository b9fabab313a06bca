"""Statistics for comparing peer-support services: small pure functions over NumPy arrays.

Every function returns a frozen dataclass with ``to_dict()``; the formulas are stated in
each docstring and copied into SPEC.md "Benchmark definitions".

Example:
    >>> from peerbench.stats import wilson_interval, outcome_rates
    >>> round(float(wilson_interval(39_417, 57_060).proportion), 3)
    0.691
    >>> rates = outcome_rates(finished=48_111, not_case_at_baseline=2_957,
    ...                       recovered=23_291, reliably_improved=0)
    >>> round(rates.recovery_rate, 3)
    0.516
"""

from peerbench.stats.casemix import CaseMixModel, CaseMixResult, casemix_adjust, category_labels
from peerbench.stats.funnel import (
    FLAGS,
    FunnelCurves,
    FunnelResult,
    binomial_limits,
    funnel_means,
    funnel_proportions,
)
from peerbench.stats.individual import (
    IndividualOutcomes,
    case_mask,
    classify_individuals,
    classify_with_instrument,
)
from peerbench.stats.meta import MetaAnalysis, random_effects, tau2_dl, tau2_reml
from peerbench.stats.overdispersion import Overdispersion, overdispersion, winsorise
from peerbench.stats.paired import (
    EffectSize,
    MeanChange,
    cohens_dz,
    cohens_dz_from_summary,
    hedges_correction,
    hedges_g_change,
    hedges_g_change_from_summary,
    improvement_sign,
    mean_change,
    mean_change_from_summary,
    orient_change,
)
from peerbench.stats.proportions import (
    ProportionInterval,
    RateInterval,
    poisson_interval,
    wilson_bounds,
    wilson_interval,
)
from peerbench.stats.rates import OutcomeRates, outcome_rates
from peerbench.stats.result import StatsResult
from peerbench.stats.subgroups import SubgroupAnalysis, subgroup_analysis
from peerbench.stats.transitions import TransitionMatrix, transition_matrix

__all__ = [
    "FLAGS",
    "CaseMixModel",
    "CaseMixResult",
    "EffectSize",
    "FunnelCurves",
    "FunnelResult",
    "IndividualOutcomes",
    "MeanChange",
    "MetaAnalysis",
    "OutcomeRates",
    "Overdispersion",
    "ProportionInterval",
    "RateInterval",
    "StatsResult",
    "SubgroupAnalysis",
    "TransitionMatrix",
    "binomial_limits",
    "case_mask",
    "casemix_adjust",
    "category_labels",
    "classify_individuals",
    "classify_with_instrument",
    "cohens_dz",
    "cohens_dz_from_summary",
    "funnel_means",
    "funnel_proportions",
    "hedges_correction",
    "hedges_g_change",
    "hedges_g_change_from_summary",
    "improvement_sign",
    "mean_change",
    "mean_change_from_summary",
    "orient_change",
    "outcome_rates",
    "overdispersion",
    "poisson_interval",
    "random_effects",
    "subgroup_analysis",
    "tau2_dl",
    "tau2_reml",
    "transition_matrix",
    "wilson_bounds",
    "wilson_interval",
    "winsorise",
]
