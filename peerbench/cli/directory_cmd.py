"""``peerbench directory``: the pool's services as an Open Referral UK directory listing.

A thin shell over :mod:`peerbench.directory` (imported when a command runs).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from peerbench.cli.output import echo_err

KINDS = ("service", "organization")
"""``peerbench.directory.schemas.Kind`` values."""

SHAPES = ("full", "list")
"""``peerbench.directory.export.Shape`` values."""


@click.group()
def directory() -> None:
    """Open Referral UK: list the pool's peer-support services for service directories."""


@directory.command("export")
@click.option(
    "--store",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A server data folder (with pool/) or a folder of standard files.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file to write (replaced atomically; readable by you only).",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="service",
    show_default=True,
    help="A list of services (each naming its organisation) or of organisations "
    "(each with its services).",
)
@click.option(
    "--shape",
    type=click.Choice(SHAPES),
    default="full",
    show_default=True,
    help="full: fully nested items (condition, delivery, facilitator model and area as "
    "attributes); list: only the one-to-one fields a list endpoint answers with.",
)
def export(store: Path, out: Path, kind: str, shape: str) -> None:
    """Write the pool's organisations and services as an Open Referral UK list.

    The file is one page of the UK profile's list envelope (total_items, …, contents)
    whose items are HSDS 3.0 UK-profile services (or organisations). It is checked
    against the UK profile's compiled schemas before it is written. Only organisation-
    and service-level facts are used, never participant data. Exits 0 on success, 1 on
    failure.

    \b
    Example:
        peerbench directory export --store demo-output/reference --out services.json
    """
    from peerbench.directory import DirectoryInvalid, DirectorySourceError, export_directory

    try:
        done = export_directory(store, out, kind=kind, shape=shape)  # type: ignore[arg-type]
    except (DirectorySourceError, DirectoryInvalid, ValueError) as exc:
        echo_err(f"No directory written: {exc}")
        raise click.exceptions.Exit(1) from None
    listed = (
        f"{done.items} services of {done.organisations} organisations"
        if kind == "service"
        else f"{done.items} organisations"
    )
    click.echo(f"wrote {listed} to {done.path} (valid against the Open Referral UK schemas)")
    for service_id in done.unlisted_ids:
        echo_err(
            f"note: service {service_id}: open_referral_id is not a UUID, so its "
            "Open Referral id was derived from service_id"
        )


@directory.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="service",
    show_default=True,
    help="What the page lists.",
)
def check(file: Path, kind: str) -> None:
    """Check an Open Referral UK list page against the UK profile's compiled schemas.

    Each item must satisfy both the full and the list schema of its kind. Prints each
    problem with where it is. Exits 0 when valid, 1 otherwise.

    \b
    Example:
        peerbench directory check services.json
    """
    from peerbench.directory import check_page

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        echo_err(f"{file} is not JSON: {exc}")
        raise click.exceptions.Exit(1) from None
    if not isinstance(document, dict):
        echo_err(f"{file} is not a list page (a JSON object with contents)")
        raise click.exceptions.Exit(1)
    problems = check_page(document, kind)  # type: ignore[arg-type]
    for problem in problems:
        click.echo(str(problem))
    items = document.get("contents")
    count = len(items) if isinstance(items, list) else 0
    if problems:
        echo_err(f"{file}: {len(problems)} problems in {count} items")
        raise click.exceptions.Exit(1)
    click.echo(f"{file}: {count} items, valid against the Open Referral UK schemas")
