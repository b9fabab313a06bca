"""Shared fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from peerbench import runtime

# Property tests draw the same examples on every run and keep no example database: a
# suite that fails one run in fifty blocks a landing (the soak runs explore further).
settings.register_profile("peerbench", derandomize=True, database=None, print_blob=True)
settings.register_profile("soak", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("PEERBENCH_HYPOTHESIS_PROFILE", "peerbench"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Send a module's tests that share a module-scoped fixture to one worker.

    Under ``--dist loadgroup`` (the default options) pytest-xdist keeps each
    ``xdist_group`` on one worker, so such a fixture (a pool, a server with its
    submissions) is built once rather than once on each worker. A module fixture
    parametrised per database groups per parameter, so the SQLite and PostgreSQL halves
    can still run side by side. Without xdist the marks change nothing.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = {
            name
            for name, defs in info.name2fixturedefs.items()
            if defs and defs[-1].scope == "module"
        }
        if not shared:
            continue
        callspec = getattr(item, "callspec", None)
        params = (
            []
            if callspec is None
            else [
                f"{name}={callspec.params[name]}"
                for name in sorted(shared & callspec.params.keys())
            ]
        )
        group = "|".join([item.nodeid.split("::")[0], *params])
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def repo_root() -> Path:
    """The repository root (where SPEC.md and schema/ live)."""
    return ROOT


@pytest.fixture(autouse=True)
def library_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from the library's process-wide settings.

    A command-line test turns the compiled checks off for its process, as a one-shot
    command does; this puts them back afterwards.
    """
    monkeypatch.setattr(runtime, "compiled_checks", True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_password_hashing: hash passwords with the server's own Argon2id parameters",
    )


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[Any]:
    """Argon2id at its smallest cost for the session; yields the server's own hasher.

    The server's parameters (64 MiB, 3 passes) cost about 0.25 CPU s per hash or check,
    and sign-in tests make dozens; what they test is the flow, not the cost. Hashes stay
    Argon2id, salted and checked the same way. Session-wide, so the hashes that module
    fixtures seed are cheap too; tests marked ``real_password_hashing`` get the server's
    parameters (which tests/server/test_accounts.py checks).
    """
    from argon2 import PasswordHasher

    from peerbench.server import accounts

    with pytest.MonkeyPatch.context() as patch:
        real = accounts._HASHER
        patch.setattr(
            accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        yield real


@pytest.fixture(autouse=True)
def real_password_hashing_when_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: Any
) -> None:
    """The server's own hasher for a test marked ``real_password_hashing``."""
    if request.node.get_closest_marker("real_password_hashing") is not None:
        from peerbench.server import accounts

        monkeypatch.setattr(accounts, "_HASHER", fast_password_hashing)


@pytest.fixture(scope="session", autouse=True)
def no_quality_at_ingest() -> Iterator[None]:
    """Servers in tests do not profile each accepted submission in the background (GX,
    seconds each: the API tests would take 7x longer); the tests of that work turn it on."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEERBENCH_QUALITY_AT_INGEST", "0")
        yield


@pytest.fixture(scope="session", autouse=True)
def session_result_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's result cache (:mod:`peerbench.io.content_cache`), never the user's:
    what module- and session-scoped fixtures build sees this one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))
        yield


@pytest.fixture(autouse=True)
def isolated_result_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each test gets an empty result cache of its own, so no test is answered from
    another's results."""
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("result-cache")))


@pytest.fixture(scope="session")
def object_store_endpoint() -> Iterator[str]:
    """An S3-compatible object store for the session (moto's server on 127.0.0.1)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def object_store_url(object_store_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``s3://`` URL of a fresh bucket's ``pool`` prefix, endpoint options in the query.

    Credentials come from the environment, as they would in production.
    """
    import boto3

    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "peerbench-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "peerbench-test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    bucket = f"pool-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=f"http://{object_store_endpoint}", region_name="us-east-1"
    )
    client.create_bucket(Bucket=bucket)
    return (
        f"s3://{bucket}/pool?endpoint_override={object_store_endpoint}&scheme=http&region=us-east-1"
    )
