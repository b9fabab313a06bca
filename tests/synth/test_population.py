"""Participants and engagements: pseudonyms, demographics, episode rules."""

from __future__ import annotations

import collections

import numpy as np
import pyarrow.compute as pc

from peerbench.schema.pseudonym import participant_key
from peerbench.synth import SyntheticDataset
from peerbench.synth.population import _keys


def test_keys_are_real_hmac_pseudonyms() -> None:
    organisation = np.array([0, 1, 0, 1, 1])
    keys = _keys(np.random.default_rng(5), organisation, 2)
    secrets = np.random.default_rng(5)
    first, second = secrets.bytes(32), secrets.bytes(32)
    assert keys[0] == participant_key("p0001001", first)
    assert keys[2] == participant_key("P0001002", first)  # normalised the same way
    assert keys[4] == participant_key("p0001003", second)


def _share(values: list[object], wanted: object) -> float:
    return sum(v == wanted for v in values) / len(values)


def test_demographics_are_plausible(medium: SyntheticDataset) -> None:
    people = medium["participant"]
    assert 0.82 < _share(people.column("consent_research").to_pylist(), True) < 0.88
    assert 0.36 < _share(people.column("consent_quotes").to_pylist(), True) < 0.44
    ethnicity = pc.drop_null(people.column("ethnicity")).to_pylist()
    white = sum(e in ("white_british", "white_other", "white_irish") for e in ethnicity)
    assert 0.70 < white / len(ethnicity) < 0.88
    deciles = collections.Counter(pc.drop_null(people.column("deprivation_decile")).to_pylist())
    assert deciles[1] > deciles[10] * 1.5
    assert set(people.column("sex").to_pylist()) == {"female", "male", "not_stated"}


def test_age_depends_on_condition(medium: SyntheticDataset) -> None:
    people = medium["participant"].join(
        medium["service"].select(["service_id", "condition_focus"]), "service_id"
    )
    older = ("65_74", "75_plus")
    shares = {}
    for condition in ("mental_health", "stroke", "cardiovascular", "dementia"):
        ages = people.filter(pc.equal(people.column("condition_focus"), condition))
        if ages.num_rows:
            shares[condition] = _share(
                [a in older for a in ages.column("age_band").to_pylist()], True
            )
    assert shares["mental_health"] < min(v for k, v in shares.items() if k != "mental_health")


def test_engagement_rules(medium: SyntheticDataset) -> None:
    engagements = medium["engagement"]
    ongoing = pc.equal(engagements.column("end_reason"), "ongoing")
    assert pc.all(pc.equal(ongoing, pc.is_null(engagements.column("end_date")))).as_py()
    ended = engagements.filter(pc.invert(ongoing))
    assert pc.all(pc.greater_equal(ended.column("end_date"), ended.column("start_date"))).as_py()
    both = engagements.filter(
        pc.and_(
            pc.is_valid(engagements.column("sessions_offered")),
            pc.is_valid(engagements.column("sessions_attended")),
        )
    )
    assert pc.all(
        pc.less_equal(both.column("sessions_attended"), both.column("sessions_offered"))
    ).as_py()
    reasons = set(engagements.column("end_reason").to_pylist())
    assert {"completed", "disengaged", "moved_on", "transferred", "ongoing"} <= reasons


def test_most_people_have_one_episode(medium: SyntheticDataset) -> None:
    episodes = medium["engagement"].num_rows / medium["participant"].num_rows
    assert 1.0 < episodes < 1.1
