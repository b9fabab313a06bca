"""Helpers shared by the CLI commands: the ``--format``/``--quiet``/``--out`` options and
writing results to stdout or a file, diagnostics to stderr.

Commands stay thin: they parse options, call the library and hand its result here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # commands load the library when they run, not when they are defined
    from peerbench.validators.mapping import Mapping

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str) -> Callable[[F], F]:
    """Add ``--format`` (stored as ``output_format``) with the given choices."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices, case_sensitive=False),
        default=default,
        show_default=True,
        help="Output format.",
    )


def quiet_option(func: F) -> F:
    """Add ``--quiet``: print nothing; the exit code still gives the verdict."""
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print nothing; the exit code still says whether the data passed.",
    )(func)


def out_option(help_text: str, *, required: bool = False) -> Callable[[F], F]:
    """Add ``--out FILE`` (a path; directories refused)."""
    return click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        help=help_text,
    )


def echo_err(message: str, *, quiet: bool = False) -> None:
    """A diagnostic line on stderr (never mixed into data on stdout)."""
    if not quiet:
        click.echo(message, err=True)


def warn(message: str) -> None:
    """A warning people must not miss, on stderr; bold where the terminal allows."""
    click.secho(f"WARNING: {message}", err=True, fg="yellow", bold=True)


def emit(text: str, out: Path | None) -> None:
    """Send ``text`` to ``out`` (written atomically) or, without ``out``, to stdout."""
    from peerbench.io.atomic import atomic_path

    if out is None:
        click.echo(text, nl=False)
        return
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def record_type_callback(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """Accept a record type as ``outcome`` or ``outcomes`` (any case); store ``outcome``."""
    if value is None:
        return None
    from peerbench.schema.records import RECORD_TYPES
    from peerbench.validators.mapping import canonical_record_type

    canonical = canonical_record_type(value)
    if canonical is None:
        accepted = ", ".join(sorted(RECORD_TYPES))
        raise click.BadParameter(f"'{value}' is not a record type; use one of: {accepted}")
    return canonical


def record_type_option(func: F) -> F:
    """Add ``--record-type``: read every input as this record type."""
    return click.option(
        "--record-type",
        callback=record_type_callback,
        help="Record type of the input (e.g. outcomes), when the file name does not say.",
    )(func)


def mapping_option(func: F) -> F:
    """Add ``--mapping FILE``; the loaded :class:`Mapping` arrives as ``mapping``."""
    return click.option(
        "--mapping",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        callback=_load_mapping,
        help="YAML file translating your own headers and labels to the standard's.",
    )(func)


def _load_mapping(ctx: click.Context, param: click.Parameter, value: Path | None) -> Mapping | None:
    if value is None:
        return None
    from peerbench.validators.mapping import Mapping

    try:
        return Mapping.from_file(value)
    except (OSError, ValueError) as exc:
        # A broken mapping is a usage problem (exit 2), not a verdict on the data.
        raise click.BadParameter(str(exc)) from exc
