"""Portal accounts: Argon2id passwords, invites and sign-in links (single use, expiring)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from peerbench.server import audit
from peerbench.server.accounts import (
    AccountError,
    InvalidToken,
    accept_invite,
    hash_password,
    invite_user,
    issue_sign_in_link,
    list_users,
    peek_token,
    redeem_sign_in_link,
    user_by_email,
    verify_password,
)
from peerbench.server.db.models import OneTimeToken, Role, User
from peerbench.server.db.session import Database
from peerbench.server.invitations import check_inviter, status_of
from peerbench.server.tenancy import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    add_member,
    create_network,
    create_organisation,
)
from peerbench.server.web_sessions import session_user, start_session

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough passphrase"


@pytest.fixture
def tenants(db: Database) -> Database:
    with db.session() as session:
        create_organisation(session, id="org-a", name="A")
        create_organisation(session, id="org-b", name="B")
        create_network(session, id="net-1", name="One")
        add_member(
            session,
            network_id="net-1",
            organisation_id="org-a",
            agreement_reference="DSA",
            agreement_start=dt.date(2030, 1, 1),  # not started yet: may still be invited
        )
    return db


def _invite(db: Database, email: str = "Sam@Example.org", **scope: object) -> tuple[User, str]:
    values: dict[str, object] = {"role": Role.SUBMITTER, "organisation_id": "org-a", **scope}
    with db.session() as session:
        return invite_user(session, email=email, actor="admin-cli", now=NOW, **values)  # type: ignore[arg-type]


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_argon2id() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password(stored, "x" * 2000)
    assert hash_password(PASSWORD) != stored  # salted


def test_an_invite_creates_a_pending_account_and_stores_only_a_hash(tenants: Database) -> None:
    user, token = _invite(tenants)
    assert len(token) >= 43  # 256 bits, URL-safe
    with tenants.session() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        assert stored.email == "sam@example.org"
        assert stored.password_hash is None and stored.activated_at is None
        assert user.id.startswith("usr_") and len(user.id) == 20
        [row] = session.scalars(select(OneTimeToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.kind == "invite" and row.expires_at == NOW + dt.timedelta(days=7)
        assert status_of(stored, now=NOW) == "pending"
        [event] = audit.query(session, action="user.invited")
        assert (event.actor, event.target, event.organisation_id) == ("admin-cli", user.id, "org-a")
        assert "sam" not in str(event.details)


def test_accepting_an_invite_is_single_use(tenants: Database) -> None:
    user, token = _invite(tenants)
    with tenants.session() as session:
        assert peek_token(session, token, "invite", now=NOW) is not None
        assert peek_token(session, token, "invite", now=NOW) is not None  # peeking is free
        accepted = accept_invite(session, token, name=" Sam ", password=PASSWORD, now=NOW)
        assert accepted.name == "Sam" and accepted.activated_at == NOW
        assert accepted.password_hash and verify_password(accepted.password_hash, PASSWORD)
        assert [e.actor for e in audit.query(session, action="user.activated")] == [user.id]
    with tenants.session() as session, pytest.raises(InvalidToken, match="expired or"):
        accept_invite(session, token, name="Eve", password=PASSWORD, now=NOW)


def test_invites_expire_after_seven_days(tenants: Database) -> None:
    _user, token = _invite(tenants)
    late = NOW + dt.timedelta(days=7)
    with tenants.session() as session:
        assert peek_token(session, token, "invite", now=late - dt.timedelta(seconds=1))
        assert peek_token(session, token, "invite", now=late) is None
        with pytest.raises(InvalidToken):
            accept_invite(session, token, name="Sam", password=PASSWORD, now=late)


def test_a_short_password_is_refused_and_the_invite_stays_usable(tenants: Database) -> None:
    _user, token = _invite(tenants)
    with tenants.session() as session:
        with pytest.raises(InvalidValueError, match="at least 12 characters"):
            accept_invite(session, token, name="Sam", password="short", now=NOW)
        assert peek_token(session, token, "invite", now=NOW) is not None


def test_a_new_invite_replaces_the_old_link(tenants: Database) -> None:
    _user, first = _invite(tenants)
    user, second = _invite(tenants, email="sam@example.org")
    with tenants.session() as session:
        assert peek_token(session, first, "invite", now=NOW) is None
        assert peek_token(session, second, "invite", now=NOW) is not None
        assert [u.id for u in list_users(session)] == [user.id]


def test_invites_are_checked(tenants: Database) -> None:
    with pytest.raises(InvalidValueError, match="a submitter user needs an organisation"):
        _invite(tenants, organisation_id=None)
    with pytest.raises(NotFoundError, match="no organisation"):
        _invite(tenants, organisation_id="org-z")
    with pytest.raises(InvalidValueError, match="not an email address"):
        _invite(tenants, email="sam at example")
    _user, token = _invite(tenants)
    with tenants.session() as session:
        accept_invite(session, token, name="Sam", password=PASSWORD, now=NOW)
    with pytest.raises(AlreadyExistsError, match="already exists"):
        _invite(tenants)
    _invite(tenants, email="kim@example.org")
    with pytest.raises(AlreadyExistsError):  # pending, but with another scope
        _invite(tenants, email="kim@example.org", organisation_id="org-b")


def test_sign_in_links_last_24_hours_and_work_once(tenants: Database) -> None:
    user, _invite_token = _invite(tenants)
    with tenants.session() as session:
        token = issue_sign_in_link(session, user.id, actor="admin-cli", now=NOW)
        assert peek_token(session, token, "invite", now=NOW) is None  # kinds do not mix
        row = session.get(User, user.id)
        assert row is not None
        row.locked_until = NOW + dt.timedelta(minutes=10)
    with tenants.session() as session:
        signed_in = redeem_sign_in_link(session, token, client="10.0.0.1", now=NOW)
        assert signed_in.id == user.id and signed_in.locked_until is None
        assert signed_in.activated_at == NOW
        [event] = audit.query(session, action="sign-in.succeeded")
        assert event.details == {"method": "link", "client": "10.0.0.1"}
    with tenants.session() as session:
        with pytest.raises(InvalidToken):
            redeem_sign_in_link(session, token, client="10.0.0.1", now=NOW)
        late = issue_sign_in_link(session, user.id, actor="admin-cli", now=NOW)
    with tenants.session() as session, pytest.raises(InvalidToken):
        redeem_sign_in_link(session, late, client="x", now=NOW + dt.timedelta(hours=24))


def test_disabling_ends_sessions_and_links(tenants: Database) -> None:
    from peerbench.server.accounts import disable_user

    user, token = _invite(tenants)
    with tenants.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        cookie, _ = start_session(session, row, now=NOW)
        link = issue_sign_in_link(session, user.id, actor="admin-cli", now=NOW)
    with tenants.session() as session:
        disable_user(session, user.id, actor="admin-cli", now=NOW)
        disable_user(session, user.id, actor="admin-cli", now=NOW)  # idempotent
        assert session_user(session, cookie, now=NOW) is None
        assert peek_token(session, token, "invite", now=NOW) is None
        assert peek_token(session, link, "sign-in", now=NOW) is None
        with pytest.raises(AccountError, match="disabled"):
            issue_sign_in_link(session, user.id, actor="admin-cli", now=NOW)
        assert len(audit.query(session, action="user.disabled")) == 1
        assert user_by_email(session, "SAM@example.org") is not None


def test_who_may_invite_whom(tenants: Database) -> None:
    analyst = User(id="usr_a", email="a@x.org", role="network-analyst", network_id="net-1")
    submitter = User(id="usr_s", email="s@x.org", role="submitter", organisation_id="org-a")
    admin = User(id="usr_ad", email="ad@x.org", role="admin")
    with tenants.session() as session:
        check_inviter(session, admin, role=Role.RESEARCHER, network_id="net-1")
        check_inviter(session, analyst, role=Role.SUBMITTER, organisation_id="org-a")
        check_inviter(session, analyst, role=Role.NETWORK_ANALYST, network_id="net-1")
        for role, scope in (
            (Role.SUBMITTER, {"organisation_id": "org-b"}),  # not a member of net-1
            (Role.NETWORK_ANALYST, {"network_id": "net-2"}),
            (Role.ADMIN, {}),
            (Role.RESEARCHER, {"network_id": "net-1"}),
        ):
            with pytest.raises(AccountError, match="network analyst may invite only"):
                check_inviter(session, analyst, role=role, **scope)
        with pytest.raises(AccountError, match="only administrators and network analysts"):
            check_inviter(session, submitter, role=Role.SUBMITTER, organisation_id="org-a")
