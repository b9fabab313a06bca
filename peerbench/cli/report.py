"""``peerbench report``: write a service, network, commissioner or data-quality report."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import click

from peerbench.cli.constants import REPORT_KINDS
from peerbench.cli.submit import make_client, server_options


@click.command(name="report")
@click.option(
    "--store",
    "store",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A pooled store (server data directory or its pool) or any folder of standard "
    "Parquet files, as for `peerbench benchmark`. Not with --server.",
)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(REPORT_KINDS),
    help="Which report: service, network, commissioner or quality.",
)
@click.option("--service", "service_id", default=None, help="Service id (for --kind service).")
@click.option(
    "--network",
    "network_id",
    default=None,
    help="With a server data directory (or --server, admins only): only this network's "
    "member organisations. With a plain folder of files it only names the whole pool in "
    "titles and the file name (default: 'the network').",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (created if missing).",
)
@click.option("--pdf", is_flag=True, help="Also print an A4 PDF (needs Chromium).")
@click.option(
    "--produced-on",
    "produced_on",
    default=None,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Production date printed on the report (default: today). With --store only.",
)
@server_options
def report(
    store: Path | None,
    kind: str,
    service_id: str | None,
    network_id: str | None,
    out_dir: Path,
    pdf: bool,
    produced_on: dt.datetime | None,
    server: str | None,
    key: str | None,
) -> None:
    """Write a plain-English HTML report (and optionally a PDF) from pooled data.

    Writes OUT/<kind>[-<id>].html and OUT/<kind>[-<id>].figures.json (the key figures as
    JSON), and prints where to open the report. Every figure passes disclosure control;
    a service report shows its own service's figures in full (owner view).

    With --server URL instead of --store, the server builds the report from the current
    pool in your key's scope (key from --key, PEERBENCH_KEY or the config file); the same
    files are written (the PDF is printed here).

    Example: peerbench report --store demo-output/reference --kind service
    --service org001-birmingham-s5 --out reports --pdf
    """
    if kind == "service" and service_id is None:
        raise click.BadParameter("is required for --kind service", param_hint="--service")
    if kind != "service" and service_id is not None:
        raise click.BadParameter("only applies to --kind service", param_hint="--service")
    if (store is None) == (server is None):
        raise click.UsageError("Give either --store DIR or --server URL (not both).")
    ident = service_id if kind == "service" else network_id
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ident).strip("-") if ident else ""
    name = f"{kind}-{slug}" if slug else kind
    started = time.perf_counter()
    if store is None:
        paths = _from_server(server, key, kind, service_id, network_id, out_dir, name, pdf)
    else:
        day = None if produced_on is None else produced_on.date()
        paths = _from_store(store, kind, service_id, network_id, out_dir, name, pdf, day)
    if pdf and _no_chromium():
        click.echo("no Chromium found: wrote HTML only (install chromium for --pdf)", err=True)
    seconds = time.perf_counter() - started
    click.echo(f"wrote {len(paths)} files in {seconds:.1f} s", err=True)
    for path in paths:
        click.echo(path)
    click.echo(f"open {paths[0].resolve().as_uri()}", err=True)


def _no_chromium() -> bool:
    from peerbench.reports.render import find_chromium

    return find_chromium() is None


def _from_store(
    store: Path,
    kind: str,
    service_id: str | None,
    network_id: str | None,
    out_dir: Path,
    name: str,
    pdf: bool,
    produced_on: dt.date | None = None,
) -> list[Path]:
    # Imported here: the builders load the statistics, Altair and the validators, which
    # a report answered from the result cache never needs.
    from peerbench.reports.builders.cache import report_page
    from peerbench.reports.builders.pages import write_pages

    if network_id is None:
        try:
            page, figures = report_page(
                store, kind, service_id, network_name="the network", produced_on=produced_on
            )
        except FileNotFoundError as error:
            raise click.ClickException(str(error)) from error
        except KeyError:
            raise click.BadParameter(
                f"{service_id!r} is not a service in {store}", param_hint="--service"
            ) from None
        return write_pages(page, figures, out_dir, name, pdf=pdf)
    from peerbench.reports.builders import build, load_report_data, write
    from peerbench.reports.builders.inputs import network_members

    try:
        members = network_members(store, network_id)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--network") from None
    try:
        data = load_report_data(
            store,
            network_name=network_id,
            organisation_ids=members,
            produced_on=produced_on,
        )
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    try:
        content = build(data, kind, service_id)
    except KeyError:
        raise click.BadParameter(
            f"{service_id!r} is not a service in {store}", param_hint="--service"
        ) from None
    return write(content, out_dir, name, pdf=pdf)


def _from_server(
    server: str | None,
    key: str | None,
    kind: str,
    service_id: str | None,
    network_id: str | None,
    out_dir: Path,
    name: str,
    pdf: bool,
) -> list[Path]:
    from peerbench.client import PeerbenchError

    try:
        with make_client(server, key) as client:
            page = client.report_html(kind, service_id=service_id, network_id=network_id)
            figures = client.report_figures(kind, service_id=service_id, network_id=network_id)
    except PeerbenchError as error:
        click.echo(error.message, err=True)
        raise click.exceptions.Exit(1) from None
    from peerbench.reports.builders.pages import write_pages

    return write_pages(page, figures, out_dir, name, pdf=pdf)
