"""Synthetic referrals: every participant's, plus those who never started; waits by route."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.synth import SyntheticDataset
from peerbench.synth.referrals import DECIDING, MAX_WAIT, non_start_chance


def _waits(table: pa.Table) -> np.ndarray:
    contact = table["first_contact_date"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    referred = table["referral_date"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    return np.asarray(contact - referred)


def test_every_episode_has_a_started_referral_before_it(small: SyntheticDataset) -> None:
    referrals = small["referral"]
    started = referrals.filter(pc.equal(referrals["uptake"], "started"))
    assert started.num_rows == small["engagement"].num_rows
    assert started["first_contact_date"].null_count == 0
    keys = set(small["participant"]["participant_key"].to_pylist())
    assert set(started["participant_key"].to_pylist()) <= keys
    starts: dict[tuple[str, str], list[Any]] = {}
    for e in small["engagement"].to_pylist():
        starts.setdefault((e["participant_key"], e["service_id"]), []).append(e["start_date"])
    for r in started.to_pylist():
        # Each started referral leads, at most 81 days later, to an episode at that service.
        later = [
            d
            for d in starts[(r["participant_key"], r["service_id"])]
            if r["first_contact_date"] <= d
        ]
        assert later, r
        assert (min(later) - r["referral_date"]).days <= MAX_WAIT + 21


def test_first_contact_is_never_before_the_referral(small: SyntheticDataset) -> None:
    referrals = small["referral"]
    waits = _waits(referrals.filter(referrals["first_contact_date"].is_valid()))
    assert waits.min() >= 0 and waits.max() <= MAX_WAIT


def test_about_a_third_never_start_and_more_in_deprived_areas(medium: SyntheticDataset) -> None:
    referrals = medium["referral"]
    started = pc.equal(referrals["uptake"], "started").to_numpy(zero_copy_only=False)
    assert 0.25 < 1 - started.mean() < 0.35
    decile = referrals["deprivation_decile"].to_numpy(zero_copy_only=False)
    most = np.isin(decile, [1, 2])
    least = np.isin(decile, [9, 10])
    assert (1 - started[most].mean()) > (1 - started[least].mean()) + 0.08
    reasons = set(referrals.filter(pc.invert(pa.array(started)))["uptake"].to_pylist())
    assert {"declined", "no_contact", "not_suitable", "waiting", "did_not_attend"} <= reasons


def test_the_chance_of_not_starting_falls_with_deprivation() -> None:
    decile = np.arange(1, 11)
    route = np.full(10, 1)  # gp
    q = non_start_chance(decile, np.zeros(10, dtype=np.bool_), route)
    assert np.all(np.diff(q) < 0)
    assert abs(q[0] - 0.40 * 1.15) < 1e-12


def test_self_referrals_are_seen_fastest_secondary_care_slowest(
    medium: SyntheticDataset,
) -> None:
    referrals = medium["referral"]
    contacted = referrals.filter(referrals["first_contact_date"].is_valid())
    waits = _waits(contacted)
    route = np.array(contacted["referral_route"].to_pylist())
    median = {r: float(np.median(waits[route == r])) for r in set(route.tolist())}
    assert median["self"] == min(median.values())
    assert median["secondary_care"] == max(median.values())
    assert np.quantile(waits, 0.9) > 2 * np.median(waits)  # right-skewed


def test_waiting_only_near_the_extract_date(medium: SyntheticDataset) -> None:
    referrals = medium["referral"]
    waiting = referrals.filter(pc.equal(referrals["uptake"], "waiting"))
    assert waiting.num_rows > 0
    as_of = medium.config.as_of
    earliest = pc.min(waiting["referral_date"]).as_py()
    assert (as_of - earliest).days <= MAX_WAIT + DECIDING
    assert pc.max(referrals["referral_date"]).as_py() <= as_of
    assert pc.max(referrals["first_contact_date"]).as_py() <= as_of
    no_contact = referrals.filter(pc.equal(referrals["uptake"], "no_contact"))
    assert no_contact["first_contact_date"].null_count == no_contact.num_rows
