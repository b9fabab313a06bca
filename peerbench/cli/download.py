"""``peerbench download``: a researcher extract from a local store, a folder, or a server.

A thin shell over :func:`peerbench.extracts.build_extract` (local) and
:meth:`peerbench.client.PeerbenchClient.download_extract` (server).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.output import echo_err, emit, format_option, quiet_option
from peerbench.cli.submit import make_client, server_options

if TYPE_CHECKING:  # loaded when the command runs (see peerbench.cli.constants)
    from peerbench.extracts import ExtractManifest

DEFAULT_PROJECT = "local"


def describe(manifest: ExtractManifest) -> str:
    """A few lines saying what was written."""
    counts = ", ".join(f"{rt} {n:,}" for rt, n in manifest.row_counts.items())
    return (
        f"Extract {manifest.extract_id} for project {manifest.project} written to "
        f"{manifest.path}\n  rows: {counts}\n"
    )


def manifest_json(manifest: ExtractManifest) -> str:
    """The manifest as indented JSON (what ``--format json`` prints)."""
    return json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n"


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    from peerbench.extracts.statistical import parse_formats

    try:
        return parse_formats(value or "")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _local(
    store: Path, out: Path, project: str, secret_file: Path | None, also: tuple[str, ...]
) -> ExtractManifest:
    from peerbench.extracts import build_extract, new_extract_id
    from peerbench.extracts.pool import extract_from_pool, open_pool
    from peerbench.extracts.sources import folder_tables, is_server_data_dir
    from peerbench.schema.pseudonym import new_secret, read_key_file

    if is_server_data_dir(store):
        with open_pool(store) as context, context.db.session() as session:
            return extract_from_pool(
                context, session, organisation_ids=None, project=project, out_dir=out, also=also
            )
    # A plain folder has no server secret: a fresh random one (unless given) makes the
    # extract's keys unlinkable to any other extract, at the price of not being repeatable.
    salt = read_key_file(secret_file) if secret_file else new_secret()
    return build_extract(
        folder_tables(store),
        project=project,
        extract_id=new_extract_id(),
        salt=salt,
        out_dir=out,
        also=also,
    )


def _add_statistical(manifest: ExtractManifest, also: tuple[str, ...]) -> ExtractManifest:
    """Stata/SPSS files beside a downloaded extract's Parquet files (made here, 0600)."""
    from peerbench.extracts.statistical import write_statistical

    write_statistical(manifest.path, also, extract_id=manifest.extract_id)
    names = sorted(p.name for p in manifest.path.iterdir() if p.is_file())
    return manifest.model_copy(update={"files": names})


@click.command()
@click.option(
    "--store",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A server data folder (with pool/) or a folder of standard files.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create for the extract (must not exist, or be empty).",
)
@click.option("--project", help="Approved project (local only; a server uses the key's).")
@click.option(
    "--secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Key file (peerbench keygen) to re-key a plain folder with, for a repeatable extract.",
)
@click.option(
    "--also",
    metavar="dta,sav",
    callback=_formats,
    help="Also write each file for Stata (dta) and/or SPSS (sav), with variable and value labels.",
)
@server_options
@format_option("text", "json", default="text")
@quiet_option
def download(
    store: Path | None,
    out: Path,
    project: str | None,
    secret_file: Path | None,
    also: tuple[str, ...],
    server: str | None,
    key: str | None,
    output_format: str,
    quiet: bool,
) -> None:
    """Download a researcher extract: consented rows only, re-keyed, documented.

    With --store, the extract is built here from a server's data folder (its current
    pool) or from a folder of standard files (validated first). Otherwise it is fetched
    from the server (--server / PEERBENCH_SERVER) with a researcher key, which decides
    the project and scope. The folder holds CSV and Parquet per record type,
    datapackage.json, data_dictionary.md, README.md and the scoring rules of its
    questionnaires (--also dta,sav adds Stata and SPSS files); it appears complete or
    not at all, readable by you only. Exits 0 on success, 1 on failure, 2 on usage errors.

    \b
    Example:
        peerbench download --store pb-data --out extract/ --project study-1
        PEERBENCH_KEY=pbk_... peerbench download --server https://pool.example.org --out extract/
        peerbench download --store pb-data --out extract/ --also dta,sav
    """
    from peerbench.client import PeerbenchError
    from peerbench.extracts.sources import SourceError
    from peerbench.server.db.migrate import DatabaseNotMigrated

    if store is not None and server is not None:
        raise click.UsageError("give --store or --server, not both")
    try:
        if store is not None:
            manifest = _local(store, out, project or DEFAULT_PROJECT, secret_file, also)
        else:
            if secret_file is not None:
                raise click.UsageError("--secret-file applies to --store only")
            with make_client(server, key) as client:
                manifest = client.download_extract(out, project=project)
            if also:
                manifest = _add_statistical(manifest, also)
    except (SourceError, PeerbenchError, FileExistsError, ValueError, DatabaseNotMigrated) as exc:
        message = exc.message if isinstance(exc, PeerbenchError) else str(exc)
        echo_err(f"No extract written: {message}")
        raise click.exceptions.Exit(1) from None
    if output_format == "json":
        emit(manifest_json(manifest), None)
    elif not quiet:
        emit(describe(manifest), None)
