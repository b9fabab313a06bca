"""Sending invite and sign-in links by email, where the server has a mail relay.

SMTP is optional: without ``smtp_host`` :func:`send_link` does nothing and returns
``False``, and the admin passes the printed link on some other way. With it, one plain
text message is sent through ``smtplib`` (STARTTLS unless ``smtp_starttls`` is off;
login when ``smtp_user`` is set).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from peerbench.server.settings import Settings

TIMEOUT_SECONDS = 20.0
"""How long to wait for the mail server before giving up."""


class MailError(RuntimeError):
    """The mail server refused or could not be reached; the message says which."""


def link_url(settings: Settings, kind: str, token: str) -> str:
    """The absolute URL of a one-time link: ``kind`` is ``invite`` or ``sign-in``."""
    base = settings.public_url.rstrip("/")
    path = "invite" if kind == "invite" else "sign-in/link"
    return f"{base}/{path}/{token}"


def invite_message(url: str, *, role: str, scope: str | None) -> tuple[str, str]:
    """The subject and body of an invite email."""
    where = f" for {scope}" if scope else ""
    subject = "Your invitation to peerbench"
    body = (
        f"You have been invited to peerbench as {role.replace('-', ' ')}{where}.\n\n"
        f"Open this link to choose your password and sign in (it works once, for 7 days):\n\n"
        f"{url}\n\n"
        "If you did not expect this, you can ignore this email.\n"
    )
    return subject, body


def sign_in_message(url: str) -> tuple[str, str]:
    """The subject and body of a sign-in link email."""
    subject = "Your peerbench sign-in link"
    body = (
        "Open this link to sign in to peerbench (it works once, for 24 hours):\n\n"
        f"{url}\n\n"
        "If you did not ask for it, you can ignore this email.\n"
    )
    return subject, body


def send_link(settings: Settings, to: str, subject: str, body: str) -> bool:
    """Email ``body`` to ``to``; ``False`` (and nothing sent) when SMTP is not configured.

    Raises:
        MailError: the mail server could not be reached or refused the message.
    """
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"could not send mail through {settings.smtp_host}:{settings.smtp_port}: "
            f"{type(exc).__name__}"
        ) from None
    return True
