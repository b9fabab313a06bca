"""When each participant completes outcome measures, and which rows that makes.

Model (SPEC "Synthetic data"):

* Baseline on the start date (half the time) or up to 14 days later.
* Follow-ups at 3, 6 and 12 months (nominal days 91/182/365) with triangular date jitter
  of +/-21, 30 and 45 days. Whether a follow-up happens is a logistic draw: base rates
  give about 65% at 3 months, 50% at 6 and 30% at 12 among those due, lowered for ad hoc
  (-0.35 on the log-odds scale), online (-0.35) and telephone (-0.1) support and for
  people who disengaged (-0.6), raised for completers (+0.2), plus a per-person
  propensity (SD 0.9) so the same people tend to miss every follow-up.
* An ``end`` measure at the end of the episode for 60% of completers and 35% of those who
  moved on or were transferred; about 1.5% of people have one ``other`` measure
  30-540 days in, with days_since_start.
* Nothing after the extract date is kept (those measures are not yet due).
* Each occasion produces one row per instrument of the service, in the service's order;
  after the first instrument, 4% are skipped.
* Exactly ``outcome_rows`` rows are kept: surplus follow-up rows are dropped at random
  first (baselines only once no follow-up is left), so no follow-up loses its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peerbench.synth.columns import BoolArray, IntArray, weighted_choice
from peerbench.synth.latent import Latent
from peerbench.synth.organisations import Services
from peerbench.synth.population import END_REASONS, Engagements

TIMEPOINTS = ("baseline", "month_3", "month_6", "month_12", "end", "other")
BASELINE, OTHER, END = 0, 5, 4
FOLLOW_UPS = ((1, 91, 21, 0.72), (2, 182, 30, 0.56), (3, 365, 45, 0.33))
"""(timepoint index, nominal day, jitter half-width, base probability)."""
MODES = ("self_paper", "self_online", "assisted")
MODE_P = np.array([[50, 25, 25], [8, 85, 7]], dtype=np.float64)


@dataclass(frozen=True)
class Occasions:
    """Measurement occasions, sorted by participant then date."""

    participant: IntArray
    timepoint: IntArray
    day: IntArray
    days_since_start: IntArray
    mode: IntArray
    mode_null: BoolArray


@dataclass(frozen=True)
class OutcomeRows:
    """One entry per outcome row: the occasion it belongs to and the instrument."""

    occasion: IntArray
    instrument: IntArray
    """Index into ``codes``."""
    codes: list[str]


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def make_occasions(
    rng: np.random.Generator,
    services: Services,
    service_of: IntArray,
    episodes: Engagements,
    latent: Latent,
    as_of: int,
) -> Occasions:
    """Draw every measurement occasion of every participant's first episode.

    Args:
        rng: Random source.
        services: The services.
        service_of: Service index of each participant.
        episodes: Engagements; rows ``0..P-1`` are first episodes.
        latent: Latent state (for the follow-up propensity).
        as_of: Extract date as a day number.
    """
    n = int(latent.baseline.shape[0])
    s = np.arange(n)
    svc = service_of
    start, end, reason = episodes.start[:n], episodes.end[:n], episodes.reason[:n]
    ongoing = episodes.ongoing[:n]
    delivery = np.array(services.delivery_format)[svc]
    shift = (
        np.where(np.array(services.structured)[svc], 0.0, -0.35)
        + np.where(delivery == "online", -0.35, 0.0)
        + np.where(delivery == "telephone", -0.1, 0.0)
        + np.where(reason == END_REASONS.index("disengaged"), -0.6, 0.0)
        + np.where(reason == END_REASONS.index("completed"), 0.2, 0.0)
        + 0.9 * latent.propensity
    )
    parts: list[tuple[IntArray, int, IntArray]] = []
    offset = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 15, size=n))
    baseline_day = np.minimum(start + offset, as_of)
    parts.append((s, BASELINE, baseline_day))
    for tp, nominal, half_width, base in FOLLOW_UPS:
        jitter = np.round(rng.triangular(-half_width, 0, half_width, size=n)).astype(np.int64)
        day = start + nominal + jitter
        p = 1.0 / (1.0 + np.exp(-(_logit(base) + shift)))
        keep = (rng.random(n) < p) & (day <= as_of)
        parts.append((s[keep], tp, day[keep]))
    end_p = np.select(
        [
            reason == END_REASONS.index("completed"),
            np.isin(reason, [END_REASONS.index("moved_on"), END_REASONS.index("transferred")]),
        ],
        [0.6, 0.35],
        0.0,
    )
    keep = ~ongoing & (rng.random(n) < end_p)
    end_day = np.clip(end + rng.integers(0, 8, size=n), baseline_day, as_of)
    parts.append((s[keep], END, end_day[keep]))
    other_day = start + rng.integers(30, 541, size=n)
    keep = (rng.random(n) < 0.015) & (other_day <= as_of)
    parts.append((s[keep], OTHER, other_day[keep]))
    participant = np.concatenate([p for p, _, _ in parts])
    timepoint = np.concatenate([np.full(p.shape[0], tp) for p, tp, _ in parts])
    day = np.concatenate([d for _, _, d in parts])
    # Sort by participant, date, timepoint with one int64 key (cheaper than lexsort).
    rel = day - (as_of - 8192)
    order = np.argsort((participant << 17) + (rel << 3) + timepoint, kind="stable")
    participant, timepoint, day = participant[order], timepoint[order], day[order]
    online = (delivery[participant] == "online").astype(np.int64)
    m = int(participant.shape[0])
    return Occasions(
        participant=participant,
        timepoint=timepoint,
        day=day,
        days_since_start=day - start[participant],
        mode=weighted_choice(rng, MODE_P / MODE_P.sum(axis=1, keepdims=True), online),
        mode_null=rng.random(m) < 0.05,
    )


def expand_rows(
    rng: np.random.Generator, services: Services, service_of: IntArray, occasions: Occasions
) -> OutcomeRows:
    """One row per occasion and instrument of the participant's service, in order."""
    codes = sorted({code for plan in services.instruments for code in plan})
    width = max((len(plan) for plan in services.instruments), default=0)
    matrix = np.full((len(services), max(width, 1)), -1, dtype=np.int64)
    for i, plan in enumerate(services.instruments):  # per service
        matrix[i, : len(plan)] = [codes.index(c) for c in plan]
    counts = (matrix >= 0).sum(axis=1)
    occ_service = service_of[occasions.participant]
    per_occasion = counts[occ_service]
    occasion = np.repeat(np.arange(per_occasion.shape[0]), per_occasion)
    starts = np.cumsum(per_occasion) - per_occasion
    slot = np.arange(occasion.shape[0]) - np.repeat(starts, per_occasion)
    instrument = matrix[occ_service[occasion], slot]
    keep = (slot == 0) | (rng.random(occasion.shape[0]) >= 0.04)
    return OutcomeRows(occasion=occasion[keep], instrument=instrument[keep], codes=codes)


def trim(
    rng: np.random.Generator, rows: OutcomeRows, occasions: Occasions, target: int
) -> OutcomeRows:
    """Keep exactly ``target`` rows, dropping follow-ups before any baseline.

    Raises:
        ValueError: if there are fewer than ``target`` rows to choose from.
    """
    total = rows.occasion.shape[0]
    if total < target:
        raise ValueError(f"only {total} candidate rows for {target}")
    surplus = total - target
    if surplus == 0:
        return rows
    is_baseline = occasions.timepoint[rows.occasion] == BASELINE
    priority = rng.random(total) + is_baseline
    keep = np.ones(total, dtype=np.bool_)
    keep[np.argpartition(priority, surplus - 1)[:surplus]] = False
    return OutcomeRows(
        occasion=rows.occasion[keep], instrument=rows.instrument[keep], codes=rows.codes
    )
