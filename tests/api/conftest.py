"""API test fixtures: an in-process server on every database ``database_url`` offers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.harness import Server, running_server, synth_slices
from tests.server.conftest import database_url, postgres_database  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per-organisation folders of a small valid synthetic dataset."""
    return synth_slices(tmp_path_factory.mktemp("synth"))


@pytest.fixture
def orgs(slices: dict[str, Path]) -> list[str]:
    """The organisation ids, in order."""
    return sorted(slices)


@pytest.fixture
def server(database_url: str, tmp_path: Path, orgs: list[str]) -> Iterator[Server]:  # noqa: F811
    """A migrated, seeded server (SQLite and PostgreSQL)."""
    with running_server(database_url, tmp_path / "data", orgs) as running:
        yield running
