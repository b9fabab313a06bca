"""Agreement windows: end dates hide a member after them; update_member is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from peerbench.server import tenancy
from peerbench.server.db.models import AuditEvent
from peerbench.server.db.session import Database
from peerbench.server.tenancy import InvalidValueError, NotFoundError

START = dt.date(2024, 1, 1)
END = dt.date(2025, 6, 30)


@pytest.fixture
def setup(db: Database) -> Database:
    """org1 a member of net1 from 2024-01-01 to 2025-06-30; org2 open-ended from 2024."""
    with db.session() as session:
        tenancy.create_organisation(session, id="org1", name="Org One")
        tenancy.create_organisation(session, id="org2", name="Org Two")
        tenancy.create_network(session, id="net1", name="North")
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org1",
            agreement_reference="DSA-1",
            agreement_start=START,
            agreement_end=END,
        )
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference="DSA-2",
            agreement_start=START,
        )
    return db


@pytest.mark.parametrize(
    ("day", "members"),
    [
        (dt.date(2023, 12, 31), []),
        (START, ["org1", "org2"]),
        (END, ["org1", "org2"]),  # the end day is inside the agreement
        (END + dt.timedelta(days=1), ["org2"]),
    ],
)
def test_members_count_inside_their_window(
    setup: Database, day: dt.date, members: list[str]
) -> None:
    with setup.session() as session:
        assert tenancy.network_member_ids(session, "net1", as_of=day) == members


def test_the_window_applies_in_both_directions(setup: Database) -> None:
    with setup.session() as session:
        assert tenancy.networks_of(session, "org1", as_of=END) == ["net1"]
        assert tenancy.networks_of(session, "org1", as_of=END + dt.timedelta(days=1)) == []
        assert tenancy.networks_of(session, "org2", as_of=dt.date(2030, 1, 1)) == ["net1"]


def test_an_agreement_cannot_end_before_it_starts(setup: Database) -> None:
    with pytest.raises(InvalidValueError, match="cannot end"), setup.session() as session:
        tenancy.create_organisation(session, id="org3", name="Org Three")
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org3",
            agreement_reference="DSA-3",
            agreement_start=START,
            agreement_end=START - dt.timedelta(days=1),
        )


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        session.expunge_all()
    return events


def test_update_member_changes_the_window_and_audits_each_change(setup: Database) -> None:
    later = dt.date(2026, 3, 31)
    with setup.session() as session:
        member = tenancy.update_member(
            session,
            network_id="net1",
            organisation_id="org1",
            agreement_reference="DSA-1",
            agreement_start=START,
            agreement_end=later,
            actor="usr_x",
        )
        assert member.agreement_end == later
    with setup.session() as session:
        assert tenancy.network_member_ids(session, "net1", as_of=dt.date(2026, 1, 1)) == [
            "org1",
            "org2",
        ]
    [event] = _events(setup, "member.updated")
    assert (event.actor, event.organisation_id, event.target) == ("usr_x", "org1", "net1")
    assert event.details == {"agreement_end": {"from": END.isoformat(), "to": later.isoformat()}}


def test_saving_the_same_terms_records_nothing(setup: Database) -> None:
    with setup.session() as session:
        tenancy.update_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference=" DSA-2 ",
            agreement_start=START,
            agreement_end=None,
        )
    assert _events(setup, "member.updated") == []


def test_update_member_refuses_bad_terms_and_unknown_members(setup: Database) -> None:
    with pytest.raises(InvalidValueError, match="cannot end"), setup.session() as session:
        tenancy.update_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference="DSA-2",
            agreement_start=END,
            agreement_end=START,
        )
    with pytest.raises(InvalidValueError, match="reference"), setup.session() as session:
        tenancy.update_member(
            session,
            network_id="net1",
            organisation_id="org2",
            agreement_reference="  ",
            agreement_start=START,
            agreement_end=None,
        )
    with pytest.raises(NotFoundError, match="not a member"), setup.session() as session:
        tenancy.update_member(
            session,
            network_id="net1",
            organisation_id="nobody",
            agreement_reference="DSA-2",
            agreement_start=START,
            agreement_end=None,
        )


def test_list_members_lists_every_membership_whatever_its_dates(setup: Database) -> None:
    with setup.session() as session:
        members = tenancy.list_members(session, "net1")
        assert [(m.organisation_id, m.agreement_end) for m in members] == [
            ("org1", END),
            ("org2", None),
        ]
        with pytest.raises(NotFoundError):
            tenancy.list_members(session, "nope")
