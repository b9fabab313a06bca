"""Compaction on the server's worker: coalesced requests, only when reads need it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from peerbench.server import compaction
from peerbench.server.compaction import compact_stale, request_compaction, stale_files
from peerbench.server.db.session import Database
from peerbench.server.store import PooledStore

from .test_snapshot import ORGS, PERIODS, T0, Pool, assert_same, services


class Queue:
    """A background that keeps jobs until the test runs them (deterministic)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def __call__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.jobs.append((fn, args))

    def run_all(self) -> None:
        while self.jobs:
            fn, args = self.jobs.pop(0)
            fn(*args)


@pytest.fixture
def store(tmp_path: Path) -> PooledStore:
    return PooledStore(str(tmp_path / "pool"))


def test_compact_stale_waits_for_enough_files(db: Database, store: PooledStore) -> None:
    rng = random.Random(1)
    pool = Pool(db, store)
    for org in ORGS[:2]:
        pool.submit(org, PERIODS[0], services(rng, org))
    assert compact_stale(store, db, now=T0, min_files=3) == []
    pool.submit(ORGS[2], PERIODS[0], services(rng, ORGS[2]))
    done = compact_stale(store, db, now=T0, min_files=3)
    assert [(d.record_type, d.swapped) for d in done] == [("service", True)]
    with db.session() as session:
        assert stale_files(store, session, "service") == 0
    store.direct_files = 0
    assert_same(db, store)


def test_requests_coalesce(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = Queue()
    runs: list[dt.datetime] = []

    def fake(store: PooledStore, db: Database, *, now: dt.datetime) -> list[Any]:
        runs.append(now)
        if len(runs) == 1:  # a submission is accepted while the first run works
            assert not request_compaction(store, db, lambda: T0, queue)
        return []

    monkeypatch.setattr(compaction, "compact_stale", fake)
    assert request_compaction(store, db, lambda: T0, queue)
    assert not request_compaction(store, db, lambda: T0, queue)  # already queued
    assert len(queue.jobs) == 1
    queue.run_all()
    assert runs == [T0, T0]  # once more for the request made while running
    assert request_compaction(store, db, lambda: T0, queue)  # idle again: queued anew
    queue.run_all()
    assert len(runs) == 3


def test_a_failed_run_is_logged_and_forgotten(
    db: Database, store: PooledStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = Queue()

    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise OSError("disk full")

    monkeypatch.setattr(compaction, "compact_stale", broken)
    assert request_compaction(store, db, lambda: T0, queue)
    queue.run_all()
    assert request_compaction(store, db, lambda: T0, queue)
