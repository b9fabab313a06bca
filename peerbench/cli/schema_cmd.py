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

_VERSIONS = click.option(
    "--versions",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the releases' frozen declarations [default: peerbench/schema/versions].",
)


def _package_tables() -> dict[Path, str]:
    """The tables generated inside the package from the models, path -> expected text."""
    from peerbench.schema import record_table_gen, stored_schemas
    from peerbench.schema.instruments import table_gen

    return {
        record_table_gen.TABLE: record_table_gen.table_source(),
        stored_schemas.SCHEMAS: record_table_gen.schemas_source(),
        table_gen.TABLE: table_gen.table_source(),
    }


@click.group()
def schema() -> None:
    """Generate or check the language-neutral standard (JSON Schema, Arrow, code lists)."""


@schema.command()
@_OUT
@_SPEC
@_VERSIONS
def generate(out: Path, spec: Path | None, versions: Path | None) -> None:
    """Write the generated standard to OUT and refresh SPEC.md's generated tables.

    Example: peerbench schema generate --out schema --spec SPEC.md
    """
    from peerbench.generate.artefacts import write_artefacts
    from peerbench.generate.declaration import write_current_snapshot
    from peerbench.generate.spec_md import render_spec

    count = write_artefacts(out)
    click.echo(f"wrote {count} files under {out}/", err=True)
    for path, text in _package_tables().items():
        # Rewritten only when stale: other processes may be importing the module.
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path} (the models as plain data, for a fast validate)", err=True)
    click.echo(f"wrote {write_current_snapshot(versions)} (this version's declaration)", err=True)
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
@_VERSIONS
def check(out: Path, spec: Path | None, versions: Path | None) -> None:
    """Exit 1 if the generated standard or SPEC.md tables are stale.

    Example: peerbench schema check --out schema --spec SPEC.md
    """
    from peerbench.generate.artefacts import stale_artefacts
    from peerbench.generate.declaration import stale_snapshots
    from peerbench.generate.spec_md import render_spec

    problems = stale_artefacts(out) + stale_snapshots(versions)
    problems += [
        str(path)
        for path, text in _package_tables().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
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


@schema.command()
@click.argument("old")
@click.argument("new", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per change; json: the changes as a JSON document.",
)
@click.option(
    "--level",
    type=click.Choice(["patch", "minor", "major"]),
    default=None,
    help="Show only changes of at least this level.",
)
def diff(old: str, new: str | None, fmt: str, level: str | None) -> None:
    """List what changed in the standard from version OLD to NEW (default: this one).

    Fields, code lists, rules, instruments and the error catalogue are compared from
    each release's stored declaration; each change is marked patch, minor or major
    by SPEC §8's rules, and the last line says which release the changes need.

    Example: peerbench schema diff 1.0 1.1
    """
    import json

    from peerbench.generate.declaration import load_declaration, load_reviews
    from peerbench.schema.diff import LEVELS, diff_declarations, release_level
    from peerbench.schema.version import STANDARD_VERSION

    try:
        before, after = load_declaration(old), load_declaration(new or STANDARD_VERSION)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    changes = diff_declarations(before, after, load_reviews(after["standard_version"]))
    needed = release_level(changes)
    shown = [c for c in changes if level is None or LEVELS.index(c.level) >= LEVELS.index(level)]
    versions = f"{before['standard_version']} -> {after['standard_version']}"
    if fmt == "json":
        document = {
            "from": before["standard_version"],
            "to": after["standard_version"],
            "release_needed": needed,
            "changes": [c.as_dict() for c in shown],
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for change in shown:
        why = f"  [reviewed: {change.reviewed}]" if change.reviewed else ""
        click.echo(f"{change.level:<5}  {change.kind:<7}  {change.subject}{why}")
    counts = ", ".join(f"{sum(c.level == x for c in changes)} {x}" for x in reversed(LEVELS))
    summary = (
        f"no changes from {versions}"
        if needed is None
        else (f"{len(changes)} changes from {versions} ({counts}): a {needed} release at least")
    )
    click.echo(summary)
