"""Schema migrations (Alembic), configured in code so no ``alembic.ini`` is needed.

The server never creates tables itself: ``peerbench db upgrade`` (:func:`upgrade`) does,
and :func:`ensure_migrated` refuses to start on a database that is behind (or ahead of)
this version of peerbench.

To add a migration after changing :mod:`peerbench.server.db.models`, run
:func:`make_revision` against a database upgraded to head, then review the script;
``tests/server/test_migrations.py`` fails while models and migrations differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from peerbench.server.db.models import Base, UTCDateTime
from peerbench.server.db.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseNotMigrated(RuntimeError):
    """The database schema is not the one this version of peerbench expects."""


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write timestamps as plain ``sa.DateTime`` so scripts never import the models.

    A migration must keep working after the models change, so it may not depend on them.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def autogenerate_options() -> dict[str, Any]:
    """Options shared by ``env.py`` and :func:`schema_differences`."""
    return {
        "target_metadata": Base.metadata,
        "compare_type": True,
        "render_item": render_item,
        # Batch mode lets later migrations ALTER tables on SQLite (copy and move); on
        # PostgreSQL it is a plain ALTER.
        "render_as_batch": True,
    }


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Scripts are named 0001_initial.py, 0002_… (configparser needs %% for a literal %).
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this version of peerbench."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when no migration has run."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Create or update the tables in the database at ``url`` (idempotent).

    Args:
        url: SQLAlchemy URL of the metadata database.
        revision: Target revision; the newest by default.
    """
    database = Database(url)
    try:
        # One connection for the whole run; on PostgreSQL the DDL is one transaction,
        # so a failed upgrade leaves the schema as it was.
        with database.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        database.dispose()


def ensure_migrated(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the database is at the head revision.

    Raises:
        DatabaseNotMigrated: with a message saying what to do.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise DatabaseNotMigrated(
            f"The database {where} has not been set up. Run `peerbench db upgrade` first."
        )
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError:
        raise DatabaseNotMigrated(
            f"The database {where} is at revision {current}, which this version of peerbench "
            "does not know; it was probably upgraded by a newer peerbench. Upgrade peerbench."
        ) from None
    raise DatabaseNotMigrated(
        f"The database {where} is at revision {current} but this version of peerbench needs "
        f"{head}. Run `peerbench db upgrade` (back up the database first)."
    )


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models.

    Empty when the migrations (applied to ``engine``) and the models agree.
    """
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=autogenerate_options())
        return list(compare_metadata(context, Base.metadata))


def make_revision(url: str, message: str) -> None:
    """Write a new migration script by comparing the models with the database at ``url``.

    For developers: ``url`` must be a scratch database upgraded to head.
    """
    config = alembic_config()
    # configparser treats % as interpolation; a password may contain one.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Sequential revision ids read better than random hex in a small project.
    command.revision(
        config, message=message, autogenerate=True, rev_id=f"{int(head_revision()) + 1:04d}"
    )
