"""A real HTTP server for the browser tests: the app on uvicorn, on 127.0.0.1, in a thread.

The socket is bound here (port 0, so the kernel picks a free port) and handed to uvicorn,
so the port is known before the server starts and no two test runs can race for one.
``stop`` asks uvicorn to exit and joins its thread, so the app's lifespan (worker,
database) has ended when it returns.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from peerbench.api.app import create_app
from peerbench.server.context import ServerContext, open_server
from peerbench.server.settings import Settings
from tests.api.harness import TODAY, running_server

START_TIMEOUT = 30.0


class LiveServer:
    """``app`` served over HTTP on 127.0.0.1 until :meth:`stop`."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="live-server"
        )

    def start(self) -> None:
        """Start serving; returns once uvicorn accepts connections (or raises)."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live server stopped during start-up")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the live server did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving and wait until the app has shut down."""
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("the live server did not stop")


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


def browser_settings(data_dir: Path) -> Settings:
    """Settings of a browser-test server: embedded SQLite, checks in-process (fast start)."""
    return Settings(data_dir=data_dir, isolate_checks=False)


@contextmanager
def live_server(seeded: Path, work: Path) -> Iterator[Running]:
    """Copy the seeded data folder ``seeded`` to ``work`` and serve it on 127.0.0.1.

    Each module gets its own copy, so what one module changes (an upload, an invitation)
    cannot change what another module sees.
    """
    shutil.copytree(seeded, work)
    settings = browser_settings(work)
    context = open_server(settings, today=lambda: TODAY)
    try:
        app = create_app(settings, context=context)
        server = LiveServer(app)
        server.start()
        try:
            yield Running(server, app, context, settings)
        finally:
            server.stop()
    finally:
        context.close()


def seed_data_dir(data_dir: Path, slices: dict[str, Path]) -> dict[str, str]:
    """Migrate and seed ``data_dir`` as the API tests do, and pool every slice.

    The organisations, network and keys come from :func:`tests.api.harness.seed` (the
    library's tenancy functions); each organisation's synthetic slice is submitted
    through the JSON API, so the pool and benchmarks have figures. Returns the keys.
    """
    organisations = sorted(slices)
    settings = browser_settings(data_dir)
    with running_server(
        settings.resolved_database_url(), data_dir, organisations, isolate_checks=False
    ) as server:
        server.submit_all(slices)
        server.drain()
        return dict(server.keys)
