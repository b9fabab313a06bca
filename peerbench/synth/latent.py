"""The latent wellbeing model every outcome, and the service-use counts, are drawn from.

Each participant has a latent wellbeing ``z`` on a standard-deviation scale where 0 is
the general population and higher is better:

* Baseline ``z0 ~ N(mu, 0.9)`` with ``mu`` by condition: mental health -0.9, substance
  use -0.8, perinatal -0.7, loneliness -0.6, multiple LTC and dementia -0.5, physical
  LTCs -0.4.
* Full improvement (``gain``) = 0.30 + 0.20 structured programme + 0.06 paid or mixed
  facilitation (0.03 professional-led) + 0.05 group or one-to-one (0.03 mixed, -0.05
  online) + the service's random effect (SD 0.08) + 0.1 if the episode was completed
  (-0.1 if the person disengaged) - 0.30 x (z0 - mu), so those who start worse improve
  more (regression to the mean), + individual noise (SD 0.25).
* Over time the gain ramps in linearly over the first 120 days, then decays to 75% of
  its peak between day 182 and day 365 (partial loss of effect by 12 months).
* Each measurement adds occasion noise (SD 0.3), so instruments answered on the same
  day agree but not perfectly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peerbench.synth.columns import FloatArray, IntArray
from peerbench.synth.organisations import Services
from peerbench.synth.population import END_REASONS, Engagements, Participants

CONDITION_MEAN = {
    "mental_health": -0.9,
    "substance_use": -0.8,
    "perinatal": -0.7,
    "other": -0.6,
    "multiple_ltc": -0.5,
    "dementia": -0.5,
}
PHYSICAL_MEAN = -0.4
FACILITATOR_GAIN = {"paid_peer_workers": 0.06, "mixed": 0.06, "professional_led": 0.03}
FORMAT_GAIN = {"group": 0.05, "one_to_one": 0.05, "mixed": 0.03, "online": -0.05}
REASON_GAIN = {"completed": 0.1, "disengaged": -0.1}
RAMP_DAYS = 120.0
DECAY_START, DECAY_END, DECAY_TO = 182.0, 365.0, 0.75
OCCASION_SD = 0.3


@dataclass(frozen=True)
class Latent:
    """Per-participant latent state."""

    baseline: FloatArray
    gain: FloatArray
    propensity: FloatArray
    """Standard-normal tendency to answer follow-ups (shared across timepoints)."""


def service_gain(services: Services) -> FloatArray:
    """The part of the improvement fixed by each service's model and random effect."""
    gain = np.full(len(services), 0.30)
    gain += np.where(services.structured, 0.20, 0.0)
    gain += np.array([FACILITATOR_GAIN.get(f, 0.0) for f in services.facilitator])
    gain += np.array([FORMAT_GAIN.get(f, 0.0) for f in services.delivery_format])
    gain += np.array(services.effect)
    return gain


def make_latent(
    rng: np.random.Generator, services: Services, people: Participants, episodes: Engagements
) -> Latent:
    """Draw every participant's baseline, improvement and follow-up propensity."""
    n = len(people)
    mu = np.array([CONDITION_MEAN.get(c, PHYSICAL_MEAN) for c in services.condition])[
        people.service
    ]
    z0 = mu + rng.normal(0.0, 0.9, size=n)
    reason = episodes.reason[:n]  # first episodes come first
    reason_gain = np.array([REASON_GAIN.get(r, 0.0) for r in END_REASONS])[reason]
    gain = (
        service_gain(services)[people.service]
        + reason_gain
        - 0.30 * (z0 - mu)
        + rng.normal(0.0, 0.25, size=n)
    )
    return Latent(baseline=z0, gain=gain, propensity=rng.standard_normal(n))


def trajectory(days: IntArray | FloatArray) -> FloatArray:
    """Share of the full gain realised ``days`` after the start of support."""
    d = np.asarray(days, dtype=np.float64)
    ramp = np.clip(d / RAMP_DAYS, 0.0, 1.0)
    decay = np.clip((d - DECAY_START) / (DECAY_END - DECAY_START), 0.0, 1.0)
    result: FloatArray = ramp * (1.0 - (1.0 - DECAY_TO) * decay)
    return result


def wellbeing(
    rng: np.random.Generator, latent: Latent, participant: IntArray, days: IntArray
) -> FloatArray:
    """Latent wellbeing of ``participant`` measured ``days`` after their start."""
    z: FloatArray = (
        latent.baseline[participant]
        + latent.gain[participant] * trajectory(days)
        + rng.normal(0.0, OCCASION_SD, size=participant.shape[0])
    )
    return z
