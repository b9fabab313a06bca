"""Database fixtures: every server test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from ``PEERBENCH_TEST_POSTGRES_URL`` (``scripts/test-postgres.sh``
starts a throwaway server and prints it). Each test session gets its own uniquely
named database, dropped at the end; each test starts from an empty schema. Without the
variable the PostgreSQL cases are skipped locally, and fail under CI (``CI`` set), so CI
can never pass by silently skipping them.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from peerbench.server.db.models import Organisation, Submission
from peerbench.server.db.session import Database
from tests.server.migrated import upgrade_empty

POSTGRES_ENV = "PEERBENCH_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session; its URL."""
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        message = (
            f"{POSTGRES_ENV} is not set, so the PostgreSQL tests cannot run. Start a server "
            'with `eval "$(scripts/test-postgres.sh)"`.'
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"peerbench_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        _drop_database(admin, name)
    finally:
        admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 5) -> None:
    """Drop the session's database. Cleanup only: the throwaway server goes at the end
    of ``make test`` anyway, so a drop that keeps failing (e.g. a backend the role may
    not end) is a warning, never a failed test session."""
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as exc:
            if attempt == attempts - 1:
                warnings.warn(f"could not drop test database {name}: {exc}", stacklevel=1)
            else:
                time.sleep(0.5)  # e.g. an autovacuum worker finishing in that database


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def new_module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """Makes empty databases for a module's shared fixtures: SQLite files, or PostgreSQL
    databases of their own beside the session's (which ``database_url`` empties before
    every test), dropped after the module."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'peerbench.sqlite3'}"
        return
    session_url = make_url(request.getfixturevalue("postgres_database"))
    admin = create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def create() -> str:
        names.append(f"{session_url.database}_m{len(names)}")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{names[-1]}"'))
        return session_url.set(database=names[-1]).render_as_string(hide_password=False)

    try:
        yield create
        for name in names:
            _drop_database(admin, name)
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'peerbench.sqlite3'}"
    url: str = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    return url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """``database_url`` upgraded to the newest migration (from a migrated copy)."""
    upgrade_empty(database_url)
    return database_url


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    """A :class:`Database` on a migrated, empty database (disposed afterwards)."""
    database = Database(migrated_url)
    yield database
    database.dispose()


def add_submission(
    db: Database, submission_id: str, organisation_id: str = "org1", period: str = "2025-Q1"
) -> None:
    """Insert the organisation (if new) and a submission row for store tests."""
    with db.session() as session:
        if session.get(Organisation, organisation_id) is None:
            session.add(Organisation(id=organisation_id, name=organisation_id.upper()))
        session.add(
            Submission(
                id=submission_id,
                organisation_id=organisation_id,
                period=period,
                content_hash=uuid.uuid4().hex,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
