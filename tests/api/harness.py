"""An in-process peerbench server for tests: migrated database, organisations, keys.

Used by the API, client and CLI tests. ``synth_slices`` writes a small synthetic dataset
split per organisation, so each organisation's slice is a valid submission.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from peerbench.api.app import create_app
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.models import Role
from peerbench.server.settings import Settings
from peerbench.server.tenancy import add_member, create_key, create_network, create_organisation
from peerbench.synth import SynthConfig, generate, write_dataset
from peerbench.synth.split import split_dataset
from tests.server.migrated import upgrade_empty

with warnings.catch_warnings():
    # Starlette nudges towards "httpx2"; the TestClient itself is unchanged.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PERIOD = "2026-Q3"
NETWORK = "net-north"
TODAY = dt.date(2026, 11, 16)
"""The servers' fixed "today" (2026-Q4), so date rules never depend on the wall clock."""


def synth_slices(out: Path, *, organisations: int = 3, outcome_rows: int = 600) -> dict[str, Path]:
    """A small synthetic dataset split per organisation: ``{organisation_id: folder}``."""
    config = SynthConfig(organisations=organisations, outcome_rows=outcome_rows, seed=7)
    write_dataset(generate(config), out / "all")
    return split_dataset(out / "all", out / "by-org")


def bundle_of(folder: Path, period: str = PERIOD) -> dict[str, Any]:
    """A slice as a JSON submission body (``{"period": ..., "outcomes": [...], ...}``)."""
    body: dict[str, Any] = {"period": period}
    for path in sorted(folder.glob("*.parquet")):
        rows = pq.read_table(path).to_pylist()
        body[path.stem] = [
            {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
            for row in rows
        ]
    return body


def files_of(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    """A slice as multipart ``files`` parts."""
    return [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]


@dataclass
class Server:
    """A running in-process server and the secrets of its keys.

    ``keys``: ``admin``, ``analyst`` (network of the first two organisations),
    ``researcher``, and one submitter key per organisation id. ``submissions``: the ids
    of a shared server's accepted submissions, ``{org: submission id}``.
    """

    client: TestClient
    app: FastAPI
    context: ServerContext
    settings: Settings
    organisations: list[str]
    keys: dict[str, str] = field(default_factory=dict)
    submissions: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of key ``who``."""
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def submit_all(self, slices: dict[str, Path], period: str = PERIOD) -> dict[str, str]:
        """Submit each organisation's slice; all must be accepted. ``{org: submission id}``."""
        ids = {}
        for org in self.organisations:
            response = self.client.post(
                "/v1/submissions",
                data={"period": period},
                files=files_of(slices[org]),
                headers=self.auth(org),
            )
            assert response.json()["status"] == "accepted", response.text
            ids[org] = response.json()["id"]
        return ids

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for background submissions to finish."""
        assert self.app.state.worker.wait_idle(timeout)


def seed(context: ServerContext, organisations: list[str]) -> dict[str, str]:
    """Create the organisations, a network of the first two, and a key per role."""
    keys: dict[str, str] = {}
    with context.db.session() as session:
        for org in organisations:
            create_organisation(session, id=org, name=org.title())
            keys[org] = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
        create_network(session, id=NETWORK, name="North")
        for org in organisations[:2]:
            add_member(
                session,
                network_id=NETWORK,
                organisation_id=org,
                agreement_reference="DSA-1",
                agreement_start=dt.date(2020, 1, 1),
            )
        keys["admin"] = create_key(session, role=Role.ADMIN)[1]
        keys["analyst"] = create_key(session, role=Role.NETWORK_ANALYST, network_id=NETWORK)[1]
        keys["researcher"] = create_key(
            session, role=Role.RESEARCHER, network_id=NETWORK, project="study-1"
        )[1]
    return keys


@contextmanager
def running_server(
    database_url: str,
    data_dir: Path,
    organisations: list[str],
    *,
    raise_server_exceptions: bool = True,
    warm: bool = False,
    **overrides: Any,
) -> Iterator[Server]:
    """Migrate, seed and start the app in-process; stop it afterwards.

    ``warm``: warm the read caches in the background, as ``peerbench serve`` does.
    """
    upgrade_empty(database_url)  # a copy of a migrated database when empty
    settings = Settings.model_validate(
        {"data_dir": data_dir, "database_url": database_url, **overrides}
    )
    context = open_server(settings, today=lambda: TODAY)
    try:
        keys = seed(context, organisations)
        app = create_app(settings, context=context, warm=warm)
        with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
            yield Server(client, app, context, settings, organisations, keys)
    finally:
        context.close()
