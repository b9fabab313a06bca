"""Peer workers: who delivers each service, how long they stay, how they are supported.

Model (SPEC "Synthetic data"):

* Each service keeps a team of 2-15 peer-worker posts (bigger services, bigger teams;
  small services 2-4). A post is filled by one worker after another over the last four
  years: the first holder started when the service opened (or up to two years before the
  window), each later one after a vacancy of 14-90 days.
* Role follows the service's facilitator model (volunteer-led: 90% volunteers; paid peer
  workers: 75% paid, 15% sessional ...). Time in post is exponential with a mean of 640
  days for volunteers, 900 sessional and 1,300 paid, so about 55% of volunteers, 67% of
  sessional and 75% of paid workers are still in post 12 months after starting;
  well-supervised services keep workers 25% longer, poorly supervised ones 20% shorter.
* End reasons by role (volunteers more often leave for personal reasons, paid workers
  more often when funding ends); own health (including relapse) and the strain of the
  role are 25-30% of leavers. A quarter of volunteers who leave for a new role become
  paid workers in the same service the next day (same key, a new period).
* Supervision: each service has a practice (strong: one-to-one or both, weekly or
  fortnightly; regular: group or both, monthly or fortnightly; weak: group or none, less
  often or never) that depends on the provider; 80% of workers follow it, 5% are not
  recorded. Training: completed by most workers after two months in post (in progress
  before), accredited more often in NHS trusts and paid-led services.
* Worker keys are HMAC pseudonyms of local staff ids (``w0001001`` ...) under a
  per-organisation secret, exactly as participant keys are made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.synth.columns import (
    BoolArray,
    FloatArray,
    IntArray,
    categorical,
    dates,
    day_number,
    integers,
    normalised,
)
from peerbench.synth.organisations import CONDITIONS, Organisations, Services
from peerbench.synth.population import LOOKBACK_DAYS, org_keys

ROLES = ("volunteer", "paid", "sessional")
VOLUNTEER, PAID, SESSIONAL = range(3)
ROLE_P: dict[str, tuple[float, ...]] = {
    "volunteer_peers": (90, 5, 5),
    "paid_peer_workers": (10, 75, 15),
    "mixed": (50, 35, 15),
    "professional_led": (30, 50, 20),
}
MEAN_TENURE = np.array([640.0, 1300.0, 900.0])
"""Mean days in post by role: exp(-365 / mean) is 12-month retention (57%, 76%, 67%)
where supervision is regular; with the services' mix of practices about 55%, 75%, 70%."""
END_REASONS = (
    "ongoing",
    "new_role",
    "personal",
    "own_health",
    "role_strain",
    "funding_ended",
    "asked_to_leave",
    "other",
)
ONGOING, NEW_ROLE = 0, 1
END_P = np.vstack(
    [
        normalised([0, 26, 28, 14, 13, 4, 3, 12]),
        normalised([0, 38, 14, 12, 14, 14, 3, 5]),
        normalised([0, 34, 20, 13, 12, 10, 3, 8]),
    ]
)
PROMOTED = 0.25
"""Share of volunteers leaving for a new role who become paid in the same service."""
SUPERVISION_TYPES = ("one_to_one", "group", "both", "none")
FREQUENCIES = ("weekly", "fortnightly", "monthly", "less_often", "none")
STRONG, REGULAR, WEAK = range(3)
TYPE_P = np.vstack(
    [normalised([55, 5, 40, 0]), normalised([15, 50, 35, 0]), normalised([10, 45, 0, 45])]
)
FREQUENCY_P = np.vstack(
    [
        normalised([55, 45, 0, 0, 0]),
        normalised([0, 35, 65, 0, 0]),
        normalised([0, 0, 15, 55, 30]),
    ]
)
PRACTICE_BY_FACILITATOR: dict[str, tuple[float, ...]] = {
    "volunteer_peers": (15, 45, 40),
    "paid_peer_workers": (45, 45, 10),
    "mixed": (30, 50, 20),
    "professional_led": (40, 40, 20),
}
TENURE_FACTOR = np.array([1.25, 1.0, 0.8])
"""Time in post multiplier by supervision practice (strong, regular, weak)."""
TRAINING = ("none", "in_progress", "completed")
MAX_WORKERS_PER_ORG = 899_999


