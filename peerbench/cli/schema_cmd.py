"""``peerbench schema``: write or check the generated standard and SPEC.md tables."""

from __future__ import annotations

import sys
from pathlib import Path

import click

_OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schema"),
    show_default=True,
    help="Folder for the generated language-neutral standard.",
)
_SPEC = click.option(
    "--spec",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SPEC.md whose generated blocks to refresh or check.",
)


@click.group()
def schema() -> None:
    """Generate or check the language-neutral standard (JSON Schema, Arrow, code lists)."""


@schema.command()
@_OUT
@_SPEC
def generate(out: Path, spec: Path | None) -> None:
    """Write the generated standard to OUT and refresh SPEC.md's generated tables.

    Example: peerbench schema generate --out schema --spec SPEC.md
    """
    from peerbench.generate.artefacts import write_artefacts
    from peerbench.generate.spec_md import render_spec

    count = write_artefacts(out)
    click.echo(f"wrote {count} files under {out}/", err=True)
    if spec is not None:
        text = spec.read_text(encoding="utf-8")
        try:
            spec.write_text(render_spec(text), encoding="utf-8")
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        click.echo(f"refreshed generated tables in {spec}", err=True)


@schema.command()
@_OUT
@_SPEC
def check(out: Path, spec: Path | None) -> None:
    """Exit 1 if the generated standard or SPEC.md tables are stale.

    Example: peerbench schema check --out schema --spec SPEC.md
    """
    from peerbench.generate.artefacts import stale_artefacts
    from peerbench.generate.spec_md import render_spec

    problems = stale_artefacts(out)
    if spec is not None:
        text = spec.read_text(encoding="utf-8")
        try:
            if render_spec(text) != text:
                problems.append(f"{spec} (generated tables out of date)")
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    for problem in problems:
        click.echo(f"stale: {problem}", err=True)
    if problems:
        click.echo("run `make schema` to regenerate", err=True)
        sys.exit(1)
    click.echo("generated standard is up to date", err=True)
