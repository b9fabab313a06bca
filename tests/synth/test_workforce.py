"""Synthetic peer workers: teams, turnover by role, end reasons, supervision and training."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pyarrow.compute as pc

from peerbench.synth import SynthConfig, SyntheticDataset
from peerbench.synth.columns import day_number
from peerbench.synth.config import stream
from peerbench.synth.organisations import make_organisations, make_services
from peerbench.synth.workforce import (
    END_REASONS,
    FREQUENCIES,
    NEW_ROLE,
    PAID,
    ROLES,
    SESSIONAL,
    SUPERVISION_TYPES,
    VOLUNTEER,
    Workers,
    make_workers,
)

AS_OF = dt.date(2026, 9, 30)


@functools.cache
def _many() -> Workers:
    """About 8,000 worker periods from 300 organisations: enough for shares to +/- 2%."""
    orgs = make_organisations(stream(5, "organisations"), 300)
    services = make_services(stream(5, "services"), orgs, AS_OF)
    return make_workers(stream(5, "workers"), orgs, services, AS_OF)


def _retention(workers: Workers, role: int, days: int) -> float:
    today = day_number(AS_OF)
    cohort = (workers.start <= today - days) & (workers.role == role)
    stayed = workers.ongoing | (workers.end > workers.start + days)
    return float(stayed[cohort].mean())


def test_volunteers_turn_over_faster_than_paid_workers() -> None:
    workers = _many()
    assert 0.50 < _retention(workers, VOLUNTEER, 365) < 0.60
    assert 0.70 < _retention(workers, PAID, 365) < 0.80
    assert _retention(workers, VOLUNTEER, 365) < _retention(workers, SESSIONAL, 365)
    assert _retention(workers, VOLUNTEER, 182) > _retention(workers, VOLUNTEER, 365)


def test_end_reasons_include_own_health_and_role_strain() -> None:
    workers = _many()
    left = workers.reason[~workers.ongoing]
    share = {name: float((left == i).mean()) for i, name in enumerate(END_REASONS)}
    assert share["ongoing"] == 0.0
    assert 0.20 < share["own_health"] + share["role_strain"] < 0.35
    assert all(share[name] > 0 for name in END_REASONS[1:])
    assert (workers.reason[workers.ongoing] == 0).all()


def test_teams_of_two_to_fifteen_in_post() -> None:
    workers = _many()
    in_post = np.bincount(workers.service[workers.ongoing])
    staffed = in_post[in_post > 0]
    assert staffed.max() <= 15
    assert np.median(staffed) >= 3
    assert (in_post >= 2).mean() > 0.85  # a post can be vacant on the day


def test_a_promoted_volunteer_keeps_the_key_in_a_new_paid_period() -> None:
    workers = _many()
    keys = np.array(workers.key)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    again = np.flatnonzero(counts > 1)
    assert again.shape[0] > 10
    for index in first[again][:50]:
        rows = np.flatnonzero(keys == keys[index])
        assert workers.role[rows[0]] == VOLUNTEER and workers.reason[rows[0]] == NEW_ROLE
        assert workers.role[rows[1]] == PAID
        assert workers.start[rows[1]] == workers.end[rows[0]] + 1
        assert workers.service[rows[0]] == workers.service[rows[1]]


def test_supervision_differs_between_services() -> None:
    workers = _many()
    at_least_monthly = np.isin(workers.frequency, [0, 1, 2]) & (
        workers.supervision_type != SUPERVISION_TYPES.index("none")
    )
    per_service = np.bincount(workers.service, weights=at_least_monthly) / np.bincount(
        workers.service
    )
    assert (per_service > 0.9).mean() > 0.2
    assert (per_service < 0.5).mean() > 0.1
    none = workers.supervision_type == SUPERVISION_TYPES.index("none")
    assert (workers.frequency[none] == FREQUENCIES.index("none")).all()


def test_training_is_mostly_completed_after_two_months() -> None:
    workers = _many()
    settled = (workers.end - workers.start) >= 60
    assert 0.8 < (workers.training[settled] == 2).mean() < 0.9
    assert (workers.training[~settled] != 2).all()
    done = workers.training == 2
    assert 0.3 < workers.accredited[done].mean() < 0.7
    assert (workers.training_hours[done] >= 12).all()


def test_hours_by_role() -> None:
    workers = _many()
    assert np.median(workers.hours[workers.role == VOLUNTEER]) < 8
    assert np.median(workers.hours[workers.role == PAID]) >= 22.5
    assert ROLES[PAID] == "paid"


def test_the_table_is_valid_and_dated_up_to_as_of(small: SyntheticDataset) -> None:
    table = small["peer_worker"]
    assert table.num_rows > 0
    as_of = small.config.as_of
    assert pc.max(table["start_date"]).as_py() <= as_of
    ongoing = pc.equal(table["end_reason"], "ongoing")
    assert pc.all(pc.equal(ongoing, table["end_date"].is_null())).as_py()


def test_deterministic_by_seed() -> None:
    config = SynthConfig(seed=4, organisations=3, outcome_rows=100)
    orgs = make_organisations(stream(config.seed, "organisations"), config.organisations)
    services = make_services(stream(config.seed, "services"), orgs, AS_OF)
    first = make_workers(stream(4, "workers"), orgs, services, AS_OF)
    second = make_workers(stream(4, "workers"), orgs, services, AS_OF)
    assert first.key == second.key
    assert np.array_equal(first.end, second.end)
