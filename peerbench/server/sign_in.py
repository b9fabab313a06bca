"""Signing in with an email and password, with lockout and per-address rate limiting.

* **Lockout**: :data:`LOCKOUT_FAILURES` failed attempts for one email within
  :data:`LOCKOUT_WINDOW` lock that email for :data:`LOCKOUT_DURATION`. The lock is
  computed from the recorded attempts by email *hash*, so an unknown email locks exactly
  like a real one and the answer never reveals whether an account exists. While locked,
  the password is not even checked.
* **Rate limit**: one client address may make :data:`CLIENT_LIMIT` attempts per
  :data:`CLIENT_WINDOW` (any emails) before it is refused with 429.

Every attempt is recorded (``SignInAttempt``, the email only as its SHA-256) and audited
(``sign-in.succeeded``, ``sign-in.failed``, ``sign-in.locked``). Times come from the
caller's ``now``, so tests move a fake clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.accounts import (
    hash_password,
    needs_rehash,
    signed_in,
    user_by_email,
    verify_password,
)
from peerbench.server.db.models import SignInAttempt, User

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
LOCKOUT_DURATION = dt.timedelta(minutes=15)
CLIENT_LIMIT = 30
CLIENT_WINDOW = dt.timedelta(minutes=15)
ATTEMPT_RETENTION = dt.timedelta(days=1)
"""Attempts older than this are deleted at the next sign-in (the audit log keeps them)."""
ANONYMOUS_ACTOR = "anonymous"
"""The audit actor of a failed attempt for an email that has no account."""

Reason = Literal["invalid", "locked", "rate-limited"]

_DUMMY_HASH: list[str] = []


class SignInRefused(Exception):
    """Sign-in failed. ``reason``: ``invalid``, ``locked`` or ``rate-limited``.

    ``retry_after``: seconds until a locked or rate-limited attempt may succeed.
    """

    def __init__(self, reason: Reason, *, retry_after: int = 0) -> None:
        super().__init__(MESSAGES[reason])
        self.reason: Reason = reason
        self.retry_after = retry_after


MESSAGES: dict[str, str] = {
    "invalid": "The email address or password is not correct.",
    "locked": (
        "Too many failed attempts for this email address: signing in is paused for "
        f"{int(LOCKOUT_DURATION.total_seconds() // 60)} minutes. Try again later, or ask an "
        "administrator for a sign-in link."
    ),
    "rate-limited": "Too many sign-in attempts from this network address; try again later.",
}


def email_hash(email: str) -> str:
    """The SHA-256 of the lower-cased, trimmed email (what attempts record)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def locked_until(session: Session, email_digest: str, *, now: dt.datetime) -> dt.datetime | None:
    """When the lock on this email ends, or ``None`` if it is not locked at ``now``.

    Replays the recent attempts: a success clears the count, attempts made while locked
    do not count, and the fifth failure within the window starts a lock.
    """
    horizon = now - 2 * (LOCKOUT_WINDOW + LOCKOUT_DURATION)
    attempts = session.execute(
        select(SignInAttempt.at, SignInAttempt.succeeded)
        .where(SignInAttempt.email_hash == email_digest, SignInAttempt.at > horizon)
        .order_by(SignInAttempt.at, SignInAttempt.id)
    ).all()
    failures: list[dt.datetime] = []
    until: dt.datetime | None = None
    for at, succeeded in attempts:
        if until is not None and at < until:
            continue  # refused while locked, without checking the password
        if succeeded:
            failures = []
            continue
        failures = [f for f in failures if at - f < LOCKOUT_WINDOW] + [at]
        if len(failures) >= LOCKOUT_FAILURES:
            until = at + LOCKOUT_DURATION
            failures = []
    return until if until is not None and until > now else None


def _client_attempts(session: Session, client: str, *, now: dt.datetime) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.client == client, SignInAttempt.at > now - CLIENT_WINDOW)
    )
    return int(count or 0)


def _seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password("peerbench-timing-equaliser"))
    return _DUMMY_HASH[0]


def _refuse(
    session: Session,
    reason: Reason,
    *,
    user: User | None,
    client: str,
    action: str = "sign-in.failed",
    retry_after: int = 0,
) -> SignInRefused:
    audit.record(
        session,
        actor=user.id if user else ANONYMOUS_ACTOR,
        action=action,
        organisation_id=user.organisation_id if user else None,
        target=user.id if user else None,
        details={"reason": reason, "client": client},
    )
    # The attempt and its audit must survive the exception the caller receives.
    session.commit()
    return SignInRefused(reason, retry_after=retry_after)


def sign_in(session: Session, email: str, password: str, *, client: str, now: dt.datetime) -> User:
    """The user whose email and password these are; records and audits the attempt.

    Commits the session before raising, so a refused attempt is never rolled back.

    Args:
        session: An open session.
        email: As typed (any case).
        password: As typed.
        client: The client's network address (for the per-address limit).
        now: The current time.

    Raises:
        SignInRefused: wrong email or password, email locked, or address rate-limited.
    """
    client = client[:64] or "unknown"
    digest = email_hash(email)
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - ATTEMPT_RETENTION))
    if _client_attempts(session, client, now=now) >= CLIENT_LIMIT:
        session.add(SignInAttempt(at=now, email_hash=digest, client=client, succeeded=False))
        raise _refuse(
            session, "rate-limited", user=None, client=client, retry_after=_seconds(CLIENT_WINDOW)
        )
    user = user_by_email(session, email)
    lock = locked_until(session, digest, now=now)
    attempt = SignInAttempt(at=now, email_hash=digest, client=client, succeeded=False)
    session.add(attempt)
    if lock is not None:
        raise _refuse(
            session,
            "locked",
            user=user,
            client=client,
            action="sign-in.locked",
            retry_after=_seconds(lock - now),
        )
    usable = user is not None and user.disabled_at is None and user.password_hash is not None
    stored = user.password_hash if usable and user is not None else None
    # Unknown emails still cost one hash check, so timing does not reveal them.
    matched = verify_password(stored or _dummy_hash(), password) and stored is not None
    if not matched or user is None:
        session.flush()
        lock = locked_until(session, digest, now=now)
        if user is not None:
            user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
            user.locked_until = lock
        if lock is not None:
            raise _refuse(
                session,
                "locked",
                user=user,
                client=client,
                action="sign-in.locked",
                retry_after=_seconds(lock - now),
            )
        raise _refuse(session, "invalid", user=user, client=client)
    attempt.succeeded = True
    if needs_rehash(stored or ""):
        user.password_hash = hash_password(password)
    return signed_in(session, user, method="password", client=client)
