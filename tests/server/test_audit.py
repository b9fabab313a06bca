"""The audit log records each change in the change's own transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from peerbench.server import audit, tenancy
from peerbench.server.db.models import Role
from peerbench.server.db.session import Database


def test_record_and_query(db: Database) -> None:
    with db.session() as session:
        audit.record(
            session,
            actor="key_1",
            action="download",
            organisation_id="org1",
            target="outcome",
            details={"rows": 3},
        )
        audit.record(session, actor="key_2", action="submission.created", organisation_id="org2")
    with db.session() as session:
        events = audit.query(session)
        assert [e.action for e in events] == ["submission.created", "download"]
        download = audit.query(session, action="download")[0]
        assert (download.actor, download.organisation_id, download.target) == (
            "key_1",
            "org1",
            "outcome",
        )
        assert download.details == {"rows": 3}
        assert download.at.tzinfo is not None
        assert [e.actor for e in audit.query(session, organisation_id="org2")] == ["key_2"]
        assert len(audit.query(session, limit=1)) == 1


def test_query_since(db: Database) -> None:
    with db.session() as session:
        old = audit.record(session, actor="a", action="download")
        old.at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        audit.record(session, actor="b", action="download")
    with db.session() as session:
        # A non-UTC "since" must compare by instant, not by wall time.
        since = dt.datetime(2020, 1, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
        assert [e.actor for e in audit.query(session, since=since)] == ["b", "a"]
        assert [e.actor for e in audit.query(session, since=dt.datetime(2021, 1, 1))] == ["b"]


def test_rolled_back_changes_leave_no_event(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        tenancy.create_organisation(session, id="org1", name="One")
        raise RuntimeError("boom")
    with db.session() as session:
        assert audit.query(session) == []


def test_every_tenancy_change_is_audited(db: Database) -> None:
    with db.session() as session:
        tenancy.create_organisation(session, id="org1", name="One")
        tenancy.create_network(session, id="net1", name="Network")
        tenancy.add_member(
            session,
            network_id="net1",
            organisation_id="org1",
            agreement_reference="DSA-1",
            agreement_start=dt.date(2024, 1, 1),
        )
        key, secret = tenancy.create_key(session, role=Role.SUBMITTER, organisation_id="org1")
        tenancy.revoke_key(session, key.id)
        tenancy.revoke_key(session, key.id)  # a second revocation changes nothing
    with db.session() as session:
        events = list(reversed(audit.query(session)))
    assert [(e.action, e.organisation_id, e.target) for e in events] == [
        ("organisation.created", "org1", "org1"),
        ("network.created", None, "net1"),
        ("member.added", "org1", "net1"),
        ("key.created", "org1", key.id),
        ("key.revoked", "org1", key.id),
    ]
    assert {e.actor for e in events} == {audit.ADMIN_CLI_ACTOR}
    assert all(secret not in str(e.details) for e in events)
