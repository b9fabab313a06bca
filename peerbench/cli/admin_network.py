"""``peerbench admin update-member`` and ``peerbench admin coverage``.

Thin shells over :func:`peerbench.server.tenancy.update_member` and
:func:`peerbench.server.coverage.network_coverage` (the portal's network pages and
``GET /v1/networks/{id}/coverage`` show the same).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import click

from peerbench.cli.date_option import optional_iso_date
from peerbench.cli.db_cmd import settings_options
from peerbench.cli.output import echo_err, format_option

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from peerbench.server.settings import Settings


@click.command("update-member")
@click.option("--network", "network_id", required=True, help="Network id.")
@click.option("--org", "organisation_id", required=True, help="Organisation id.")
@click.option("--agreement", help="New agreement reference (default: unchanged).")
@click.option("--start", metavar="YYYY-MM-DD", callback=optional_iso_date, help="New start date.")
@click.option(
    "--end", metavar="YYYY-MM-DD", callback=optional_iso_date, help="New last day of the agreement."
)
@click.option("--open-ended", is_flag=True, help="Remove the end date.")
@settings_options
def update_member(
    settings: Settings,
    network_id: str,
    organisation_id: str,
    agreement: str | None,
    start: dt.date | None,
    end: dt.date | None,
    open_ended: bool,
) -> None:
    """Change a member's agreement: reference, start date or end date (audited).

    After the end date the network no longer sees the organisation's data.

    \b
    Example:
        peerbench admin update-member --network mind --org mind-leeds --end 2026-03-31
    """
    from peerbench.cli.admin import admin_session
    from peerbench.server import tenancy

    if end is not None and open_ended:
        raise click.UsageError("Give --end or --open-ended, not both.")
    with admin_session(settings) as session:
        member = tenancy.get_member(session, network_id, organisation_id)
        tenancy.update_member(
            session,
            network_id=network_id,
            organisation_id=organisation_id,
            agreement_reference=agreement or member.agreement_reference,
            agreement_start=start or member.agreement_start,
            agreement_end=None if open_ended else (end or member.agreement_end),
        )
    echo_err(f"Updated the agreement of {organisation_id} in network {network_id}.")


@click.command("coverage")
@click.option("--network", "network_id", required=True, help="Network id.")
@click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    callback=optional_iso_date,
    help="Day to report (default today).",
)
@format_option("text", "json", default="text")
@settings_options
def coverage(
    settings: Settings, network_id: str, as_of: dt.date | None, output_format: str
) -> None:
    """Each member's submission status by quarter, with its agreement dates.

    \b
    Example:
        peerbench admin coverage --network mind --format json
    """
    from peerbench.cli.admin import admin_session
    from peerbench.server.coverage import CELL_LABELS, network_coverage

    day = as_of or dt.datetime.now(dt.UTC).date()
    with admin_session(settings) as session:
        result = network_coverage(session, network_id, as_of=day)
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(f"{result.network_name} ({result.network_id}) on {day.isoformat()}")
    for member in result.members:
        end = member.agreement_end.isoformat() if member.agreement_end else "open-ended"
        click.echo(
            f"\n{member.name} ({member.organisation_id}): {member.agreement_reference}, "
            f"{member.agreement_start.isoformat()} to {end}"
        )
        for cell in member.cells:
            click.echo(f"  {cell.period}  {CELL_LABELS[cell.status]}")
