"""Portal sessions: hashed tokens, idle and absolute timeouts, sign out everywhere, flashes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from peerbench.server import audit
from peerbench.server.db.models import Role, User, WebSession
from peerbench.server.db.session import Database
from peerbench.server.web_sessions import (
    IDLE_TIMEOUT,
    MAX_LIFETIME,
    SEEN_EVERY,
    end_all_sessions,
    end_session,
    open_sessions,
    pop_flashes,
    push_flash,
    session_user,
    start_session,
)

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def user(db: Database) -> User:
    with db.session() as session:
        row = User(id="usr_kim", email="kim@example.org", role=Role.ADMIN.value, failed_sign_ins=0)
        session.add(row)
    return row


def _start(db: Database, user: User, at: dt.datetime = NOW) -> str:
    with db.session() as session:
        token, web_session = start_session(session, user, now=at)
        assert web_session.id == hashlib.sha256(token.encode()).hexdigest()
        assert len(web_session.csrf_token) >= 43 and web_session.csrf_token != token
    return token


def _who(db: Database, token: str, at: dt.datetime) -> str | None:
    with db.session() as session:
        found = session_user(session, token, now=at)
        return found[0].id if found else None


def test_a_session_finds_its_user_by_the_cookie_token(db: Database, user: User) -> None:
    token = _start(db, user)
    assert _who(db, token, NOW) == "usr_kim"
    assert _who(db, token + "x", NOW) is None
    assert _who(db, "", NOW) is None


def test_an_idle_session_ends(db: Database, user: User) -> None:
    token = _start(db, user)
    assert _who(db, token, NOW + IDLE_TIMEOUT - dt.timedelta(seconds=1)) == "usr_kim"
    # Being seen restarts the idle period...
    assert _who(db, token, NOW + 2 * IDLE_TIMEOUT - dt.timedelta(seconds=2)) == "usr_kim"
    # ...and a full idle period without use ends the session.
    assert _who(db, token, NOW + 3 * IDLE_TIMEOUT) is None


def _seen(db: Database, token: str) -> dt.datetime:
    with db.session() as session:
        row = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None
        return row.last_seen_at


def test_a_burst_of_requests_writes_the_last_sight_once(db: Database, user: User) -> None:
    token = _start(db, user)
    for second in (1, 20, 59):
        assert _who(db, token, NOW + dt.timedelta(seconds=second)) == "usr_kim"
    assert _seen(db, token) == NOW  # nothing written within the minute
    assert _who(db, token, NOW + SEEN_EVERY) == "usr_kim"
    assert _seen(db, token) == NOW + SEEN_EVERY
    # So the idle period runs from the last written sight: at most a minute early.
    assert _who(db, token, NOW + SEEN_EVERY + IDLE_TIMEOUT - dt.timedelta(seconds=1))
    assert _who(db, token, NOW + 2 * SEEN_EVERY + 2 * IDLE_TIMEOUT) is None


def test_an_active_session_still_ends_after_seven_days(db: Database, user: User) -> None:
    token = _start(db, user)
    at = NOW
    while at + dt.timedelta(hours=7) < NOW + MAX_LIFETIME:
        at += dt.timedelta(hours=7)
        assert _who(db, token, at) == "usr_kim"
    assert _who(db, token, NOW + MAX_LIFETIME) is None


def test_sign_out_ends_one_session(db: Database, user: User) -> None:
    first, second = _start(db, user), _start(db, user)
    with db.session() as session:
        assert end_session(session, first, now=NOW)
        assert not end_session(session, first, now=NOW)
    assert _who(db, first, NOW) is None
    assert _who(db, second, NOW) == "usr_kim"


def test_sign_out_everywhere_ends_every_session(db: Database, user: User) -> None:
    tokens = [_start(db, user) for _ in range(3)]
    with db.session() as session:
        assert open_sessions(session, user.id, now=NOW) == 3
        assert end_all_sessions(session, user.id, now=NOW) == 3
        assert open_sessions(session, user.id, now=NOW) == 0
        [event] = audit.query(session, action="sign-out")
        assert event.details == {"everywhere": True, "sessions": 3}
    assert [_who(db, t, NOW) for t in tokens] == [None, None, None]


def test_flashes_are_shown_once(db: Database, user: User) -> None:
    token = _start(db, user)
    with db.session() as session:
        found = session_user(session, token, now=NOW)
        assert found is not None
        push_flash(found[1], "Saved.", "success")
    with db.session() as session:
        web_session = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
        assert web_session is not None
        assert pop_flashes(web_session) == [{"kind": "success", "text": "Saved."}]
    with db.session() as session:
        web_session = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
        assert web_session is not None and pop_flashes(web_session) == []
