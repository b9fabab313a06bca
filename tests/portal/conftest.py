"""Portal test fixtures: ``portal``, a seeded in-process portal on SQLite and PostgreSQL.

See :mod:`tests.portal.harness` for what is seeded and how to sign in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.harness import PortalHarness, running_portal
from tests.server.conftest import database_url, postgres_database  # noqa: F401 (fixtures)


@pytest.fixture
def portal(database_url: str, tmp_path: Path) -> Iterator[PortalHarness]:  # noqa: F811
    """A migrated, seeded portal (SQLite and PostgreSQL)."""
    with running_portal(database_url, tmp_path / "data") as harness:
        yield harness


@pytest.fixture
def portal_sqlite(tmp_path: Path) -> Iterator[PortalHarness]:
    """The same portal on SQLite only (for tests whose logic does not touch SQL)."""
    with running_portal(f"sqlite:///{tmp_path / 'portal.sqlite3'}", tmp_path / "data") as harness:
        yield harness
