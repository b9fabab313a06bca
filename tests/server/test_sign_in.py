"""Signing in: lockout after 5 failures in 15 minutes, per-address limits, every attempt kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from peerbench.server import audit
from peerbench.server.accounts import hash_password
from peerbench.server.db.models import Role, SignInAttempt, User
from peerbench.server.db.session import Database
from peerbench.server.sign_in import (
    CLIENT_LIMIT,
    LOCKOUT_DURATION,
    LOCKOUT_FAILURES,
    MESSAGES,
    SignInRefused,
    email_hash,
    sign_in,
)
from peerbench.server.tenancy import create_organisation

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough passphrase"
EMAIL = "sam@example.org"


@pytest.fixture
def account(db: Database) -> Database:
    with db.session() as session:
        create_organisation(session, id="org-a", name="A")
        session.add(
            User(
                id="usr_sam",
                email=EMAIL,
                name="Sam",
                role=Role.SUBMITTER.value,
                organisation_id="org-a",
                password_hash=hash_password(PASSWORD),
                created_at=NOW,
                activated_at=NOW,
                failed_sign_ins=0,
            )
        )
    return db


def _attempt(
    db: Database, password: str, *, at: dt.datetime, email: str = EMAIL, client: str = "10.0.0.1"
) -> str:
    """``ok`` or the refusal's reason; the session commits like a request's would."""
    with db.session() as session:
        try:
            sign_in(session, email, password, client=client, now=at)
        except SignInRefused as refused:
            return refused.reason
    return "ok"


def test_the_right_password_signs_in_any_case_of_email(account: Database) -> None:
    assert _attempt(account, PASSWORD, at=NOW, email=" SAM@Example.org ") == "ok"
    with account.session() as session:
        [event] = audit.query(session, action="sign-in.succeeded")
        assert event.actor == "usr_sam"
        assert event.details == {"method": "password", "client": "10.0.0.1"}


def test_five_failures_lock_the_account_for_fifteen_minutes(account: Database) -> None:
    times = [NOW + dt.timedelta(minutes=i) for i in range(LOCKOUT_FAILURES)]
    reasons = [_attempt(account, "wrong", at=at) for at in times]
    assert reasons == ["invalid"] * (LOCKOUT_FAILURES - 1) + ["locked"]
    locked_at = NOW + dt.timedelta(minutes=LOCKOUT_FAILURES - 1)
    # Even the right password is refused while locked, without being checked.
    assert _attempt(account, PASSWORD, at=locked_at + dt.timedelta(minutes=14)) == "locked"
    assert _attempt(account, PASSWORD, at=locked_at + LOCKOUT_DURATION) == "ok"
    with account.session() as session:
        user = session.get(User, "usr_sam")
        assert user is not None and user.failed_sign_ins == 0 and user.locked_until is None
        assert len(audit.query(session, action="sign-in.failed")) == LOCKOUT_FAILURES - 1
        assert len(audit.query(session, action="sign-in.locked")) == 2


def test_the_locked_message_names_the_pause_not_the_account() -> None:
    assert "15 minutes" in MESSAGES["locked"] and "email address" in MESSAGES["locked"]
    with pytest.raises(SignInRefused) as refused:
        raise SignInRefused("locked", retry_after=60)
    assert str(refused.value) == MESSAGES["locked"]


def test_an_unknown_email_locks_exactly_like_a_real_one(account: Database) -> None:
    stranger = "nobody@example.org"
    reasons = [
        _attempt(account, "wrong", at=NOW + dt.timedelta(minutes=i), email=stranger)
        for i in range(LOCKOUT_FAILURES + 1)
    ]
    assert reasons == ["invalid"] * (LOCKOUT_FAILURES - 1) + ["locked", "locked"]
    with account.session() as session:
        events = audit.query(session, action="sign-in.locked")
        assert {e.actor for e in events} == {"anonymous"}


def test_failures_spread_over_more_than_the_window_do_not_lock(account: Database) -> None:
    for i in range(2 * LOCKOUT_FAILURES):
        assert _attempt(account, "wrong", at=NOW + dt.timedelta(minutes=4 * i)) == "invalid"


def test_a_success_clears_the_count(account: Database) -> None:
    for i in range(LOCKOUT_FAILURES - 1):
        _attempt(account, "wrong", at=NOW + dt.timedelta(seconds=i))
    assert _attempt(account, PASSWORD, at=NOW + dt.timedelta(seconds=10)) == "ok"
    for i in range(LOCKOUT_FAILURES - 1):
        assert _attempt(account, "wrong", at=NOW + dt.timedelta(seconds=20 + i)) == "invalid"


def test_one_address_is_limited_across_emails(account: Database) -> None:
    for i in range(CLIENT_LIMIT):
        email = f"guess{i}@example.org"
        assert _attempt(account, "wrong", at=NOW, email=email) == "invalid"
    assert _attempt(account, PASSWORD, at=NOW) == "rate-limited"
    assert _attempt(account, PASSWORD, at=NOW, client="10.0.0.2") == "ok"
    assert _attempt(account, PASSWORD, at=NOW + dt.timedelta(minutes=15)) == "ok"


def test_every_attempt_is_kept_with_the_email_only_hashed(account: Database) -> None:
    _attempt(account, "wrong", at=NOW)
    _attempt(account, PASSWORD, at=NOW)
    with account.session() as session:
        rows = list(session.scalars(select(SignInAttempt).order_by(SignInAttempt.id)))
        assert [r.succeeded for r in rows] == [False, True]
        assert {r.email_hash for r in rows} == {email_hash(EMAIL)}
        assert session.scalar(select(func.count()).select_from(SignInAttempt)) == 2


def test_old_attempts_are_pruned(account: Database) -> None:
    _attempt(account, "wrong", at=NOW)
    _attempt(account, "wrong", at=NOW + dt.timedelta(hours=23))
    _attempt(account, PASSWORD, at=NOW + dt.timedelta(hours=25))
    with account.session() as session:
        times = list(session.scalars(select(SignInAttempt.at).order_by(SignInAttempt.at)))
        assert times == [NOW + dt.timedelta(hours=23), NOW + dt.timedelta(hours=25)]


def test_a_pending_or_disabled_account_cannot_sign_in(account: Database) -> None:
    with account.session() as session:
        user = session.get(User, "usr_sam")
        assert user is not None
        user.disabled_at = NOW
    assert _attempt(account, PASSWORD, at=NOW) == "invalid"