@dataclass(frozen=True)
class Workers:
    """Worker periods, one entry per row of ``peer_workers`` (code columns are indices)."""

    service: IntArray
    number: IntArray
    """Worker number inside the organisation (two periods of one worker share it)."""
    key: list[str]
    role: IntArray
    start: IntArray
    end: IntArray
    ongoing: BoolArray
    reason: IntArray
    practice: IntArray
    """Supervision practice of the worker's service (strong, regular, weak)."""
    supervision_type: IntArray
    frequency: IntArray
    supervision_null: BoolArray
    training: IntArray
    training_null: BoolArray
    accredited: BoolArray
    training_hours: IntArray
    hours: FloatArray
    hours_null: BoolArray
    focus: IntArray
    focus_null: BoolArray

    def __len__(self) -> int:
        return int(self.service.shape[0])


def _team_size(rng: np.random.Generator, services: Services) -> IntArray:
    weight = np.array(services.weight)
    size = np.round(3 + 2.5 * weight + rng.normal(0, 1.5, len(services)))
    size = np.where(services.small, rng.integers(2, 5, len(services)), size)
    result: IntArray = np.clip(size, 2, 15).astype(np.int64)
    return result


def _practice(rng: np.random.Generator, services: Services, orgs: Organisations) -> IntArray:
    practice = np.zeros(len(services), dtype=np.int64)
    for s, facilitator in enumerate(services.facilitator):
        p = np.array(PRACTICE_BY_FACILITATOR[facilitator], dtype=np.float64)
        if orgs.types[services.organisation[s]] == "nhs_trust":
            p = p * np.array([2.0, 1.0, 0.5])
        practice[s] = rng.choice(3, p=p / p.sum())
    return practice


def _posts(
    rng: np.random.Generator, services: Services, practice: IntArray, as_of: int
) -> dict[str, list[int]]:
    """Simulate every post's holders: service, role, start, end, reason, same-person link."""
    team = _team_size(rng, services)
    out: dict[str, list[int]] = {k: [] for k in ("service", "role", "start", "end", "reason")}
    out["previous"] = []  # row of the same person's earlier period, or -1
    for s in range(len(services)):  # services x posts x holders: small Python loops
        opened = day_number(services.start[s])
        window = max(opened, as_of - LOOKBACK_DAYS)
        role_p = normalised(ROLE_P[services.facilitator[s]])
        for _post in range(int(team[s])):
            if opened >= window:
                start = opened + int(rng.integers(0, 61))
            else:
                start = max(opened, window - int(rng.integers(0, 731)))
            role = int(rng.choice(3, p=role_p))
            previous = -1
            while start <= as_of:
                mean = MEAN_TENURE[role] * TENURE_FACTOR[practice[s]]
                end = start + int(rng.exponential(mean))
                reason = int(rng.choice(len(END_REASONS), p=END_P[role]))
                if end > as_of:
                    end, reason = as_of, ONGOING
                out["service"].append(s)
                out["role"].append(role)
                out["start"].append(start)
                out["end"].append(end)
                out["reason"].append(reason)
                out["previous"].append(previous)
                if reason == ONGOING:
                    break
                promoted = role == VOLUNTEER and reason == NEW_ROLE and rng.random() < PROMOTED
                if promoted and end + 1 <= as_of:
                    previous, role, start = len(out["start"]) - 1, PAID, end + 1
                    continue
                previous = -1
                start = end + int(rng.integers(14, 91))
                role = int(rng.choice(3, p=role_p))
    return out


