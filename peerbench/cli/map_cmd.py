"""``peerbench map``: propose the mapping file for a charity's own spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click

from peerbench.cli.output import echo_err


@click.command(name="map")
@click.argument(
    "spreadsheets",
    metavar="SPREADSHEET...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    default="mapping.yaml",
    show_default=True,
    help="Mapping file to write ('-' prints it instead).",
)
@click.option(
    "--register",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also consider a local instrument definition (YAML or JSON); repeatable.",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists (it may hold your edits).")
@click.option(
    "--preview/--no-preview",
    default=True,
    show_default=True,
    help="Show the first records as the standard would read them.",
)
@click.option(
    "--rows",
    default=3,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Rows per sheet in the preview.",
)
def map_spreadsheets(
    spreadsheets: tuple[Path, ...],
    out: str,
    extra: tuple[Path, ...],
    force: bool,
    preview: bool,
    rows: int,
) -> None:
    """Propose a mapping file for SPREADSHEET (.xlsx or .csv; several allowed).

    Headers, sheet names and values are matched to the standard (fields, code-list
    labels, instruments and their answer words, date formats, the local id column,
    direct identifiers). The mapping is written as commented YAML saying what was
    matched, how sure it is, and what is left to decide (TODO lines); edit it, then run
    `peerbench prepare`. No value from the data is written to the mapping.

    \b
    Example:
        peerbench map clients.xlsx --out mapping.yaml
    """
    from peerbench.intake.grid import GRID_SUFFIXES
    from peerbench.intake.propose import propose_mapping
    from peerbench.io.atomic import atomic_path
    from peerbench.schema.instruments import (
        InstrumentConflictError,
        InstrumentDefinitionError,
        InstrumentRegistry,
        default_registry,
    )

    for path in spreadsheets:
        if path.suffix.lower() not in GRID_SUFFIXES:
            accepted = ", ".join(sorted(GRID_SUFFIXES))
            raise click.BadParameter(
                f"{path} is not a spreadsheet this reads ({accepted})", param_hint="SPREADSHEET"
            )
    target = None if out == "-" else Path(out)
    if target is not None and target.is_dir():
        raise click.UsageError(f"{target} is a folder; give the mapping file's name")
    if target is not None and target.exists() and not force:
        raise click.UsageError(
            f"{target} exists (it may hold your edits); use --force to replace it"
        )
    registry = None
    if extra:
        registry = InstrumentRegistry(list(default_registry()))
        for path in extra:
            try:
                registry.register_file(path)
            except (InstrumentDefinitionError, InstrumentConflictError) as exc:
                raise click.BadParameter(str(exc), param_hint="--register") from None
    proposal = propose_mapping(list(spreadsheets), registry)
    for finding in proposal.findings:
        echo_err(f"{finding.severity.value}: {finding.message}")
    if proposal.unreadable():
        raise click.UsageError("no sheet could be read; nothing written")
    text = proposal.to_yaml()
    if target is None:
        click.echo(text, nl=False)
    else:
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8")
        echo_err(f"Wrote {target}.")
    if preview:
        try:
            echo_err(proposal.preview(rows=rows))
        except ValueError as exc:  # the written YAML stays; say why there is no preview
            echo_err(f"No preview: {exc}")
    echo_err(proposal.summary(out if target is not None else "mapping.yaml"))
