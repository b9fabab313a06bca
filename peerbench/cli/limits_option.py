"""``--limit NAME=VALUE``: one option for every command that reads a user's files."""

from __future__ import annotations

from collections.abc import Callable

import click

from peerbench.cli.output import F
from peerbench.validators.limits import DEFAULT_LIMITS, Limits


def parse_limits(texts: tuple[str, ...]) -> Limits:
    """The default limits with each ``NAME=VALUE`` applied.

    Raises:
        click.BadParameter: not ``NAME=VALUE``, an unknown name or a bad number.
    """
    changes: dict[str, float] = {}
    for text in texts:
        name, _, value = text.partition("=")
        try:
            changes[name.strip()] = float(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise click.BadParameter(f"{text!r} is not NAME=NUMBER", param_hint="--limit") from None
    try:
        return DEFAULT_LIMITS.replace(**changes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--limit") from None


def _parse(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Limits:
    return parse_limits(value)


def limit_option() -> Callable[[F], F]:
    """The ``--limit`` option, handing the command a :class:`Limits` as ``limits``."""
    return click.option(
        "--limit",
        "limits",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_parse,
        help="Raise (or lower) a resource limit, e.g. --limit max_rows=20000000. Limits: "
        + ", ".join(f"{name} ({getattr(DEFAULT_LIMITS, name):,})" for name in Limits.names())
        + ".",
    )
