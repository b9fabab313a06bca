"""A real HTTP server for the browser tests: the app on uvicorn, on 127.0.0.1, in a thread.

The socket is bound here (port 0, so the kernel picks a free port) and handed to uvicorn,
so the port is known before the server starts and no two test runs can race for one.
``stop`` asks uvicorn to exit and joins its thread, so the app's lifespan (worker,
database) has ended when it returns.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import uvicorn
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from peerbench.api.app import create_app
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import Role, User
from peerbench.server.settings import Settings
from peerbench.server.tenancy import add_member, create_key, create_organisation
from tests.api.harness import PERIOD, files_of
from tests.portal.harness import NETWORK, FakeClock, email_of, password_hash, seed_portal

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

START_TIMEOUT = 180.0


class LiveServer:
    """An HTTP server on 127.0.0.1; the port is chosen (and known) before it starts."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: FastAPI) -> None:
        """Serve ``app``; returns once uvicorn accepts connections (or raises)."""
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        server = self._server = uvicorn.Server(config)
        thread = self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, name="live-server"
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the live server stopped during start-up")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the live server did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving and wait until the app has shut down."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=START_TIMEOUT)
            if self._thread.is_alive():
                raise RuntimeError("the live server did not stop")
        self._socket.close()


@dataclass
class Running:
    """A live server over a data folder, and the objects behind it."""

    server: LiveServer
    app: FastAPI
    context: ServerContext
    settings: Settings

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``."""
        return self.server.url


def browser_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a browser-test server: embedded SQLite, checks in-process (fast start)."""
    return Settings.model_validate({"data_dir": data_dir, "isolate_checks": False, **overrides})


@dataclass
class Seeded:
    """A seeded data folder: who can sign in (see :mod:`tests.portal.harness`), and which
    synthetic organisations have pooled data."""

    data_dir: Path
    users: dict[str, str]
    keys: dict[str, str]
    pooled: list[str]


def seed_data_dir(data_dir: Path, slices: dict[str, Path]) -> Seeded:
    """Migrate and seed ``data_dir`` for the browser, with pooled data.

    The portal harness's organisations, network ``net-1`` and users (one per role, all
    with :data:`~tests.portal.harness.PASSWORD`) come from
    :func:`~tests.portal.harness.seed_portal`; each synthetic organisation joins ``net-1``
    and submits its slice through the JSON API, so the network pages have figures.
    User ``coordinator`` is the submitter of the first synthetic organisation, whose
    service report has data.
    """
    settings = browser_settings(data_dir)
    upgrade(settings.resolved_database_url())
    clock = FakeClock()
    context = open_server(settings, today=lambda: clock().date(), now=clock)
    try:
        users, keys = seed_portal(context, clock())
        with context.db.session() as session:
            for org, folder in sorted(slices.items()):
                (row,) = pq.read_table(folder / "organisations.parquet").to_pylist()
                create_organisation(session, id=org, name=row["name"])
                add_member(
                    session,
                    network_id=NETWORK,
                    organisation_id=org,
                    agreement_reference="DSA-SYNTH",
                    agreement_start=dt.date(2020, 1, 1),
                )
                keys[org] = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
            coordinator = sorted(slices)[0]
            session.add(
                User(
                    id="usr_coordinator",
                    email=email_of("coordinator"),
                    name="Casey Coordinator",
                    role=Role.SUBMITTER.value,
                    organisation_id=coordinator,
                    password_hash=password_hash(),
                    created_at=clock(),
                    activated_at=clock(),
                    failed_sign_ins=0,
                )
            )
            users["coordinator"] = "usr_coordinator"
        app = create_app(settings, context=context)
        with TestClient(app) as client:
            for org, folder in sorted(slices.items()):
                response = client.post(
                    "/v1/submissions",
                    data={"period": PERIOD},
                    files=files_of(folder),
                    headers={"Authorization": f"Bearer {keys[org]}"},
                )
                assert response.json()["status"] == "accepted", response.text
            assert app.state.worker.wait_idle(60)
    finally:
        context.close()
    return Seeded(data_dir, users, keys, sorted(slices))


@contextmanager
def live_server(seeded: Path, work: Path) -> Iterator[Running]:
    """Copy the seeded data folder ``seeded`` to ``work`` and serve it on 127.0.0.1.

    Each module gets its own copy, so what one module changes (an upload, an invitation)
    cannot change what another module sees. The clock stands still at the harness's
    :data:`~tests.portal.harness.START`, so nothing depends on the wall clock; one-time
    links are made for the server's own address.
    """
    shutil.copytree(seeded, work)
    server = LiveServer()
    settings = browser_settings(work, public_url=server.url)
    clock = FakeClock()
    try:
        context = open_server(settings, today=lambda: clock().date(), now=clock)
    except BaseException:
        server.stop()
        raise
    try:
        app = create_app(settings, context=context)
        server.start(app)
        try:
            yield Running(server, app, context, settings)
        finally:
            server.stop()
    finally:
        context.close()
