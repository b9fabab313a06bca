"""Participants and their episodes of support (engagements), drawn column by column.

Model (SPEC "Synthetic data"):

* Service sizes: small services get 10-30 participants; the others share the rest in
  proportion to their log-normal weights (a multinomial draw).
* Participant keys are real pseudonyms: HMAC-SHA256 of a synthetic local id under a
  per-organisation secret derived from the seed (``peerbench.schema.pseudonym``).
* Age bands depend on the condition (mental health younger, stroke/dementia older,
  perinatal 18-44); sex likewise (perinatal 97% female, substance use 30%). Ethnicity
  follows ONS 2021 England and Wales shares (about 81% white British or other white),
  with London services about three times as diverse; 5% not recorded. IMD decile is
  skewed towards the most deprived (decile 1 about 15%, decile 10 about 6%).
  consent_research 85%, consent_quotes 40%; referral source depends on the setting.
* One engagement per participant, starting between the service opening (at most four
  years back) and a week before the extract date, weighted towards recent years. About
  5% who finished have a second episode 1-12 months later.
* Structured programmes last their 6-12 weeks; ad hoc support lasts an exponential
  number of days (mean about six months). End reasons depend on structure; support that
  would end after the extract date is ``ongoing`` with no end date. Sessions offered
  follow the programme (or weeks of drop-in); attended is binomial on offered with a
  rate that depends on the end reason, so attended never exceeds offered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from peerbench.synth.columns import BoolArray, IntArray, day_number, normalised, weighted_choice
from peerbench.synth.demographics import (
    AGE_GROUP,
    AGE_P,
    ETHNICITIES,
    ETHNICITY_P,
    FEMALE_SHARE,
    IMD_P,
    REFERRAL_DEFAULT,
    REFERRAL_P,
)
from peerbench.synth.organisations import CONDITIONS, Organisations, Services

END_REASONS = ("completed", "disengaged", "moved_on", "transferred", "ongoing", "other")
ONGOING = END_REASONS.index("ongoing")
END_P_STRUCTURED = normalised([60, 25, 7, 5, 0, 3])
END_P_AD_HOC = normalised([20, 40, 28, 6, 0, 6])
# Share of offered sessions attended, by end reason (indexed like END_REASONS).
ATTEND_RATE = np.array([0.85, 0.35, 0.7, 0.6, 0.75, 0.5])
# Fraction of the planned length actually spent, low-high, by end reason.
STAY_LOW = np.array([1.0, 0.1, 0.5, 0.2, 1.0, 0.1])
STAY_HIGH = np.array([1.0, 0.7, 1.2, 0.9, 1.0, 1.0])
LOOKBACK_DAYS = 4 * 365
"""How far back before the extract date synthetic activity starts (people, referrals and
peer workers alike)."""


@dataclass(frozen=True)
class Participants:
    """Participant columns; code columns hold indices into the module's vocabularies."""

    service: IntArray
    organisation: IntArray
    key: list[str]
    age: IntArray
    sex: IntArray
    ethnicity: IntArray
    ethnicity_null: BoolArray
    imd: IntArray
    imd_null: BoolArray
    primary: IntArray
    primary_null: BoolArray
    referral: IntArray
    referral_null: BoolArray
    consent_research: BoolArray
    consent_quotes: BoolArray

    def __len__(self) -> int:
        return int(self.service.shape[0])


@dataclass(frozen=True)
class Engagements:
    """Episodes of support. Rows ``0..P-1`` are each participant's first episode."""

    participant: IntArray
    start: IntArray
    end: IntArray
    ongoing: BoolArray
    reason: IntArray
    offered: IntArray
    offered_null: BoolArray
    attended: IntArray
    attended_null: BoolArray

    def __len__(self) -> int:
        return int(self.participant.shape[0])


def allocate(rng: np.random.Generator, services: Services, total: int) -> IntArray:
    """Participants per service: 10-30 for small services, the rest by weight."""
    small = np.array(services.small, dtype=np.bool_)
    sizes = np.zeros(len(services), dtype=np.int64)
    sizes[small] = rng.integers(10, 31, size=int(small.sum()))
    rest = max(total - int(sizes.sum()), 0)
    if (~small).any():
        weights = np.array(services.weight)[~small]
        sizes[~small] = rng.multinomial(rest, weights / weights.sum())
    return sizes


