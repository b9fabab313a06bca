"""Every benchmark aggregation as an Ibis expression, written once for all backends.

The expressions live in one small module per concept and are collected here:

* :mod:`peerbench.aggregate.paired`: :func:`participant_outcomes`, :func:`baselines`,
  :func:`paired` (participant level);
* :mod:`peerbench.aggregate.outcomes`: :func:`service_outcomes`,
  :func:`network_outcomes`, :func:`overall_outcomes` (both pooled from the per-service
  table by :func:`pooled_outcomes`);
* :mod:`peerbench.aggregate.reach`: :func:`reach`, :func:`demographics`,
  :func:`population_demographics`;
* :mod:`peerbench.aggregate.sustainment`: :func:`sustainment`, :func:`pooled_sustainment`.

Each module's docstring states the definition of every metric it computes.
"""

from peerbench.aggregate.outcomes import (
    network_outcomes,
    outcome_summary,
    overall_outcomes,
    pooled_outcomes,
    service_outcomes,
)
from peerbench.aggregate.paired import (
    FOLLOW_UPS,
    baselines,
    paired,
    participant_keys,
    participant_outcomes,
    with_participants,
)
from peerbench.aggregate.reach import demographics, population_demographics, reach
from peerbench.aggregate.sustainment import HORIZONS, pooled_sustainment, sustainment

__all__ = [
    "FOLLOW_UPS",
    "HORIZONS",
    "baselines",
    "demographics",
    "network_outcomes",
    "outcome_summary",
    "overall_outcomes",
    "paired",
    "participant_keys",
    "participant_outcomes",
    "pooled_outcomes",
    "pooled_sustainment",
    "population_demographics",
    "reach",
    "service_outcomes",
    "sustainment",
    "with_participants",
]
