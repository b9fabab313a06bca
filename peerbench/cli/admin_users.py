"""``peerbench admin invite``, ``sign-in-link``, ``list-users``, ``disable-user``: people
for the web portal.

``invite`` and ``sign-in-link`` print a one-time URL (to stdout) for the admin to pass
on; when ``smtp_host`` is set they also email it. Registered on the ``admin`` group by
:mod:`peerbench.cli.admin`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from peerbench.cli.admin import _table as table_text
from peerbench.cli.admin import admin, admin_session
from peerbench.cli.constants import ROLES
from peerbench.cli.db_cmd import settings_options
from peerbench.cli.output import echo_err, format_option, warn

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from peerbench.server.db.models import User
    from peerbench.server.settings import Settings

_BASE_URL = click.option(
    "--base-url",
    help="The portal's address as people reach it (default: setting public_url).",
)


def _hand_over(settings: Settings, user: User, token: str, kind: str) -> None:
    """Print the link (stdout) and email it where SMTP is configured."""
    from peerbench.server.invitations import Delivery, deliver, expires_in_words
    from peerbench.server.mailer import MailError, link_url

    try:
        delivery = deliver(settings, user, token, kind)
    except MailError as exc:
        warn(f"The email was not sent ({exc}); pass the link on yourself.")
        delivery = Delivery(link_url(settings, kind, token), emailed=False)
    click.echo(delivery.url)
    if delivery.emailed:
        echo_err(f"Emailed the link to {user.email}.")
    warn(f"The link works once, for {expires_in_words(kind)}. Pass it only to {user.email}.")


@admin.command("invite")
@click.option("--email", required=True, help="The person's email address (their sign-in name).")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What they may do.")
@click.option("--org", "organisation_id", help="Their organisation (submitters).")
@click.option("--network", "network_id", help="Their network (network analysts).")
@click.option("--project", help="Approved project (researchers only).")
@click.option("--name", help="Their name (they can change it when they accept).")
@_BASE_URL
@settings_options
def invite(
    settings: Settings,
    email: str,
    role: str,
    organisation_id: str | None,
    network_id: str | None,
    project: str | None,
    name: str | None,
    base_url: str | None,
) -> None:
    """Invite someone to the web portal: prints their one-time invite link.

    They open it, choose their name and a password, and are signed in. Scopes are as
    for create-key: a submitter needs --org, a network analyst --network, a researcher
    --project and one of --org or --network.

    \b
    Example:
        peerbench admin invite --email sam@mind-leeds.org.uk --role submitter --org mind-leeds
    """
    from peerbench.server import audit
    from peerbench.server.accounts import invite_user
    from peerbench.server.context import utc_now
    from peerbench.server.db.models import Role

    if base_url:
        settings = settings.model_copy(update={"public_url": base_url})
    with admin_session(settings) as session:
        user, token = invite_user(
            session,
            email=email,
            role=Role(role),
            organisation_id=organisation_id,
            network_id=network_id,
            project=project,
            name=name,
            actor=audit.ADMIN_CLI_ACTOR,
            now=utc_now(),
        )
    _hand_over(settings, user, token, "invite")


@admin.command("sign-in-link")
@click.option("--email", required=True, help="The email address of the account.")
@_BASE_URL
@settings_options
def sign_in_link(settings: Settings, email: str, base_url: str | None) -> None:
    """Print a one-time sign-in link for an existing account (e.g. a forgotten password).

    Using it also lifts a lockout after too many wrong passwords.

    \b
    Example:
        peerbench admin sign-in-link --email sam@mind-leeds.org.uk
    """
    from peerbench.server import audit
    from peerbench.server.accounts import issue_sign_in_link, user_by_email
    from peerbench.server.context import utc_now

    if base_url:
        settings = settings.model_copy(update={"public_url": base_url})
    with admin_session(settings) as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"there is no account with email {email!r}")
        token = issue_sign_in_link(session, user.id, actor=audit.ADMIN_CLI_ACTOR, now=utc_now())
    _hand_over(settings, user, token, "sign-in")


@admin.command("list-users")
@format_option("text", "json", default="text")
@settings_options
def list_users_command(settings: Settings, output_format: str) -> None:
    """List portal accounts: id, email, role, scope and status (never a password).

    \b
    Example:
        peerbench admin list-users --format json
    """
    from peerbench.server.accounts import list_users
    from peerbench.server.context import utc_now
    from peerbench.server.invitations import status_of

    now = utc_now()
    with admin_session(settings) as session:
        users = [
            {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
                "organisation_id": user.organisation_id,
                "network_id": user.network_id,
                "project": user.project,
                "status": status_of(user, now=now),
            }
            for user in list_users(session)
        ]
    if output_format == "json":
        click.echo(json.dumps(users, indent=2))
        return
    header = ["ID", "EMAIL", "ROLE", "SCOPE", "STATUS"]
    rows = [
        [
            str(u["id"]),
            str(u["email"]),
            str(u["role"]),
            ",".join(str(u[k]) for k in ("organisation_id", "network_id", "project") if u[k])
            or "-",
            str(u["status"]),
        ]
        for u in users
    ]
    click.echo(table_text([header, *rows]), nl=False)


@admin.command("disable-user")
@click.option("--email", required=True, help="The email address of the account.")
@settings_options
def disable_user_command(settings: Settings, email: str) -> None:
    """Disable a portal account: it cannot sign in, and its sessions end at once.

    \b
    Example:
        peerbench admin disable-user --email sam@mind-leeds.org.uk
    """
    from peerbench.server import audit
    from peerbench.server.accounts import disable_user, user_by_email
    from peerbench.server.context import utc_now

    with admin_session(settings) as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"there is no account with email {email!r}")
        disable_user(session, user.id, actor=audit.ADMIN_CLI_ACTOR, now=utc_now())
    echo_err(f"Disabled {user.email}; every session of theirs has ended.")
