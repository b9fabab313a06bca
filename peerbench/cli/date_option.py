"""Click callbacks for ``YYYY-MM-DD`` options, shared by the admin commands."""

from __future__ import annotations

import datetime as dt

import click


def iso_date(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
    """The option's date; a usage error (exit 2) naming the format otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2025-04-01"
        ) from None


def optional_iso_date(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.date | None:
    """As :func:`iso_date`, for an option that may be left out."""
    return None if value is None else iso_date(ctx, param, value)