def _keys(rng: np.random.Generator, organisation: IntArray, n_orgs: int) -> list[str]:
    """HMAC pseudonyms of synthetic local ids, one secret per organisation.

    Equal to :func:`peerbench.schema.pseudonym.participant_key` (the local ids are
    already normalised: lower case, no spaces), but HMAC-SHA256 is spelt out over
    pre-keyed SHA-256 states that are copied per id: about five times faster than
    re-keying for every one of millions of participants.
    """
    keys = [""] * organisation.shape[0]
    order = np.argsort(organisation, kind="stable")
    bounds = np.searchsorted(organisation[order], np.arange(n_orgs + 1))
    for o in range(n_orgs):  # one loop per organisation; ids inside are a comprehension
        inner, outer = _keyed_states(rng.bytes(32))
        rows = order[bounds[o] : bounds[o + 1]]
        made = [
            _hmac_hex(inner, outer, f"p{number:07d}".encode())
            for number in range(1001, 1001 + len(rows))
        ]
        for position, key in zip(rows.tolist(), made, strict=True):
            keys[position] = key
    return keys


def org_keys(
    rng: np.random.Generator, organisation: IntArray, number: IntArray, n_orgs: int, prefix: str
) -> list[str]:
    """HMAC pseudonyms of local ids ``<prefix><number:07d>`` under one secret per organisation.

    The same construction as participants' keys (:func:`_keys`), for other people an
    organisation holds ids of: peer workers (``w``), people referred who never started
    (``r``). Rows with equal organisation and number get the same key.
    """
    keys = [""] * organisation.shape[0]
    for o in range(n_orgs):  # one loop per organisation; ids inside are a comprehension
        inner, outer = _keyed_states(rng.bytes(32))
        rows = np.flatnonzero(organisation == o)
        for position, value in zip(rows.tolist(), number[rows].tolist(), strict=True):
            keys[position] = _hmac_hex(inner, outer, f"{prefix}{value:07d}".encode())
    return keys


def _keyed_states(secret: bytes) -> tuple[Any, Any]:
    """SHA-256 states after absorbing the HMAC inner and outer padded keys (RFC 2104)."""
    block = secret.ljust(64, b"\0")  # secrets are 32 bytes: shorter than the block size
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def _hmac_hex(inner: Any, outer: Any, message: bytes) -> str:
    first = inner.copy()
    first.update(message)
    second = outer.copy()
    second.update(first.digest())
    key: str = second.hexdigest()[:32]
    return key


def make_participants(
    rng: np.random.Generator, orgs: Organisations, services: Services, sizes: IntArray
) -> Participants:
    """Draw every participant's demographics; rows are grouped by service."""
    service = np.repeat(np.arange(len(services)), sizes)
    n = int(service.shape[0])
    org = np.array(services.organisation, dtype=np.int64)[service]
    condition = np.array(services.condition)
    age_group = np.array([AGE_GROUP[c] for c in services.condition], dtype=np.int64)[service]
    female = np.array([FEMALE_SHARE.get(c, 0.55) for c in services.condition])[service]
    u = rng.random(n)
    sex = np.where(u < 0.02, 2, np.where(u < 0.02 + 0.98 * female, 0, 1))
    london = np.array([r == "london" for r in orgs.regions])[org].astype(np.int64)
    eth_p = np.array(list(ETHNICITY_P.values()))
    diverse = np.where([e in ("white_british", "not_stated") for e in ETHNICITIES], 0.5, 3.0)
    ethnicity_p = np.vstack([eth_p, eth_p * diverse])
    conditions = list(dict.fromkeys(services.condition))
    primary_options = np.array(
        [
            "mental_health",
            "diabetes",
            "cardiovascular",
            "respiratory",
            "musculoskeletal",
            "stroke",
            "multiple_ltc",
            "cancer",
        ]
    )
    own = np.array([CONDITIONS.index(c) for c in condition], dtype=np.int64)[service]
    other = np.array([CONDITIONS.index(c) for c in primary_options])[
        rng.integers(len(primary_options), size=n)
    ]
    if "other" in conditions:  # loneliness services: any primary condition
        own = np.where(own == CONDITIONS.index("other"), other, own)
    primary = np.where(rng.random(n) < 0.88, own, other)
    setting_group = np.array(
        [list(REFERRAL_P).index(s) if s in REFERRAL_P else 3 for s in services.setting]
    )[service]
    referral_p = np.vstack(
        [*[normalised(p) for p in REFERRAL_P.values()], normalised(REFERRAL_DEFAULT)]
    )
    return Participants(
        service=service,
        organisation=org,
        key=_keys(rng, org, len(orgs.ids)),
        age=weighted_choice(rng, AGE_P / AGE_P.sum(axis=1, keepdims=True), age_group),
        sex=sex.astype(np.int64),
        ethnicity=weighted_choice(rng, ethnicity_p / ethnicity_p.sum(1, keepdims=True), london),
        ethnicity_null=rng.random(n) < 0.05,
        imd=rng.choice(10, size=n, p=IMD_P) + 1,
        imd_null=rng.random(n) < 0.08,
        primary=primary,
        primary_null=rng.random(n) < 0.12,
        referral=weighted_choice(rng, referral_p, setting_group),
        referral_null=rng.random(n) < 0.1,
        consent_research=rng.random(n) < 0.85,
        consent_quotes=rng.random(n) < 0.40,
    )


