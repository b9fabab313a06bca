"""Twenty concurrent clients against a real server, on SQLite and on PostgreSQL.

Every client is one organisation sending three corrected versions of its records for the
same period while reading its list back; afterwards the counts are exact: every version
registered once, the last one current, the earlier two superseded, none failed, and the
pool holds exactly the last versions' rows. A second run has twenty clients of one
organisation race for the same period: one wins, the others are superseded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from peerbench.server.context import open_server
from peerbench.server.db.models import AuditEvent
from peerbench.server.settings import Settings
from tests.api.harness import PERIOD, synth_slices
from tests.server.conftest import _reset_postgres, postgres_database  # noqa: F401 (fixture)
from tests.soak.live import (
    expected_rows,
    live_server,
    pool_problems,
    pool_state,
    record_figures,
    seeded,
    settings_for,
    variant,
)

pytestmark = pytest.mark.soak  # make soak only

CLIENTS = 20
VERSIONS = 3
RACE_PERIOD = "2026-Q2"


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=CLIENTS, outcome_rows=4000)


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield settings_for(tmp_path / "data", None)
        return
    url: str = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    yield settings_for(tmp_path / "data", url)


def _post(client: httpx.Client, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/submissions", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text[:500]
    payload: dict[str, Any] = response.json()
    return payload


def _audited(settings: Settings, action: str) -> int:
    context = open_server(settings)
    try:
        with context.db.session() as session:
            statement = select(func.count()).where(AuditEvent.action == action)
            return int(session.scalar(statement.select_from(AuditEvent)) or 0)
    finally:
        context.close()


def test_twenty_clients_exact_counts(settings: Settings, slices: dict[str, Path]) -> None:
    orgs = sorted(slices)
    keys = seeded(settings, orgs)
    bodies = {org: [variant(slices[org], n, PERIOD) for n in range(VERSIONS)] for org in orgs}
    ids: dict[str, list[str]] = {}
    lock = threading.Lock()
    started = time.monotonic()

    def client(org: str) -> None:
        with httpx.Client(base_url=server.url, timeout=300.0) as http:
            for body in bodies[org]:
                payload = _post(http, keys[org], body)
                assert payload["status"] == "accepted", payload
                with lock:
                    ids.setdefault(org, []).append(payload["id"])
                auth = {"Authorization": f"Bearer {keys[org]}"}
                listed = http.get("/v1/submissions", headers=auth)
                assert listed.status_code == 200
                assert {i["organisation_id"] for i in listed.json()["items"]} == {org}

    with live_server(settings) as server, ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, orgs))
    seconds = time.monotonic() - started
    state = pool_state(settings)
    acknowledged = {
        sid: expected_rows(bodies[org][n])
        for org, sids in ids.items()
        for n, sid in enumerate(sids)
    }
    assert pool_problems(state, acknowledged) == []
    statuses = list(state.statuses.values())
    assert len(statuses) == CLIENTS * VERSIONS
    assert statuses.count("accepted") == CLIENTS
    assert statuses.count("superseded") == CLIENTS * (VERSIONS - 1)
    assert {state.current[(org, PERIOD, "outcome")] for org in orgs} == {
        sids[-1] for sids in ids.values()
    }
    for record_type, counts in state.current_rows.items():
        assert sum(counts.values()) == sum(
            expected_rows(bodies[org][-1]).get(record_type, 0) for org in orgs
        )
    assert _audited(settings, "submission.created") == CLIENTS * VERSIONS
    outcome_rows = sum(state.current_rows["outcome"].values())
    record_figures(
        f"concurrency-{settings.resolved_database_url().split(':')[0]}",
        {
            "clients": CLIENTS,
            "submissions": len(statuses),
            "accepted_current": statuses.count("accepted"),
            "superseded": statuses.count("superseded"),
            "failed": statuses.count("failed"),
            "current_outcome_rows": outcome_rows,
            "seconds": round(seconds, 1),
        },
    )


def test_twenty_clients_race_for_one_period(settings: Settings, slices: dict[str, Path]) -> None:
    org = sorted(slices)[0]
    keys = seeded(settings, [org], extra_keys={org: CLIENTS})
    bodies = [variant(slices[org], n, RACE_PERIOD) for n in range(CLIENTS)]

    def client(n: int) -> dict[str, Any]:
        with httpx.Client(base_url=server.url, timeout=300.0) as http:
            return _post(http, keys[f"{org}#{n}"], bodies[n])

    with live_server(settings) as server, ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(client, range(CLIENTS)))
    state = pool_state(settings)
    statuses = list(state.statuses.values())
    record_figures(
        f"race-{settings.resolved_database_url().split(':')[0]}",
        {
            "clients": CLIENTS,
            "submissions": len(statuses),
            "accepted_current": statuses.count("accepted"),
            "superseded": statuses.count("superseded"),
            "failed": statuses.count("failed"),
        },
    )
    assert [a["status"] for a in answers].count("failed") == 0, answers
    assert len(statuses) == CLIENTS
    assert statuses.count("accepted") == 1
    assert statuses.count("superseded") == CLIENTS - 1
    acknowledged = {
        a["id"]: expected_rows(bodies[n])
        for n, a in enumerate(answers)
        if a["status"] == "accepted"
    }
    assert pool_problems(state, acknowledged) == []
