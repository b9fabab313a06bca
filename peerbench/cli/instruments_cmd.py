"""``peerbench instruments``: list the registry and check local instrument definitions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # loaded when a command runs: the registry reads every definition
    from peerbench.schema.instruments import InstrumentRegistry


def _registry(extra: tuple[Path, ...]) -> InstrumentRegistry:
    from peerbench.schema.instruments import InstrumentRegistry, default_registry

    registry = default_registry()
    if not extra:
        return registry
    local = InstrumentRegistry(list(registry))
    for path in extra:
        local.register_file(path)
    return local


@click.group()
def instruments() -> None:
    """The outcome instruments peerbench knows, and local ones you register."""


@instruments.command("list")
@click.option(
    "--register",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also load a local instrument definition (YAML or JSON).",
)
def list_instruments(extra: tuple[Path, ...]) -> None:
    """List registered instruments: code, name, items and scoring.

    Example: peerbench instruments list
    """
    from peerbench.schema.instruments import InstrumentDefinitionError

    try:
        registry = _registry(extra)
    except InstrumentDefinitionError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for d in registry:
        scale = f"{d.item_count} × {d.response_min}–{d.response_max}"
        click.echo(f"{d.code:<10} {scale:<10} {d.scoring.method.value:<11} {d.name}")


@instruments.command()
@click.argument("code")
def show(code: str) -> None:
    """Print one instrument's full definition as JSON.

    Example: peerbench instruments show CORE10
    """
    from peerbench.schema.instruments import default_registry

    try:
        definition = default_registry().get(code)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0] if exc.args else exc), param_hint="CODE") from exc
    click.echo(json.dumps(definition.model_dump(mode="json", exclude_none=True), indent=2))


@instruments.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(path: Path) -> None:
    """Check a local instrument definition file; exit 1 with the problems if it is wrong.

    Example: peerbench instruments check my_scale.yaml
    """
    from peerbench.schema.instruments import InstrumentDefinitionError, load_definition

    try:
        definition = load_definition(path)
    except InstrumentDefinitionError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{path}: {definition.code} ({definition.name}) is a valid definition")
