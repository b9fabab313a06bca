"""SIGKILL a real ``peerbench serve`` during ingestion, again and again; nothing is lost.

Each cycle starts the server on the same SQLite database and pool, has one client per
organisation send corrected versions of its records (each supersedes the last), kills
the server with SIGKILL after a delay from a fixed schedule, and checks, with the server
down, that every submission a client saw ``accepted`` is whole in the pool, and that no
row is duplicated or half-visible (:func:`tests.soak.live.pool_problems`). The next
start recovers what the kill interrupted.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select

from peerbench.server.db.models import Submission
from tests.api.harness import PERIOD, synth_slices
from tests.soak.live import (
    LiveServer,
    expected_rows,
    pool_problems,
    pool_state,
    record_figures,
    seeded,
    settings_for,
    variant,
)

pytestmark = pytest.mark.soak  # make soak only

KILLS = 20
SENDS_PER_CLIENT = 4
"""Submissions one client tries per cycle (the kill usually cuts the series short)."""
DELAYS = tuple(0.25 * (i % 8) for i in range(KILLS))
"""Seconds from the trigger to the kill: a fixed spread over validation and pooling."""
TRIGGER_TIMEOUT = 120.0


def _registered(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Submission)).scalar_one())


def _unfinished(engine: Engine) -> int:
    statement = select(func.count()).where(Submission.status.in_(("received", "validating")))
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def _wait_for(engine: Engine, count: int) -> None:
    """Wait (bounded) until the server has registered ``count`` submissions in all."""
    deadline = time.monotonic() + TRIGGER_TIMEOUT
    while _registered(engine) < count:
        assert time.monotonic() < deadline, f"the server never registered {count} submissions"
        time.sleep(0.02)


def _client(
    url: str, key: str, bodies: list[dict[str, Any]], acknowledged: dict[str, dict[str, int]],
    cut: list[int], lock: threading.Lock,
) -> None:  # fmt: skip
    with httpx.Client(base_url=url, timeout=60.0) as client:
        for n, body in enumerate(bodies):
            try:
                response = client.post(
                    "/v1/submissions", json=body, headers={"Authorization": f"Bearer {key}"}
                )
            except httpx.TransportError:
                with lock:
                    cut.append(n)
                return
            payload: dict[str, Any] = response.json()
            with lock:
                if response.status_code != 201 or payload.get("status") != "accepted":
                    cut.append(-1)  # an answer, but not an acceptance: the test fails below
                    raise AssertionError(response.text[:500])
                acknowledged[payload["id"]] = expected_rows(body)


def test_sigkill_during_ingestion_loses_nothing(tmp_path: Path) -> None:
    slices = synth_slices(tmp_path / "synth", organisations=3, outcome_rows=900)
    orgs = sorted(slices)
    settings = settings_for(tmp_path / "data", None)
    keys = seeded(settings, orgs)
    acknowledged: dict[str, dict[str, int]] = {}
    cut: list[int] = []
    in_flight = 0
    lock = threading.Lock()
    started = time.monotonic()
    engine = create_engine(settings.resolved_database_url())
    for cycle in range(KILLS):
        bodies = {
            org: [
                variant(slices[org], cycle * SENDS_PER_CLIENT + n, PERIOD)
                for n in range(SENDS_PER_CLIENT)
            ]
            for org in orgs
        }
        server = LiveServer(settings)
        server.start()
        try:
            assert _unfinished(engine) == 0  # start-up recovered the last kill's work
            before = _registered(engine)
            cut_before = len(cut)
            threads = [
                threading.Thread(
                    target=_client,
                    args=(server.url, keys[org], bodies[org], acknowledged, cut, lock),
                )
                for org in orgs
            ]
            for thread in threads:
                thread.start()
            # Kill once 0, 1 or 2 of the cycle's submissions were accepted and another has
            # arrived, then a little later each time: the kills land at every stage of
            # ingestion.
            accepted_before = len(acknowledged)
            deadline = time.monotonic() + TRIGGER_TIMEOUT
            while len(acknowledged) < accepted_before + cycle % 3:
                assert time.monotonic() < deadline, "no submission was accepted in time"
                time.sleep(0.02)
            _wait_for(engine, before + cycle % 3 + 1)
            time.sleep(DELAYS[cycle])
        finally:
            server.kill()
        for thread in threads:
            thread.join(timeout=120)
            assert not thread.is_alive()
        assert -1 not in cut, "a submission was answered but not accepted"
        in_flight += bool(len(cut) > cut_before)
        problems = pool_problems(pool_state(settings), acknowledged, recovered=False)
        assert problems == [], f"after kill {cycle + 1}: {problems}"
    # One last clean start recovers the final kill's interrupted submissions.
    final = LiveServer(settings)
    final.start()
    final.stop()
    engine.dispose()
    state = pool_state(settings)
    assert pool_problems(state, acknowledged) == []
    statuses = list(state.statuses.values())
    assert cut, "no kill landed while a submission was in flight"
    record_figures(
        "sigkill",
        {
            "kills": KILLS,
            "kills_with_requests_in_flight": in_flight,
            "requests_cut": len(cut),
            "acknowledged": len(acknowledged),
            "submissions": len(statuses),
            "accepted_current": statuses.count("accepted"),
            "superseded": statuses.count("superseded"),
            "failed_interrupted": statuses.count("failed"),
            "rows_lost": 0,
            "rows_duplicated": state.duplicate_rows,
            "half_visible": 0,
            "orphan_files": len(state.orphans),
            "seconds": round(time.monotonic() - started, 1),
        },
    )
