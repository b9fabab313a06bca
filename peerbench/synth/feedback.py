"""Qualitative feedback coded to themes, with quotes only where people consented.

Model (SPEC "Synthetic data"): about 12% of participants give one piece of feedback
(a tenth of those a second), dated during their first episode, plus anonymous feedback
(a quarter as many again, no participant key). Each has 1-3 distinct themes, weighted
towards connection, shared experience and hope; a few raise a concern. Named feedback
may be quoted when the participant agreed to quotes (90% of the time), anonymous feedback
40% of the time; free text, from a small phrase bank chosen by the first theme, is
present for 90% of quotable feedback and never otherwise. Half the rows have been
reviewed and released.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.synth.columns import (
    IntArray,
    categorical,
    dates,
    day_number,
    normalised,
    numbered_ids,
)
from peerbench.synth.organisations import Services
from peerbench.synth.population import Engagements, Participants

THEMES = (
    "connection",
    "shared_experience",
    "confidence",
    "information",
    "hope",
    "wellbeing",
    "access",
    "delivery",
    "concern",
    "other",
)
THEME_WEIGHTS = normalised([22, 20, 12, 8, 14, 10, 5, 5, 2, 2])
PHRASES: dict[str, tuple[str, ...]] = {
    "connection": (
        "I don't feel on my own with it any more.",
        "Coming to the group gave me somewhere to belong.",
    ),
    "shared_experience": (
        "Talking to someone who has been there made all the difference.",
        "They understood without me having to explain.",
    ),
    "confidence": (
        "I feel more able to manage things day to day.",
        "I now ask my doctor the questions I used to keep to myself.",
    ),
    "information": ("I picked up practical tips I never got anywhere else.",),
    "hope": ("For the first time in ages I can see things getting better.",),
    "wellbeing": ("My mood has lifted since I started coming.",),
    "access": ("They helped me find other support I didn't know existed.",),
    "delivery": ("The sessions were relaxed and easy to fit around my week.",),
    "concern": ("Sometimes the sessions were cancelled at short notice.",),
    "other": ("It was different from what I expected, in a good way.",),
}
BANK = [phrase for theme in THEMES for phrase in PHRASES[theme]]
BANK_COUNT = np.array([len(PHRASES[theme]) for theme in THEMES])
BANK_START = np.cumsum(BANK_COUNT) - BANK_COUNT


def _themes(rng: np.random.Generator, n: int) -> tuple[Any, IntArray]:
    """1-3 distinct weighted themes per row, as an Arrow list column."""
    count = rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15])
    # Weighted sampling without replacement: the k smallest of -log(u)/w (exponential race).
    race = -np.log(rng.random((n, len(THEMES)))) / THEME_WEIGHTS
    order = np.argsort(race, axis=1)[:, :3]
    keep = np.arange(3) < count[:, None]
    values = order[keep]
    offsets = np.concatenate([[0], np.cumsum(count)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), categorical(values, THEMES)), order[:, 0]


def feedback_columns(
    rng: np.random.Generator,
    services: Services,
    people: Participants,
    episodes: Engagements,
    as_of: dt.date,
    keys: Any,
) -> dict[str, Any]:
    """Columns of ``feedback``."""
    n_people = len(people)
    giver = np.flatnonzero(rng.random(n_people) < 0.12)
    giver = np.concatenate([giver, giver[rng.random(giver.shape[0]) < 0.1]])
    n_named = giver.shape[0]
    n_anon = round(n_named * 0.25)
    anon_person = rng.integers(n_people, size=n_anon) if n_people else np.zeros(0, np.int64)
    person = np.concatenate([giver, anon_person]).astype(np.int64)
    n = int(person.shape[0])
    named = np.arange(n) < n_named
    start = episodes.start[person]
    last = np.where(episodes.ongoing[person], day_number(as_of), episodes.end[person])
    day = start + np.floor((last - start + 1) * rng.random(n)).astype(np.int64)
    day = np.minimum(day, day_number(as_of))
    consent = np.where(
        named, people.consent_quotes[person] & (rng.random(n) < 0.9), rng.random(n) < 0.4
    )
    has_text = consent & (rng.random(n) < 0.9)
    themes, first = _themes(rng, n)
    # A phrase for the first theme: index into the flat bank, vectorised over rows.
    phrase = BANK_START[first] + np.floor(rng.random(n) * BANK_COUNT[first]).astype(np.int64)
    order = np.argsort(day, kind="stable")
    return {
        "feedback_id": numbered_ids("fb-", np.arange(1, n + 1), max(5, len(str(n)))),
        "service_id": categorical(people.service[person][order], services.ids),
        "feedback_date": dates(day[order]),
        "themes": themes.take(pa.array(order)),
        "consent_to_quote": pa.array(consent[order]),
        "participant_key": pc.if_else(
            pa.array(named[order]),
            keys.take(pa.array(person[order])),
            pa.scalar(None, pa.string()),
        ),
        "free_text": categorical(phrase[order], BANK, null=~has_text[order]),
        "released_after_review": pa.array(rng.random(n) < 0.5),
    }
