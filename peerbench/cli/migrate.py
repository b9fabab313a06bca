"""``peerbench migrate``: upgrade files of an earlier minor version to the current standard."""

from __future__ import annotations

from pathlib import Path

import click

from peerbench.schema.version import RELEASES


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to create with the upgraded files (never the source itself).",
)
@click.option(
    "--assume",
    default=RELEASES[0],
    show_default=True,
    help="Version of files that declare none (no Parquet metadata, bundle key or manifest).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def migrate(source: Path, out: Path, assume: str, force: bool) -> None:
    """Upgrade standard files (a FILE or a FOLDER) to this version of the standard.

    Every file is checked to hold exactly what its source held; the folder appears
    complete or not at all. Parquet files and JSON bundles get their declared version
    rewritten; CSV, JSON Lines and Excel files are copied unchanged beside a
    peerbench.json manifest that declares the new version.

    Example: peerbench migrate submission-2026-q1/ --out submission-2026-q1-v1.1/
    """
    from peerbench.io.migrate import MigrationError, migrate_path

    try:
        done = migrate_path(source, out, assume=assume, force=force)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in done:
        moved = f"{item.from_version} -> {item.to_version}"
        click.echo(f"{item.name}: {moved} ({item.action})")
    click.echo(f"migrated {len(done)} file(s) into {out}/", err=True)
