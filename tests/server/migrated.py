"""Migrated test databases from a copy: ``upgrade_empty`` instead of running every migration.

Each test gets an empty database (``tests/server/conftest.py``) and most then migrate
it to head: Alembic plus every migration's DDL per test, 0.3-0.8 s wall each here.
The first such database of a test process is migrated for real and kept as a template;
later ones start as a copy of it (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE``
on PostgreSQL), at head by construction; a server opened on one still checks that it is
(``ensure_migrated``). A database that is not empty, or that could not be copied, is
upgraded in place, never replaced. The migrations themselves are tested from scratch
in ``tests/server/test_migrations.py``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from peerbench.server.db.migrate import upgrade

POSTGRES_ENV = "PEERBENCH_TEST_POSTGRES_URL"
_sqlite_template: list[Path] = []  # this process's template, once made
_postgres_template: list[str] = []


def upgrade_empty(url: str) -> None:
    """``upgrade(url)``, starting an empty test database as a copy of a migrated one."""
    parsed = make_url(url)
    copied = False
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        copied = _copy_sqlite(Path(parsed.database))
    elif parsed.get_backend_name() == "postgresql" and os.environ.get(POSTGRES_ENV):
        copied = _copy_postgres(url)
    if not copied:
        upgrade(url)


def _copy_sqlite(path: Path) -> bool:
    if path.exists() and path.stat().st_size > 0:
        return False  # not empty: upgraded in place
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="peerbench-test-migrated-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "template.sqlite3"
        upgrade(f"sqlite:///{template}")
        # Everything in the main file (the log emptied into it), so a copy of it is whole.
        connection = sqlite3.connect(template)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        _sqlite_template.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)  # as upgrade() would have made it
    shutil.copyfile(_sqlite_template[0], path)
    return True


def _copy_postgres(url: str) -> bool:
    parsed = make_url(url)
    name = parsed.database or ""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if inspect(connection).get_table_names():
                return False  # not empty: upgraded in place
    finally:
        engine.dispose()
    admin = create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    try:
        if not _postgres_template:
            template = f"peerbench_test_migrated_{os.getpid()}"
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{template}"'))
            upgrade(parsed.set(database=template).render_as_string(hide_password=False))
            _postgres_template.append(template)
            atexit.register(_drop, template)
        with admin.connect() as connection:
            # Without FORCE: if anything holds the empty database open, it is migrated
            # in place instead. FILE_COPY (PostgreSQL 15+) copies the files rather than
            # logging every block: about half the time for a database this small.
            version = connection.execute(text("SHOW server_version_num")).scalar()
            strategy = " STRATEGY FILE_COPY" if int(str(version)) >= 150000 else ""
            connection.execute(text(f'DROP DATABASE "{name}"'))
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template[0]}"{strategy}')
            )
        return True
    except DBAPIError:
        _recreate_if_missing(admin, name)
        return False
    finally:
        admin.dispose()


def _recreate_if_missing(admin: Engine, name: str) -> None:
    """After a failed copy the database may be gone (dropped, not yet re-created)."""
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if found is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))


def _drop(template: str) -> None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    except DBAPIError:
        pass  # cleanup only: the throwaway server goes at the end of the run
    finally:
        admin.dispose()
