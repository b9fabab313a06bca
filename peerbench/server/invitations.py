"""Who may invite whom, and handing a one-time link to its person.

The same functions serve ``peerbench admin invite`` / ``admin sign-in-link``, the admin
portal's "Invite" and "Issue sign-in link", and a network analyst's "Invite a colleague".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server.accounts import AccountError
from peerbench.server.db.models import Membership, Role, User
from peerbench.server.mailer import invite_message, link_url, send_link, sign_in_message
from peerbench.server.principal import Principal
from peerbench.server.settings import Settings


@dataclass(frozen=True)
class Delivery:
    """A one-time link and whether it was also emailed."""

    url: str
    emailed: bool


def check_inviter(
    session: Session,
    inviter: Principal,
    *,
    role: Role | str,
    organisation_id: str | None = None,
    network_id: str | None = None,
) -> None:
    """Refuse an invitation ``inviter`` may not make.

    Admins may invite anyone. A network analyst may invite submitters of their network's
    member organisations (including members whose agreement has not started yet) and
    other analysts of their own network. Nobody else may invite.

    Raises:
        AccountError: saying what the inviter may do instead.
    """
    role = Role(role)
    if inviter.role == Role.ADMIN.value:
        return
    if inviter.role == Role.NETWORK_ANALYST.value and inviter.network_id:
        if role is Role.NETWORK_ANALYST and network_id == inviter.network_id:
            return
        if role is Role.SUBMITTER and organisation_id is not None:
            member = session.scalar(
                select(Membership.organisation_id).where(
                    Membership.network_id == inviter.network_id,
                    Membership.organisation_id == organisation_id,
                )
            )
            if member is not None:
                return
        raise AccountError(
            "a network analyst may invite only submitters of the network's member "
            "organisations and analysts of the network"
        )
    raise AccountError("only administrators and network analysts may invite people")


def deliver(settings: Settings, user: User, token: str, kind: str) -> Delivery:
    """The link for ``token`` (``kind``: ``invite`` or ``sign-in``), emailed when SMTP is set.

    Raises:
        MailError: SMTP is configured but the message could not be sent.
    """
    url = link_url(settings, kind, token)
    if kind == "invite":
        scope = user.organisation_id or user.network_id
        subject, body = invite_message(url, role=user.role, scope=scope)
    else:
        subject, body = sign_in_message(url)
    return Delivery(url, send_link(settings, user.email, subject, body))


def expires_in_words(kind: str) -> str:
    """How long a link of ``kind`` works, in words (for pages and the CLI)."""
    return "7 days" if kind == "invite" else "24 hours"


def is_pending(user: User) -> bool:
    """Whether the user has not yet accepted their invite."""
    return user.activated_at is None and user.disabled_at is None


def status_of(user: User, *, now: dt.datetime) -> str:
    """``disabled``, ``locked``, ``pending`` or ``active`` (for listings)."""
    if user.disabled_at is not None:
        return "disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return "pending" if is_pending(user) else "active"
