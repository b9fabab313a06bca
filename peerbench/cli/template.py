"""``peerbench template``: a blank Excel workbook or CSV files to fill in."""

from __future__ import annotations

from pathlib import Path

import click

from peerbench.cli.output import echo_err, format_option


@click.command()
@format_option("xlsx", "csv", default="xlsx")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Workbook to write (xlsx), or folder for the CSV files (csv).",
)
@click.option(
    "--example",
    is_flag=True,
    help="Fill the workbook with a small synthetic example (xlsx only).",
)
def template(output_format: str, out: Path, example: bool) -> None:
    """Write a blank template generated from the standard.

    The workbook has one sheet per record type with drop-down lists, an Instructions
    sheet and a Data dictionary. With --example it is filled with a small synthetic
    dataset that validates as it is (the portal's "filled example" download). With
    --format csv, one header-only CSV per record type is written into the folder --out.

    \b
    Example:
        peerbench template --out peerbench-template.xlsx
    """
    from peerbench.io.atomic import atomic_path
    from peerbench.template import write_csv_templates, write_workbook

    if output_format == "csv":
        if example:
            raise click.BadParameter("--example writes a workbook; use --format xlsx")
        if out.exists() and not out.is_dir():
            raise click.BadParameter(f"{out} is a file; give a folder for CSV templates")
        written = write_csv_templates(out)
        echo_err(f"{len(written)} CSV templates written to {out}")
        return
    if out.is_dir():
        raise click.BadParameter(f"{out} is a folder; give a file name ending .xlsx")
    if out.suffix.lower() != ".xlsx":
        raise click.BadParameter("the workbook name must end in .xlsx", param_hint="--out")
    if example:
        from peerbench.template.example import example_workbook_bytes  # synth: load on use

        with atomic_path(out) as tmp:
            tmp.write_bytes(example_workbook_bytes())
        echo_err(f"Filled example written to {out}")
        return
    write_workbook(out)
    echo_err(f"Template written to {out}")
