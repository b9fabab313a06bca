"""Portal accounts: Argon2id passwords, invites and one-time sign-in links.

People are invited (``invite_user``): the invite link (``/invite/{token}``) lets them
choose a name and a password (``accept_invite``). An admin can also issue a sign-in link
(``issue_sign_in_link``) for someone who lost their password or has no mail.

Tokens are 256-bit random strings shown once; the database stores only their SHA-256, so
a copy of the database cannot be used to sign in. Each token is single-use and expires
(invites after :data:`INVITE_LIFETIME`, sign-in links after :data:`SIGN_IN_LINK_LIFETIME`).
Every change writes an audit event; the caller's session commits. Sign-in with a
password is in :mod:`peerbench.server.sign_in`, sessions in
:mod:`peerbench.server.web_sessions`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.db.models import OneTimeToken, Role, User
from peerbench.server.tenancy import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    TenancyError,
    check_scope,
    get_network,
    get_organisation,
)
from peerbench.server.web_sessions import end_all_sessions, new_token, token_hash

INVITE_LIFETIME = dt.timedelta(days=7)
"""How long an invite link works."""
SIGN_IN_LINK_LIFETIME = dt.timedelta(hours=24)
"""How long a sign-in link works."""
MIN_PASSWORD_LENGTH = 12
"""Length beats composition rules (NIST SP 800-63B §5.1.1.2): no other rule is imposed."""
MAX_PASSWORD_LENGTH = 1024
"""Longer input is refused before hashing, so a huge body cannot cost CPU and memory."""

TokenKind = Literal["invite", "sign-in"]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()
"""argon2-cffi's defaults: Argon2id, 3 iterations, 64 MiB, 4 lanes (RFC 9106's second
recommended option, for memory-constrained machines)."""


class AccountError(TenancyError):
    """An account change was refused; the message says why in plain English."""


class InvalidToken(AccountError):
    """The link is unknown, expired, already used, or for a disabled account."""

    def __init__(self) -> None:
        super().__init__("this link has expired or has already been used; ask for a new one")


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string, with its salt and parameters) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time; never raises)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (rehash on sign-in)."""
    return _HASHER.check_needs_rehash(password_hash)


def normalise_email(email: str) -> str:
    """``email`` trimmed and lower-cased, or :class:`InvalidValueError`."""
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InvalidValueError(f"{email[:80]!r} is not an email address")
    return value


def check_password(password: str) -> str:
    """``password`` if it is acceptable, else :class:`InvalidValueError` saying why."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValueError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


def _check_name(name: str) -> str:
    value = name.strip()
    if not value or len(value) > 200:
        raise InvalidValueError("the name must be 1-200 characters")
    return value


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this email (any case), or ``None``."""
    try:
        value = normalise_email(email)
    except InvalidValueError:
        return None
    return session.scalar(select(User).where(User.email == value))


