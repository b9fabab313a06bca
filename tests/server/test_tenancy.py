"""Tenancy: organisations, networks, memberships and key scopes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from peerbench.server import tenancy
from peerbench.server.db.models import Role
from peerbench.server.db.session import Database
from peerbench.server.tenancy import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    TenancyError,
)


@pytest.fixture
def setup(db: Database) -> Database:
    """Two organisations, one network with org1 a member since 2024."""
    with db.session() as session:
        tenancy.create_organisation(
            session,
            id="org1",
            name="Org One",
            organisation_type="Registered charity",
            region="london",
        )
        tenancy.create_organisation(session, id="org2", name="Org Two")
        tenancy.create_network(session, id="net1", name="National Network")
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org1",
            agreement_reference="DSA-1",
            agreement_start=dt.date(2024, 1, 1),
        )
    return db


def test_codes_are_normalised(setup: Database) -> None:
    with setup.session() as session:
        organisation = tenancy.get_organisation(session, "org1")
        assert (organisation.organisation_type, organisation.region) == ("charity", "london")


def test_errors_are_value_errors() -> None:
    assert issubclass(TenancyError, ValueError)
    for error in (AlreadyExistsError, NotFoundError, InvalidValueError):
        assert issubclass(error, TenancyError)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"id": "org1", "name": "Again"}, AlreadyExistsError, "already exists"),
        ({"id": "../etc", "name": "Bad"}, InvalidValueError, "not a valid organisation id"),
        ({"id": "org3", "name": "  "}, InvalidValueError, "name must be"),
        ({"id": "org3", "name": "X", "region": "Mars"}, InvalidValueError, "not a valid region"),
    ],
)
def test_create_organisation_refusals(
    setup: Database, kwargs: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message), setup.session() as session:
        tenancy.create_organisation(session, **kwargs)


def test_duplicate_network(setup: Database) -> None:
    with pytest.raises(AlreadyExistsError, match="network"), setup.session() as session:
        tenancy.create_network(session, id="net1", name="Again")


def test_membership_rules(setup: Database) -> None:
    start = dt.date(2024, 1, 1)
    with pytest.raises(AlreadyExistsError, match="already a member"), setup.session() as s:
        tenancy.add_member(
            s,
            network_id="net1",
            organisation_id="org1",
            agreement_reference="DSA-2",
            agreement_start=start,
        )
    with pytest.raises(NotFoundError, match="no network"), setup.session() as s:
        tenancy.add_member(
            s,
            network_id="nope",
            organisation_id="org1",
            agreement_reference="DSA-2",
            agreement_start=start,
        )
    with pytest.raises(NotFoundError, match="no organisation"), setup.session() as s:
        tenancy.add_member(
            s,
            network_id="net1",
            organisation_id="nope",
            agreement_reference="DSA-2",
            agreement_start=start,
        )


def test_members_count_from_their_agreement_start(setup: Database) -> None:
    with setup.session() as session:
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference="DSA-9",
            agreement_start=dt.date(2030, 1, 1),
        )
    with setup.session() as session:
        assert tenancy.network_member_ids(session, "net1", as_of=dt.date(2025, 6, 1)) == ["org1"]
        assert tenancy.network_member_ids(session, "net1", as_of=dt.date(2030, 1, 1)) == [
            "org1",
            "org2",
        ]
        # Both directions: before its start org2 sees no network either.
        early, start = dt.date(2025, 6, 1), dt.date(2030, 1, 1)
        assert tenancy.networks_of(session, "org2", as_of=early) == []
        assert tenancy.pending_networks_of(session, "org2", as_of=early) == ["net1"]
        assert tenancy.networks_of(session, "org2", as_of=start) == ["net1"]
        assert tenancy.pending_networks_of(session, "org2", as_of=start) == []
        assert tenancy.networks_of(session, "org1", as_of=early) == ["net1"]


def test_empty_and_unknown_networks(setup: Database) -> None:
    with setup.session() as session:
        tenancy.create_network(session, id="net2", name="Empty")
    with setup.session() as session:
        assert tenancy.network_member_ids(session, "net2") == []
        with pytest.raises(NotFoundError):
            tenancy.network_member_ids(session, "nope")
        assert tenancy.networks_of(session, "org2", as_of=dt.date(2099, 1, 1)) == []


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.SUBMITTER, {"organisation_id": "org1"}),
        (Role.NETWORK_ANALYST, {"network_id": "net1"}),
        (Role.RESEARCHER, {"network_id": "net1", "project": "P-1"}),
        (Role.RESEARCHER, {"organisation_id": "org1", "project": "P-1"}),
        (Role.ADMIN, {}),
    ],
)
def test_valid_key_scopes(setup: Database, role: Role, scope: dict[str, str]) -> None:
    with setup.session() as session:
        key, secret = tenancy.create_key(session, role=role, label="laptop", **scope)
    assert key.role == role.value
    assert key.organisation_id == scope.get("organisation_id")
    assert key.network_id == scope.get("network_id")
    assert key.project == scope.get("project")
    assert secret.startswith("pbk_")
    assert re.fullmatch(r"key_[0-9a-f]{12}", key.id)


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        (Role.SUBMITTER, {}, "needs an organisation"),
        (Role.SUBMITTER, {"organisation_id": "org1", "network_id": "net1"}, "no network"),
        (Role.NETWORK_ANALYST, {"organisation_id": "org1"}, "needs a network"),
        (Role.RESEARCHER, {"network_id": "net1"}, "needs the approved project"),
        (Role.RESEARCHER, {"project": "P"}, "exactly one scope"),
        (
            Role.RESEARCHER,
            {"project": "P", "network_id": "net1", "organisation_id": "org1"},
            "exactly one scope",
        ),
        (Role.ADMIN, {"organisation_id": "org1"}, "no organisation or network"),
        (Role.SUBMITTER, {"organisation_id": "org1", "project": "P"}, "only researcher"),
    ],
)
def test_invalid_key_scopes(
    setup: Database, role: Role, scope: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message), setup.session() as session:
        tenancy.create_key(session, role=role, **scope)


def test_key_for_unknown_scope(setup: Database) -> None:
    with pytest.raises(NotFoundError, match="no organisation"), setup.session() as session:
        tenancy.create_key(session, role=Role.SUBMITTER, organisation_id="nope")
    with pytest.raises(NotFoundError, match="no network"), setup.session() as session:
        tenancy.create_key(session, role=Role.NETWORK_ANALYST, network_id="nope")


def test_list_and_revoke_keys(setup: Database) -> None:
    with setup.session() as session:
        first, _ = tenancy.create_key(session, role=Role.SUBMITTER, organisation_id="org1")
        second, _ = tenancy.create_key(session, role=Role.ADMIN)
    with setup.session() as session:
        revoked = tenancy.revoke_key(session, first.id)
        assert revoked.revoked_at is not None
    with setup.session() as session:
        keys = {k.id: k for k in tenancy.list_keys(session)}
        assert set(keys) == {first.id, second.id}
        assert keys[first.id].revoked_at is not None
        assert keys[second.id].revoked_at is None
        with pytest.raises(NotFoundError, match="no API key"):
            tenancy.revoke_key(session, "key_missing")


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({}, "needs a network"),
        ({"network_id": "net1", "organisation_id": "org1"}, r"and no organisation"),
        ({"network_id": "net1", "project": "P-1"}, "only researcher"),
    ],
)
def test_network_analyst_keys_have_a_network_and_nothing_else(
    setup: Database, scope: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message), setup.session() as session:
        tenancy.create_key(session, role=Role.NETWORK_ANALYST, **scope)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.ADMIN, {"network_id": "net1"}),
        (Role.RESEARCHER, {"network_id": "net1", "project": "   "}),
    ],
)
def test_more_scope_refusals(setup: Database, role: Role, scope: dict[str, str]) -> None:
    with pytest.raises(InvalidValueError), setup.session() as session:
        tenancy.create_key(session, role=role, **scope)


def test_researcher_project_is_stored_stripped(setup: Database) -> None:
    with setup.session() as session:
        key, _ = tenancy.create_key(
            session, role=Role.RESEARCHER, organisation_id="org1", project="  P-7 "
        )
        assert key.project == "P-7"


@pytest.mark.parametrize("reference", ["", "   ", "x" * 201, " " + "x" * 201])
def test_agreement_reference_must_be_1_to_200_characters(setup: Database, reference: str) -> None:
    with pytest.raises(InvalidValueError, match="agreement reference"), setup.session() as s:
        tenancy.add_member(
            s,
            network_id="net1",
            organisation_id="org2",
            agreement_reference=reference,
            agreement_start=dt.date(2024, 1, 1),
        )
    with setup.session() as session:
        assert tenancy.networks_of(session, "org2") == []


@pytest.mark.parametrize(("reference", "stored"), [("x" * 200, "x" * 200), (" DSA-3 ", "DSA-3")])
def test_agreement_reference_is_stored_stripped(
    setup: Database, reference: str, stored: str
) -> None:
    with setup.session() as session:
        membership = tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference=reference,
            agreement_start=dt.date(2024, 1, 1),
        )
        assert membership.agreement_reference == stored
    with setup.session() as session:
        assert tenancy.network_member_ids(session, "net1", as_of=dt.date(2024, 1, 1)) == [
            "org1",
            "org2",
        ]
        assert tenancy.network_member_ids(session, "net1", as_of=dt.date(2023, 12, 31)) == []


@pytest.mark.parametrize(("name", "ok"), [("n" * 200, True), ("n" * 201, False), (" Org ", True)])
def test_names_are_1_to_200_characters(setup: Database, name: str, ok: bool) -> None:
    with setup.session() as session:
        if ok:
            organisation = tenancy.create_organisation(session, id="org9", name=name)
            assert organisation.name == name.strip()
        else:
            with pytest.raises(InvalidValueError, match="1-200"):
                tenancy.create_network(session, id="net9", name=name)


def test_lookups_and_creations_return_what_they_name(setup: Database) -> None:
    with setup.session() as session:
        assert tenancy.get_network(session, "net1").name == "National Network"
        assert tenancy.get_organisation(session, "org2").name == "Org Two"
        network = tenancy.create_network(session, id="net2", name=" Second ")
        assert (network.id, network.name) == ("net2", "Second")
        organisation = tenancy.create_organisation(session, id="org3", name="Three")
        assert organisation.id == "org3" and organisation.region is None


def test_list_organisations_and_networks(setup: Database) -> None:
    with setup.session() as session:
        tenancy.create_network(session, id="net0", name="Empty Network")
        tenancy.create_organisation(session, id="org0", name="Org Zero")
    with setup.session() as session:
        assert [o.id for o in tenancy.list_organisations(session)] == ["org0", "org1", "org2"]
        # Members are counted whatever their agreement's start; an empty network counts 0.
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference="DSA-9",
            agreement_start=dt.date(2030, 1, 1),
        )
        listed = [(n.id, n.name, count) for n, count in tenancy.list_networks(session)]
        assert listed == [("net0", "Empty Network", 0), ("net1", "National Network", 2)]