def make_engagements(
    rng: np.random.Generator, services: Services, people: Participants, as_of: dt.date
) -> Engagements:
    """Draw one episode per participant and a second episode for about 5% who finished."""
    n = len(people)
    s = people.service
    last_start = day_number(as_of) - 7
    opened = np.maximum(
        np.array([day_number(d) for d in services.start])[s], last_start - LOOKBACK_DAYS
    )
    opened = np.minimum(opened, last_start)
    # u ** 0.7 puts more starts in recent years: services grow.
    start = opened + np.floor((last_start - opened) * rng.random(n) ** 0.7).astype(np.int64)
    first = _episodes(rng, services, s, start, day_number(as_of))
    finished = ~first.ongoing
    again = finished & (rng.random(n) < 0.05)
    start2 = first.end + rng.integers(30, 366, size=n)
    again &= start2 <= last_start
    idx = np.flatnonzero(again)
    second = _episodes(rng, services, s[idx], start2[idx], day_number(as_of))
    return Engagements(
        participant=np.concatenate([np.arange(n), idx]),
        start=np.concatenate([start, start2[idx]]),
        end=np.concatenate([first.end, second.end]),
        ongoing=np.concatenate([first.ongoing, second.ongoing]),
        reason=np.concatenate([first.reason, second.reason]),
        offered=np.concatenate([first.offered, second.offered]),
        offered_null=np.concatenate([first.offered_null, second.offered_null]),
        attended=np.concatenate([first.attended, second.attended]),
        attended_null=np.concatenate([first.attended_null, second.attended_null]),
    )


def _episodes(
    rng: np.random.Generator, services: Services, s: IntArray, start: IntArray, as_of: int
) -> Engagements:
    """Length, end reason and sessions of episodes starting on ``start`` at services ``s``."""
    n = int(s.shape[0])
    structured = np.array(services.structured, dtype=np.bool_)[s]
    weeks = np.array(services.programme_weeks, dtype=np.int64)[s]
    p = np.vstack([END_P_AD_HOC, END_P_STRUCTURED])
    reason = weighted_choice(rng, p, structured.astype(np.int64))
    planned = np.where(
        structured, weeks * 7 + rng.integers(-7, 8, size=n), 14 + rng.exponential(170.0, size=n)
    )
    stay = STAY_LOW[reason] + (STAY_HIGH[reason] - STAY_LOW[reason]) * rng.random(n)
    length = np.maximum(np.round(planned * stay), 0).astype(np.int64)
    end = start + length
    ongoing = end > as_of
    reason = np.where(ongoing, ONGOING, reason)
    end = np.where(ongoing, as_of, end)  # placeholder; nulled in the table
    elapsed_weeks = np.maximum((end - start) // 7, 0) + 1
    offered = np.where(
        structured, np.where(ongoing, np.minimum(elapsed_weeks, weeks), weeks), elapsed_weeks
    )
    offered_null = ~np.array(services.records_offered, dtype=np.bool_)[s]
    attended = rng.binomial(offered, ATTEND_RATE[reason])
    attended = np.clip(np.maximum(attended, 1), 0, offered)
    return Engagements(
        participant=np.arange(n),
        start=start,
        end=end,
        ongoing=ongoing,
        reason=reason,
        offered=offered,
        offered_null=offered_null,
        attended=attended,
        attended_null=rng.random(n) < 0.03,
    )