def make_workers(
    rng: np.random.Generator, orgs: Organisations, services: Services, as_of: dt.date
) -> Workers:
    """Draw every service's peer workers up to ``as_of`` (nothing is dated after it)."""
    today = day_number(as_of)
    practice = _practice(rng, services, orgs)
    posts = _posts(rng, services, practice, today)
    service = np.array(posts["service"], dtype=np.int64)
    n = int(service.shape[0])
    previous = np.array(posts["previous"], dtype=np.int64)
    org = np.array(services.organisation, dtype=np.int64)[service]
    person = np.arange(n)
    for row in np.flatnonzero(previous >= 0):  # promotions: rows are in time order
        person[row] = person[previous[row]]
    role = np.array(posts["role"], dtype=np.int64)
    start = np.array(posts["start"], dtype=np.int64)
    end = np.array(posts["end"], dtype=np.int64)
    reason = np.array(posts["reason"], dtype=np.int64)
    own = practice[service]
    follow = rng.random(n) < 0.8
    sup_type = np.where(
        follow, _pick(rng, TYPE_P[own]), rng.integers(len(SUPERVISION_TYPES), size=n)
    )
    frequency = np.where(
        follow, _pick(rng, FREQUENCY_P[own]), rng.integers(len(FREQUENCIES), size=n)
    )
    frequency = np.where(
        sup_type == SUPERVISION_TYPES.index("none"), FREQUENCIES.index("none"), frequency
    )
    sup_type = np.where(
        frequency == FREQUENCIES.index("none"), SUPERVISION_TYPES.index("none"), sup_type
    )
    in_post = end - start
    settled = in_post >= 60
    u = rng.random(n)
    training = np.where(
        settled,
        np.where(u < 0.85, 2, np.where(u < 0.9, 1, 0)),
        np.where(u < 0.7, 1, 0),
    )
    nhs = np.array([orgs.types[o] == "nhs_trust" for o in services.organisation])[service]
    paid_led = np.array([f == "paid_peer_workers" for f in services.facilitator])[service]
    accredited = rng.random(n) < np.where(nhs | paid_led, 0.7, 0.3)
    done = training == 2
    hours_trained = np.where(
        done,
        np.where(accredited, rng.integers(40, 121, n), rng.integers(12, 41, n)),
        np.where(training == 1, rng.integers(2, 20, n), 0),
    )
    hours = np.select(
        [role == VOLUNTEER, role == PAID],
        [
            np.round(np.clip(rng.gamma(3.0, 1.6, n), 1, 16) * 2) / 2,
            rng.choice([15.0, 22.5, 30.0, 37.5], size=n, p=[0.2, 0.3, 0.2, 0.3]),
        ],
        np.round(np.clip(rng.gamma(2.5, 3.0, n), 2, 20) * 2) / 2,
    )
    condition = np.array([CONDITIONS.index(c) for c in services.condition], dtype=np.int64)[service]
    focus = np.where(rng.random(n) < 0.85, condition, CONDITIONS.index("mental_health"))
    number = _numbers(org, person)
    return Workers(
        service=service,
        number=number,
        key=org_keys(rng, org, number, len(orgs.ids), "w"),
        role=role,
        start=start,
        end=end,
        ongoing=reason == ONGOING,
        reason=reason,
        practice=own,
        supervision_type=sup_type,
        frequency=frequency,
        supervision_null=rng.random(n) < 0.05,
        training=training,
        training_null=rng.random(n) < 0.04,
        accredited=accredited,
        training_hours=hours_trained,
        hours=hours,
        hours_null=rng.random(n) < 0.05,
        focus=focus,
        focus_null=rng.random(n) < 0.1,
    )


def _pick(rng: np.random.Generator, probabilities: FloatArray) -> IntArray:
    """One category per row from that row's own probability vector."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(int(probabilities.shape[0])).reshape(-1, 1)
    chosen: IntArray = np.minimum((u >= cumulative).sum(axis=1), probabilities.shape[1] - 1)
    return chosen


def _numbers(org: IntArray, person: IntArray) -> IntArray:
    """Worker numbers 1001, 1002 ... inside each organisation, one per person."""
    number = np.zeros(org.shape[0], dtype=np.int64)
    for o in np.unique(org):
        rows = np.flatnonzero(org == o)
        people, first = np.unique(person[rows], return_inverse=True)
        number[rows] = 1001 + first
        assert people.shape[0] <= MAX_WORKERS_PER_ORG
    return number


def worker_columns(workers: Workers, service_ids: list[str]) -> dict[str, Any]:
    """Columns of ``peer_workers``."""
    done = workers.training == 2
    trained_null = workers.training_null
    return {
        "worker_key": pa.array(workers.key, pa.string()),
        "service_id": categorical(workers.service, service_ids),
        "role": categorical(workers.role, ROLES),
        "start_date": dates(workers.start),
        "end_reason": categorical(workers.reason, END_REASONS),
        "end_date": dates(workers.end, null=workers.ongoing),
        "hours_per_week": pa.array(workers.hours, pa.float64(), mask=workers.hours_null),
        "training_status": categorical(workers.training, TRAINING, null=trained_null),
        "training_hours": integers(workers.training_hours, null=trained_null),
        "training_accredited": pa.array(workers.accredited, pa.bool_(), mask=~done | trained_null),
        "supervision_type": categorical(
            workers.supervision_type, SUPERVISION_TYPES, null=workers.supervision_null
        ),
        "supervision_frequency": categorical(
            workers.frequency, FREQUENCIES, null=workers.supervision_null
        ),
        "lived_experience_focus": categorical(workers.focus, CONDITIONS, null=workers.focus_null),
    }
