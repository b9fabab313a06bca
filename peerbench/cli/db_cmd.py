"""``peerbench db``: create and inspect the server's metadata database.

Also home of the ``--data-dir`` / ``--database-url`` options shared with ``peerbench
admin``, which turn into one :class:`~peerbench.server.settings.Settings`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from peerbench.cli.output import echo_err

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from peerbench.server.db.session import Database
    from peerbench.server.settings import Settings

R = TypeVar("R")


def build_settings(data_dir: Path | None, database_url: str | None) -> Settings:
    """One :class:`Settings` from the command line, falling back to ``PEERBENCH_*``."""
    from pydantic import ValidationError

    from peerbench.server.settings import Settings

    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        raise click.UsageError(f"invalid settings: {problems}") from None


def settings_options(func: Callable[..., R]) -> Callable[..., R]:
    """Add ``--data-dir`` and ``--database-url``; the command receives ``settings``."""

    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, database_url: str | None, **kwargs: Any) -> R:
        return func(*args, settings=build_settings(data_dir, database_url), **kwargs)

    wrapper = click.option(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL of the metadata database (env PEERBENCH_DATABASE_URL; "
        "default SQLite in the data folder).",
    )(wrapper)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Server data folder (env PEERBENCH_DATA_DIR; default pb-data).",
    )(wrapper)


def describe(settings: Settings) -> str:
    """The database location, safe to print (no password)."""
    from peerbench.server.db.session import normalise_url

    return normalise_url(settings.resolved_database_url()).render_as_string(hide_password=True)


@contextlib.contextmanager
def open_database(settings: Settings, *, require_migrated: bool = True) -> Iterator[Database]:
    """The configured database, disposed afterwards; failures become plain exit-1 errors."""
    from sqlalchemy.exc import SQLAlchemyError

    from peerbench.server.db.migrate import DatabaseNotMigrated, ensure_migrated
    from peerbench.server.db.session import Database

    database = Database(settings.resolved_database_url())
    try:
        if require_migrated:
            ensure_migrated(database.engine)
        yield database
    except DatabaseNotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        # The driver's own words say what went wrong (refused, no such database, ...).
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"could not use the database {describe(settings)}: {reason}"
        ) from None
    finally:
        database.dispose()


@click.group()
def db() -> None:
    """Create and check the server's metadata database.

    \b
    Example:
        peerbench db upgrade --data-dir /srv/peerbench
    """


@db.command("upgrade")
@settings_options
def upgrade_command(settings: Settings) -> None:
    """Create the tables, or bring them up to date (safe to run again).

    Back up the database before upgrading a production server.

    \b
    Example:
        peerbench db upgrade --database-url postgresql+psycopg://pb@db.example.org/peerbench
    """
    from peerbench.server.db.migrate import head_revision, upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open_database(settings, require_migrated=False):
        # Inside open_database so connection errors get the same plain message.
        upgrade(settings.resolved_database_url())
    echo_err(f"Database {describe(settings)} is at revision {head_revision()} (the newest).")


@db.command("current")
@click.option("--check", is_flag=True, help="Exit 1 unless the database is up to date.")
@settings_options
def current_command(settings: Settings, check: bool) -> None:
    """Print the database's migration revision, and whether it is the newest.

    \b
    Example:
        peerbench db current --check
    """
    from peerbench.server.db.migrate import current_revision, head_revision

    with open_database(settings, require_migrated=False) as database:
        revision = current_revision(database.engine)
    head = head_revision()
    if revision == head:
        click.echo(f"{revision} (newest)")
        return
    click.echo(f"{revision or 'none'} (newest is {head})")
    echo_err("The database is not up to date: run `peerbench db upgrade`.")
    if check:
        click.get_current_context().exit(1)
