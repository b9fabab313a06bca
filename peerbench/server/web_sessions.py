"""Server-side portal sessions: the browser holds a random token, the database its hash.

A session ends when it is signed out, when it has been unused for the idle timeout
(``settings.session_idle_minutes``, default 8 hours), or at its absolute end
(``settings.session_max_days``, default 7 days) however active it is. Each session has
its own CSRF token. "Sign out everywhere" revokes every session of the user at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.db.models import User, WebSession

TOKEN_BYTES = 32
"""256 bits of randomness per session, CSRF and one-time token."""
IDLE_TIMEOUT = dt.timedelta(hours=8)
"""Default: a session unused this long has ended."""
MAX_LIFETIME = dt.timedelta(days=7)
"""Default: a session ends this long after sign-in, however active."""
SEEN_EVERY = dt.timedelta(minutes=1)
"""A session's last sight is written at most this often (or a tenth of a short idle
timeout): every portal request writing the row would serialise readers on SQLite for a
figure needed only to the minute. A session may so end up to this much early."""
FLASH_LIMIT = 10
"""At most this many messages wait on one session (older ones are dropped)."""


def new_token() -> str:
    """A new 256-bit URL-safe random token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of a session or one-time token.

    The tokens are 256-bit random values, so an unsalted fast hash is enough: there is
    nothing to guess, and the database finds the row with one indexed look-up.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    now: dt.datetime,
    max_lifetime: dt.timedelta = MAX_LIFETIME,
) -> tuple[str, WebSession]:
    """Open a session for ``user``: the cookie token (shown once) and the stored row."""
    token = new_token()
    web_session = WebSession(
        id=token_hash(token),
        user_id=user.id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + max_lifetime,
        flash=[],
    )
    session.add(web_session)
    session.flush()
    return token, web_session


def _live(session: Session, cookie_token: str) -> WebSession | None:
    if not cookie_token or len(cookie_token) > 128:
        return None
    return session.get(WebSession, token_hash(cookie_token))


def session_user(
    session: Session,
    cookie_token: str,
    *,
    now: dt.datetime,
    idle_timeout: dt.timedelta = IDLE_TIMEOUT,
) -> tuple[User, WebSession] | None:
    """The signed-in user and their session, or ``None`` (unknown, ended or disabled).

    Marks the session as seen at ``now``, which keeps it alive for another idle period
    (written at most every :data:`SEEN_EVERY`, so a burst of requests writes once).
    """
    web_session = _live(session, cookie_token)
    if web_session is None or web_session.revoked_at is not None:
        return None
    if now >= web_session.expires_at or now - web_session.last_seen_at >= idle_timeout:
        return None
    user = session.get(User, web_session.user_id)
    if user is None or user.disabled_at is not None:
        return None
    if now - web_session.last_seen_at >= min(SEEN_EVERY, idle_timeout / 10):
        web_session.last_seen_at = now
    return user, web_session


def end_session(session: Session, cookie_token: str, *, now: dt.datetime) -> bool:
    """Sign this session out; whether there was a live session to end."""
    web_session = _live(session, cookie_token)
    if web_session is None or web_session.revoked_at is not None:
        return False
    web_session.revoked_at = now
    audit.record(
        session,
        actor=web_session.user_id,
        action="sign-out",
        target=web_session.user_id,
        details={"everywhere": False},
    )
    session.flush()
    return True


def end_all_sessions(
    session: Session, user_id: str, *, now: dt.datetime, actor: str | None = None
) -> int:
    """Revoke every open session of ``user_id`` ("sign out everywhere"); how many ended."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    ended = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session,
        actor=actor or user_id,
        action="sign-out",
        target=user_id,
        details={"everywhere": True, "sessions": ended},
    )
    session.flush()
    return ended


def open_sessions(
    session: Session, user_id: str, *, now: dt.datetime, idle_timeout: dt.timedelta = IDLE_TIMEOUT
) -> int:
    """How many of the user's sessions are still open (not revoked, ended or idle)."""
    count = session.scalar(
        select(func.count())
        .select_from(WebSession)
        .where(
            WebSession.user_id == user_id,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
            WebSession.last_seen_at > now - idle_timeout,
        )
    )
    return int(count or 0)


def push_flash(web_session: WebSession, text: str, kind: str = "info") -> None:
    """Keep a message for the next page this session shows."""
    # A new list, so the JSON column is seen as changed.
    web_session.flash = [*web_session.flash, {"kind": kind, "text": text}][-FLASH_LIMIT:]


def pop_flashes(web_session: WebSession) -> list[dict[str, str]]:
    """The waiting messages, removed from the session."""
    messages = list(web_session.flash or [])
    if messages:
        web_session.flash = []
    return messages
