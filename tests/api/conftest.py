"""API test fixtures: an in-process server on every database ``database_url`` offers.

``server`` is a fresh server per test. Tests that change nothing a later test could see
(refusals, reads whose figures do not depend on what was read before) share one per
module and database instead: ``module_server`` (seeded, no data) and
``module_submitted_server`` (each organisation's slice accepted), each on a database of
its own, so a module pays for the server and the submissions once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.api.harness import Server, running_server, synth_slices
from tests.server.conftest import (  # noqa: F401 (fixtures)
    database_url,
    new_module_database,
    postgres_database,
)


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


@pytest.fixture(scope="module")
def module_server(
    new_module_database: Callable[[], str],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    slices: dict[str, Path],
) -> Iterator[Server]:
    """A seeded server without data, shared by the module's tests that change nothing."""
    data_dir = tmp_path_factory.mktemp("module-data")
    with running_server(new_module_database(), data_dir, sorted(slices)) as running:
        yield running


@pytest.fixture(scope="module")
def module_submitted_server(
    new_module_database: Callable[[], str],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    slices: dict[str, Path],
) -> Iterator[Server]:
    """A server with each organisation's slice accepted (ids in ``submissions``), shared
    by the module's tests that only read."""
    data_dir = tmp_path_factory.mktemp("module-data")
    with running_server(new_module_database(), data_dir, sorted(slices)) as running:
        running.submissions = running.submit_all(slices)
        yield running
