"""Referrals: one for every episode of support, plus people referred who never started.

Model (SPEC "Synthetic data"):

* Every engagement has a referral with uptake ``started``: the route is the participant's
  referral source (drawn from the service's setting when that is not recorded), and
  condition and deprivation decile are the participant's.
* The wait from referral to first contact is log-normal (sigma 0.8) with a median that
  depends on the route (self-referral 4 days, charity 7, social prescriber 9, GP 11,
  other 11, secondary care 18), floored to whole days and capped at 60: most people are
  contacted within two weeks, a long tail waits up to two months. First contact is 0-21
  days before support starts; a second episode's referral comes after the first ended.
* People who never started: next to each participant the service received, on average,
  ``q / (1 - q)`` referrals of people with the same route and deprivation decile who did
  not start, where ``q`` falls from 40% in decile 1 to 22% in decile 10 (30% when the
  decile is unknown) and is higher for GP (x1.15) and secondary-care (x1.1) referrals,
  lower for self-referrals (x0.7). Overall about 30% of referrals do not start. Their
  referral dates spread over the service's last four years; one whose first contact
  would come after the extract date, or came less than 14 days before it, is still
  ``waiting``; the others declined (30%),
  could not be contacted (25%), did not attend the first session (15%), were not
  suitable (12%), were referred elsewhere (10%) or other (8%). First contact is recorded
  when there was one (not for ``no_contact`` nor ``waiting`` ones not yet contacted;
  half of ``other``).
* Channel depends on the route (GP and hospital referrals mostly electronic, self
  referrals online or by phone); 30% not recorded (extended tier).
* A person who never started has a key made like a participant's, from a local id
  ``r0001001`` ... under the organisation's secret.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from peerbench.synth.columns import (
    BoolArray,
    IntArray,
    categorical,
    dates,
    day_number,
    integers,
    normalised,
    weighted_choice,
)
from peerbench.synth.demographics import REFERRAL_DEFAULT, REFERRAL_P, REFERRALS
from peerbench.synth.organisations import CONDITIONS, Organisations, Services
from peerbench.synth.population import LOOKBACK_DAYS, Engagements, Participants, org_keys

UPTAKE = (
    "started",
    "waiting",
    "declined",
    "no_contact",
    "not_suitable",
    "referred_elsewhere",
    "did_not_attend",
    "other",
)
STARTED, WAITING = 0, 1
NOT_STARTED_P = normalised([0, 0, 30, 25, 12, 10, 15, 8])
MEDIAN_WAIT = np.array([4.0, 11.0, 18.0, 9.0, 7.0, 11.0])
"""Median days referral -> first contact, by route (indexed like REFERRALS)."""
WAIT_SIGMA = 0.8
MAX_WAIT = 60
ROUTE_FACTOR = np.array([0.7, 1.15, 1.1, 1.0, 0.9, 1.0])
"""Multiplier of the chance of not starting, by route."""
CHANNELS = (
    "online_form",
    "email",
    "phone",
    "electronic_system",
    "letter",
    "in_person",
    "other",
)
CHANNEL_P = np.vstack(
    [
        normalised([45, 10, 30, 0, 2, 10, 3]),  # self
        normalised([5, 20, 5, 55, 13, 0, 2]),  # gp
        normalised([0, 15, 5, 60, 18, 0, 2]),  # secondary care
        normalised([10, 40, 15, 30, 3, 0, 2]),  # social prescriber
        normalised([15, 45, 30, 0, 5, 3, 2]),  # charity
        normalised([20, 25, 25, 10, 10, 5, 5]),  # other
    ]
)
DECIDING = 14
"""Days after first contact before a referral that will not start is known not to."""


@dataclass(frozen=True)
class Referrals:
    """Referral rows (code columns are indices into the module's vocabularies)."""

    service: IntArray
    date: IntArray
    route: IntArray
    uptake: IntArray
    contact: IntArray
    contact_null: BoolArray
    channel: IntArray
    channel_null: BoolArray
    condition: IntArray
    condition_null: BoolArray
    decile: IntArray
    decile_null: BoolArray

    def __len__(self) -> int:
        return int(self.service.shape[0])


def non_start_chance(decile: IntArray, decile_null: BoolArray, route: IntArray) -> Any:
    """The chance a referral does not start: 40% in decile 1 down to 22% in decile 10."""
    q = np.where(decile_null, 0.30, 0.40 - 0.02 * (decile - 1))
    return np.clip(q * ROUTE_FACTOR[route], 0.05, 0.6)


def _waits(rng: np.random.Generator, route: IntArray) -> IntArray:
    days = np.floor(MEDIAN_WAIT[route] * np.exp(rng.normal(0.0, WAIT_SIGMA, route.shape[0])))
    result: IntArray = np.minimum(days, MAX_WAIT).astype(np.int64)
    return result


def make_referrals(
    rng: np.random.Generator,
    orgs: Organisations,
    services: Services,
    people: Participants,
    episodes: Engagements,
    keys: Any,
    as_of: dt.date,
) -> tuple[Referrals, Any]:
    """Draw the referrals: started ones for every episode, then those that never started.

    Returns:
        The referrals and the Arrow array of their keys (participants' keys first).
    """
    today = day_number(as_of)
    setting_group = np.array(
        [list(REFERRAL_P).index(s) if s in REFERRAL_P else 3 for s in services.setting]
    )
    referral_p = np.vstack(
        [*[normalised(p) for p in REFERRAL_P.values()], normalised(REFERRAL_DEFAULT)]
    )
    n_people = len(people)
    filled = weighted_choice(rng, referral_p, setting_group[people.service])
    route_of = np.where(people.referral_null, filled, people.referral)
    p = episodes.participant
    m = int(p.shape[0])
    route = route_of[p]
    wait = _waits(rng, route)
    gap = np.minimum(rng.geometric(0.2, m) - 1, 21)
    previous_end = np.full(m, -(10**9), dtype=np.int64)
    second = np.arange(m) >= n_people
    previous_end[second] = episodes.end[p[second]]  # first episodes are rows 0..n-1
    lead = np.minimum(wait + gap, episodes.start - previous_end - 1)
    date = episodes.start - lead
    contact = date + np.minimum(wait, lead)

    q = non_start_chance(people.imd, people.imd_null, route_of)
    extra = rng.poisson(q / (1 - q))
    owner = np.repeat(np.arange(n_people), extra)
    k = int(owner.shape[0])
    s = people.service[owner]
    opened = np.array([day_number(d) for d in services.start])[s]
    first = np.clip(np.maximum(opened, today - LOOKBACK_DAYS), None, today)
    ns_date = first + np.floor((today - first) * rng.random(k) ** 0.7).astype(np.int64)
    ns_route = route_of[owner]
    ns_wait = _waits(rng, ns_route)
    uptake = weighted_choice(rng, NOT_STARTED_P[None, :], np.zeros(k, dtype=np.int64))
    uncontacted = ns_date + ns_wait > today
    uptake = np.where(uncontacted | (ns_date + ns_wait + DECIDING > today), WAITING, uptake)
    no_contact = (
        uncontacted
        | (uptake == UPTAKE.index("no_contact"))
        | ((uptake == UPTAKE.index("other")) & (rng.random(k) < 0.5))
    )
    org = np.array(services.organisation, dtype=np.int64)[s]
    numbers = _numbers_by_org(org)
    ns_keys = org_keys(rng, org, numbers, len(orgs.ids), "r")
    all_route = np.concatenate([route, ns_route])
    channel = weighted_choice(rng, CHANNEL_P, all_route)
    total = m + k
    referrals = Referrals(
        service=np.concatenate([people.service[p], s]),
        date=np.concatenate([date, ns_date]),
        route=all_route,
        uptake=np.concatenate([np.full(m, STARTED), uptake]),
        contact=np.concatenate([contact, ns_date + ns_wait]),
        contact_null=np.concatenate([np.zeros(m, dtype=np.bool_), no_contact]),
        channel=channel,
        channel_null=rng.random(total) < 0.3,
        condition=np.concatenate([people.primary[p], people.primary[owner]]),
        condition_null=np.concatenate([people.primary_null[p], people.primary_null[owner]]),
        decile=np.concatenate([people.imd[p], people.imd[owner]]),
        decile_null=np.concatenate([people.imd_null[p], people.imd_null[owner]]),
    )
    all_keys = pa.concat_arrays([keys.take(pa.array(p)), pa.array(ns_keys, pa.string())])
    return referrals, all_keys


def _numbers_by_org(org: IntArray) -> IntArray:
    """Local numbers 1001, 1002 ... in row order inside each organisation."""
    number = np.zeros(org.shape[0], dtype=np.int64)
    for o in np.unique(org):
        rows = np.flatnonzero(org == o)
        number[rows] = 1001 + np.arange(rows.shape[0])
    return number


def referral_columns(referrals: Referrals, keys: Any, service_ids: list[str]) -> dict[str, Any]:
    """Columns of ``referrals``, sorted by service, then referral date, then key."""
    table = pa.table(
        {
            "participant_key": keys,
            "service_id": categorical(referrals.service, service_ids),
            "referral_date": dates(referrals.date),
            "referral_route": categorical(referrals.route, REFERRALS),
            "uptake": categorical(referrals.uptake, UPTAKE),
            "first_contact_date": dates(referrals.contact, null=referrals.contact_null),
            "referral_channel": categorical(
                referrals.channel, CHANNELS, null=referrals.channel_null
            ),
            "primary_condition": categorical(
                referrals.condition, CONDITIONS, null=referrals.condition_null
            ),
            "deprivation_decile": integers(referrals.decile, null=referrals.decile_null),
        }
    )
    order = table.sort_by(
        [
            ("service_id", "ascending"),
            ("referral_date", "ascending"),
            ("participant_key", "ascending"),
        ]
    )
    return {name: order.column(name) for name in order.column_names}