def get_user(session: Session, user_id: str) -> User:
    """The user with this id, or :class:`NotFoundError`."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"there is no user with id {user_id!r}")
    return user


def list_users(
    session: Session, *, organisation_id: str | None = None, network_id: str | None = None
) -> list[User]:
    """Users, by email; only those of an organisation or network when one is given."""
    statement = select(User).order_by(User.email)
    if organisation_id is not None:
        statement = statement.where(User.organisation_id == organisation_id)
    if network_id is not None:
        statement = statement.where(User.network_id == network_id)
    return list(session.scalars(statement))


def _issue(session: Session, user: User, kind: TokenKind, *, actor: str, now: dt.datetime) -> str:
    # A new link replaces older unused ones of its kind, so only the newest works.
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.kind == kind,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = new_token()
    lifetime = INVITE_LIFETIME if kind == "invite" else SIGN_IN_LINK_LIFETIME
    session.add(
        OneTimeToken(
            token_hash=token_hash(token),
            kind=kind,
            user_id=user.id,
            created_by=actor,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def invite_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    organisation_id: str | None = None,
    network_id: str | None = None,
    project: str | None = None,
    name: str | None = None,
    actor: str,
    now: dt.datetime,
) -> tuple[User, str]:
    """Create an account waiting for its owner, and the invite token to send them.

    Inviting someone who has not yet accepted an earlier invite, with the same scope,
    sends a new link (the old one stops working).

    Raises:
        InvalidValueError: bad email, or a scope that does not fit the role.
        NotFoundError: the organisation or network does not exist.
        AlreadyExistsError: the email belongs to an active account (or a pending one
            with another scope).
    """
    role = Role(role)
    address = normalise_email(email)
    project = project.strip() if project else None
    check_scope(role, organisation_id, network_id, project, what="user")
    if organisation_id is not None:
        get_organisation(session, organisation_id)
    if network_id is not None:
        get_network(session, network_id)
    user = session.scalar(select(User).where(User.email == address))
    scope = (role.value, organisation_id, network_id, project)
    if user is not None:
        pending = user.activated_at is None and user.disabled_at is None
        if not pending or (user.role, user.organisation_id, user.network_id, user.project) != scope:
            raise AlreadyExistsError("an account with this email already exists")
    else:
        user = User(
            id="usr_" + secrets.token_hex(8),
            email=address,
            name=_check_name(name) if name else None,
            role=role.value,
            organisation_id=organisation_id,
            network_id=network_id,
            project=project,
            created_at=now,
            failed_sign_ins=0,
        )
        session.add(user)
        session.flush()
    token = _issue(session, user, "invite", actor=actor, now=now)
    audit.record(
        session,
        actor=actor,
        action="user.invited",
        organisation_id=organisation_id,
        target=user.id,
        details={"role": role.value, "network_id": network_id, "project": project},
    )
    return user, token


def peek_token(session: Session, token: str, kind: TokenKind, *, now: dt.datetime) -> User | None:
    """The user a usable token is for, WITHOUT using it (for the page a GET shows)."""
    row = session.get(OneTimeToken, token_hash(token)) if len(token) <= 128 else None
    if row is None or row.kind != kind or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user


def _redeem(session: Session, token: str, kind: TokenKind, *, now: dt.datetime) -> User:
    user = peek_token(session, token, kind, now=now)
    if user is None:
        raise InvalidToken()
    # Conditional update: of two racing redemptions only one matches used_at IS NULL.
    used = session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.token_hash == token_hash(token), OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(used, "rowcount", 1) != 1:
        raise InvalidToken()
    return user


def accept_invite(
    session: Session, token: str, *, name: str, password: str, now: dt.datetime
) -> User:
    """Use an invite: set the name and password and activate the account.

    Raises:
        InvalidToken: the link is unknown, expired or used.
        InvalidValueError: the name or password is not acceptable (the token stays usable).
    """
    clean_name = _check_name(name)
    check_password(password)
    user = _redeem(session, token, "invite", now=now)
    user.name = clean_name
    user.password_hash = hash_password(password)
    user.activated_at = user.activated_at or now
    audit.record(
        session,
        actor=user.id,
        action="user.activated",
        organisation_id=user.organisation_id,
        target=user.id,
    )
    session.flush()
    return user


def issue_sign_in_link(session: Session, user_id: str, *, actor: str, now: dt.datetime) -> str:
    """A one-time sign-in link token for ``user_id`` (valid for 24 hours).

    Raises:
        NotFoundError: no such user.
        AccountError: the account is disabled.
    """
    user = get_user(session, user_id)
    if user.disabled_at is not None:
        raise AccountError("this account is disabled")
    token = _issue(session, user, "sign-in", actor=actor, now=now)
    audit.record(
        session,
        actor=actor,
        action="sign-in-link.issued",
        organisation_id=user.organisation_id,
        target=user.id,
    )
    return token


def redeem_sign_in_link(session: Session, token: str, *, client: str, now: dt.datetime) -> User:
    """Use a sign-in link: the user it signs in (the caller starts the session).

    A link also clears a password lockout: an admin vouched for the person.

    Raises:
        InvalidToken: the link is unknown, expired or used.
    """
    user = _redeem(session, token, "sign-in", now=now)
    user.activated_at = user.activated_at or now
    return signed_in(session, user, method="link", client=client)


def signed_in(session: Session, user: User, *, method: str, client: str) -> User:
    """Clear ``user``'s failed attempts and lockout, and audit the sign-in."""
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record(
        session,
        actor=user.id,
        action="sign-in.succeeded",
        organisation_id=user.organisation_id,
        target=user.id,
        details={"method": method, "client": client},
    )
    session.flush()
    return user


def change_password(
    session: Session, user: User, *, current: str, new: str, now: dt.datetime
) -> None:
    """Replace the password after checking the current one.

    Raises:
        AccountError: the current password is wrong.
        InvalidValueError: the new password is not acceptable.
    """
    if user.password_hash is None or not verify_password(user.password_hash, current):
        raise AccountError("the current password is not correct")
    user.password_hash = hash_password(check_password(new))
    audit.record(
        session,
        actor=user.id,
        action="password.changed",
        organisation_id=user.organisation_id,
        target=user.id,
    )
    session.flush()


def disable_user(session: Session, user_id: str, *, actor: str, now: dt.datetime) -> User:
    """Disable an account: it can no longer sign in, and its sessions end now.

    Disabling a disabled account changes nothing and is not an error.
    """
    user = get_user(session, user_id)
    if user.disabled_at is None:
        user.disabled_at = now
        end_all_sessions(session, user.id, now=now, actor=actor)
        audit.record(
            session,
            actor=actor,
            action="user.disabled",
            organisation_id=user.organisation_id,
            target=user.id,
        )
        session.flush()
    return user
