"""``peerbench admin``: organisations, networks, memberships, API keys, people and the audit log.

A thin shell over :mod:`peerbench.server.tenancy` and :mod:`peerbench.server.audit`.
Run it on the server (it talks to the database directly, not to the HTTP API).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from peerbench.cli.constants import ROLES
from peerbench.cli.date_option import iso_date, optional_iso_date
from peerbench.cli.db_cmd import open_database, settings_options
from peerbench.cli.output import echo_err, format_option, warn

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from sqlalchemy.orm import Session

    from peerbench.server.db.models import ApiKey, AuditEvent
    from peerbench.server.settings import Settings


@contextlib.contextmanager
def admin_session(settings: Settings) -> Iterator[Session]:
    """A committed session on a migrated database; tenancy refusals become CLI errors."""
    from peerbench.server import tenancy

    try:
        with open_database(settings) as database, database.session() as session:
            yield session
    except tenancy.InvalidValueError as exc:
        raise click.UsageError(str(exc)) from None  # a bad option value: exit 2
    except tenancy.TenancyError as exc:
        raise click.ClickException(str(exc)) from None  # unknown or duplicate: exit 1


def _scope(key: ApiKey) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("organisation", key.organisation_id),
            ("network", key.network_id),
            ("project", key.project),
        )
        if value
    ]
    return " ".join(parts) or "everything"


def key_public(key: ApiKey) -> dict[str, Any]:
    """What may be shown about a key: never its secret or hash."""
    return {
        "id": key.id,
        "prefix": key.key_prefix,
        "role": key.role,
        "organisation_id": key.organisation_id,
        "network_id": key.network_id,
        "project": key.project,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def event_public(event: AuditEvent) -> dict[str, Any]:
    """An audit event as plain JSON-ready data."""
    return {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "organisation_id": event.organisation_id,
        "target": event.target,
        "details": event.details,
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


@click.group()
def admin() -> None:
    """Manage organisations, networks, memberships and API keys on the server.

    \b
    Example:
        peerbench admin create-org --id mind-leeds --name "Leeds Mind" --type charity
    """


@admin.command("create-org")
@click.option("--id", "organisation_id", required=True, help="Short stable id, e.g. mind-leeds.")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--type", "organisation_type", help="Organisation type code, e.g. charity.")
@click.option("--region", help="Region code, e.g. london.")
@settings_options
def create_org(
    settings: Settings,
    organisation_id: str,
    name: str,
    organisation_type: str | None,
    region: str | None,
) -> None:
    """Register an organisation that may submit data.

    \b
    Example:
        peerbench admin create-org --id mind-leeds --name "Leeds Mind" --region yorkshire_humber
    """
    from peerbench.server import tenancy

    with admin_session(settings) as session:
        tenancy.create_organisation(
            session,
            id=organisation_id,
            name=name,
            organisation_type=organisation_type,
            region=region,
        )
    echo_err(f"Created organisation {organisation_id}.")


@admin.command("create-network")
@click.option("--id", "network_id", required=True, help="Short stable id, e.g. mind.")
@click.option("--name", required=True, help="The network's name.")
@settings_options
def create_network(settings: Settings, network_id: str, name: str) -> None:
    """Register a network that benchmarks over its member organisations.

    \b
    Example:
        peerbench admin create-network --id mind --name "Mind network"
    """
    from peerbench.server import tenancy

    with admin_session(settings) as session:
        tenancy.create_network(session, id=network_id, name=name)
    echo_err(f"Created network {network_id}.")


@admin.command("add-member")
@click.option("--network", "network_id", required=True, help="Network id.")
@click.option("--org", "organisation_id", required=True, help="Organisation id.")
@click.option("--agreement", required=True, help="Data-sharing agreement reference.")
@click.option(
    "--start",
    metavar="YYYY-MM-DD",
    callback=iso_date,
    required=True,
    help="Date the agreement starts (YYYY-MM-DD); the network sees data from then on.",
)
@click.option(
    "--end",
    metavar="YYYY-MM-DD",
    callback=optional_iso_date,
    default=None,
    help="Last day of the agreement (YYYY-MM-DD); the network sees no data after it.",
)
@settings_options
def add_member(
    settings: Settings,
    network_id: str,
    organisation_id: str,
    agreement: str,
    start: dt.date,
    end: dt.date | None,
) -> None:
    """Make an organisation a member of a network under a data-sharing agreement.

    \b
    Example:
        peerbench admin add-member --network mind --org mind-leeds --agreement DSA-2025-07 \\
            --start 2025-04-01
    """
    from peerbench.server import tenancy

    with admin_session(settings) as session:
        tenancy.add_member(
            session,
            network_id=network_id,
            organisation_id=organisation_id,
            agreement_reference=agreement,
            agreement_start=start,
            agreement_end=end,
        )
    echo_err(f"Organisation {organisation_id} is now a member of network {network_id}.")


@admin.command("create-key")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the key may do.")
@click.option("--org", "organisation_id", help="Organisation the key belongs to.")
@click.option("--network", "network_id", help="Network the key belongs to.")
@click.option("--project", help="Approved project (researcher keys only).")
@click.option("--label", help="A note to tell keys apart, e.g. who holds it.")
@settings_options
def create_key(
    settings: Settings,
    role: str,
    organisation_id: str | None,
    network_id: str | None,
    project: str | None,
    label: str | None,
) -> None:
    """Make an API key and print it once, to stdout.

    A submitter key needs --org; a network-analyst key --network; a researcher key
    --project and one of --org or --network; an admin key neither. Only a hash is
    stored: copy the key now, it cannot be shown again.

    \b
    Example:
        peerbench admin create-key --org mind-leeds --role submitter --label "data lead"
    """
    from peerbench.server import tenancy
    from peerbench.server.db.models import Role

    with admin_session(settings) as session:
        key, secret = tenancy.create_key(
            session,
            role=Role(role),
            organisation_id=organisation_id,
            network_id=network_id,
            project=project,
            label=label,
        )
    click.echo(secret)
    echo_err(f"Created {key.role} key {key.id} ({_scope(key)}).")
    warn("This key is shown once. Store it safely now; if it is lost, make a new one.")


@admin.command("revoke-key")
@click.argument("key_id")
@settings_options
def revoke_key(settings: Settings, key_id: str) -> None:
    """Revoke an API key at once (see list-keys for ids).

    \b
    Example:
        peerbench admin revoke-key key_1a2b3c4d5e6f
    """
    from peerbench.server import tenancy

    with admin_session(settings) as session:
        tenancy.revoke_key(session, key_id)
    echo_err(f"Revoked key {key_id}.")


@admin.command("list-keys")
@format_option("text", "json", default="text")
@settings_options
def list_keys(settings: Settings, output_format: str) -> None:
    """List API keys: id, prefix, role, scope, created and revoked (never the secrets).

    \b
    Example:
        peerbench admin list-keys --format json
    """
    from peerbench.server import tenancy

    with admin_session(settings) as session:
        keys = [key_public(key) | {"scope": _scope(key)} for key in tenancy.list_keys(session)]
    if output_format == "json":
        click.echo(json.dumps(keys, indent=2))
        return
    header = ["ID", "PREFIX", "ROLE", "SCOPE", "CREATED", "REVOKED"]
    rows = [
        [
            k["id"],
            k["prefix"],
            k["role"],
            k["scope"],
            k["created_at"][:19],
            (k["revoked_at"] or "-")[:19],
        ]
        for k in keys
    ]
    click.echo(_table([header, *rows]), nl=False)


@admin.command("audit")
@click.option("--action", help="Only this action, e.g. key.created or download.")
@click.option("--org", "organisation_id", help="Only events about this organisation.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Show at most this many events (newest first).",
)
@format_option("text", "json", default="text")
@settings_options
def audit_command(
    settings: Settings,
    action: str | None,
    organisation_id: str | None,
    limit: int,
    output_format: str,
) -> None:
    """Show the audit log, newest first.

    \b
    Example:
        peerbench admin audit --action download --limit 20
    """
    from peerbench.server import audit

    with admin_session(settings) as session:
        events = [
            event_public(e)
            for e in audit.query(
                session, action=action, organisation_id=organisation_id, limit=limit
            )
        ]
    if output_format == "json":
        click.echo(json.dumps(events, indent=2))
        return
    header = ["AT", "ACTOR", "ACTION", "ORGANISATION", "TARGET", "DETAILS"]
    rows = [
        [
            e["at"][:19],
            e["actor"],
            e["action"],
            e["organisation_id"] or "-",
            e["target"] or "-",
            json.dumps(e["details"], sort_keys=True) if e["details"] else "",
        ]
        for e in events
    ]
    click.echo(_table([header, *rows]), nl=False)


# The portal's people commands (invite, sign-in-link), membership updates and coverage
# live in their own modules (this one is near its size limit); imported last because
# they use admin_session above.
from peerbench.cli import admin_network  # noqa: E402
from peerbench.cli import admin_users as _admin_users  # noqa: E402, F401

admin.add_command(admin_network.update_member)
admin.add_command(admin_network.coverage)
