"""Organisations, services and the instruments they collect."""

from __future__ import annotations

import collections
import datetime as dt

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.synth import SyntheticDataset
from peerbench.synth.config import stream
from peerbench.synth.instrument_plan import builtin_codes
from peerbench.synth.organisations import make_organisations, make_services


def test_reference_has_a_large_and_a_small_service(reference: SyntheticDataset) -> None:
    sizes = collections.Counter(reference["participant"].column("service_id").to_pylist())
    assert max(sizes.values()) >= 300
    assert any(10 <= size <= 30 for size in sizes.values())


def test_reference_preset(reference: SyntheticDataset) -> None:
    assert reference.config.seed == 20260101
    assert reference["organisation"].num_rows == 12
    assert participant_outcomes(reference["outcome"]).num_rows == 30_000
    assert reference.config.as_of == dt.date(2026, 9, 30)


def test_reference_uses_every_builtin_instrument(reference: SyntheticDataset) -> None:
    used = set(reference["outcome"].column("instrument").to_pylist())
    assert used == set(builtin_codes())


def test_services_per_organisation_are_between_one_and_eight() -> None:
    orgs = make_organisations(stream(1, "o"), 60)
    services = make_services(stream(1, "s"), orgs, dt.date(2026, 1, 1))
    per_org = collections.Counter(services.organisation)
    assert set(per_org) == set(range(60))
    assert min(per_org.values()) >= 1 and max(per_org.values()) <= 8
    assert len(set(orgs.ids)) == 60 and len(set(orgs.names)) == 60
    assert len(set(services.ids)) == len(services)


def test_nhs_trusts_lean_on_paid_peer_workers() -> None:
    orgs = make_organisations(stream(2, "o"), 400)
    services = make_services(stream(2, "s"), orgs, dt.date(2026, 1, 1))
    paid = collections.defaultdict(list)
    for org, facilitator in zip(services.organisation, services.facilitator, strict=True):
        paid[orgs.types[org]].append(facilitator == "paid_peer_workers")
    share = {kind: sum(v) / len(v) for kind, v in paid.items()}
    assert share["nhs_trust"] > share["charity"] > share["community_group"]


def test_mental_health_services_collect_wellbeing_measures() -> None:
    orgs = make_organisations(stream(3, "o"), 100)
    services = make_services(stream(3, "s"), orgs, dt.date(2026, 1, 1))
    for condition, plan in zip(services.condition, services.instruments, strict=True):
        if condition == "mental_health":
            assert {"SWEMWBS", "WEMWBS"} & set(plan)
        if condition == "diabetes":
            assert {"PAM13", "SEMCD6"} & set(plan)
