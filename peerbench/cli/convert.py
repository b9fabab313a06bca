"""``peerbench convert``: a valid file in, canonical Parquet out; an invalid file, nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.output import echo_err, mapping_option, record_type_option
from peerbench.schema.version import STANDARD_VERSION

if TYPE_CHECKING:
    from peerbench.validators.mapping import Mapping


@click.command()
@click.argument(
    "input_path", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Parquet file to write.",
)
@record_type_option
@mapping_option
def convert(input_path: Path, out: Path, record_type: str | None, mapping: Mapping | None) -> None:
    """Convert a valid data file to canonical Parquet.

    IN (CSV, Excel, JSON Lines or Parquet) is validated first. If it is valid, --out is
    written with the standard's schema and version; if not, the problems are listed on
    stderr, nothing is written and the exit code is 1.

    \b
    Example:
        peerbench convert outcomes.csv --out outcomes.parquet
    """
    from peerbench.io.tabular import FileFormat, conform, write_table
    from peerbench.validators import validate as validate_files
    from peerbench.validators.render_text import render_text

    if out.suffix.lower() != ".parquet":
        raise click.BadParameter("the output name must end in .parquet", param_hint="--out")
    result = validate_files([input_path], record_type=record_type, mapping=mapping, collect=True)
    report = result.report
    if not report.valid:
        echo_err(render_text(report).rstrip("\n"))
        echo_err(f"Nothing written: {input_path} is not valid.")
        click.get_current_context().exit(1)
    if len(result.tables) != 1:
        found = ", ".join(sorted(result.tables)) or "none"
        raise click.UsageError(
            f"{input_path} holds {len(result.tables)} record types ({found}); convert needs "
            "exactly one: give a single sheet or file"
        )
    ((name, table),) = result.tables.items()
    # The engine's tables are canonical already; conform again so the file's schema is the
    # standard's by construction, whatever the engine returns.
    write_table(conform(table, name), out, FileFormat.PARQUET)
    if report.warnings:
        echo_err(render_text(report).rstrip("\n"))
    echo_err(
        f"{table.num_rows:,} {name} rows written to {out} (standard version {STANDARD_VERSION})"
    )
