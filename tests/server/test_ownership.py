"""Service owners from the ownership index equal those read from the pool's files."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete

from peerbench.server.db.models import PoolService
from peerbench.server.db.session import Database
from peerbench.server.ownership import backfill, service_owners, unindexed_versions
from peerbench.server.store import PooledStore

from .test_snapshot import ORGS, PERIODS, Pool


def owners_from_files(db: Database, store: PooledStore) -> dict[str, str]:
    """The old check: every current service file read, last row wins."""
    with db.session() as session:
        table = store.read_current(session, "service")
    ids = table.column("service_id").to_pylist()
    owners = table.column("organisation_id").to_pylist()
    return {str(s): str(o) for s, o in zip(ids, owners, strict=True) if s is not None}


def shared(rng: random.Random, org: str) -> pa.Table:
    """Services whose ids other organisations use too (a conflict the index must order)."""
    ids = sorted(rng.sample(range(5), rng.randint(1, 3)))
    n = len(ids)
    return pa.table({"service_id": [f"s{i}" for i in ids], "organisation_id": [org] * n,
                     "name": ["x"] * n, "condition_focus": ["mental_health"] * n,
                     "delivery_format": ["group"] * n, "facilitator_model": ["peer_led"] * n,
                     "structure": ["open"] * n})  # fmt: skip


def test_index_equals_the_files(db: Database, tmp_path: Path) -> None:
    store = PooledStore(str(tmp_path / "pool"))
    rng = random.Random(2)
    pool = Pool(db, store)
    for _ in range(25):
        org = rng.choice(ORGS)
        pool.submit(org, rng.choice(PERIODS), shared(rng, org))
        with db.session() as session:
            assert service_owners(session) == owners_from_files(db, store)
            full = owners_from_files(db, store)
            sent = {"s1", "s4"}
            part = service_owners(session, organisation_id="org-b", service_ids=sent)
        wanted = {s for s, o in full.items() if o == "org-b"} | (sent & set(full))
        assert {s: full[s] for s in wanted} == {s: part[s] for s in wanted}
        assert {s for s, o in part.items() if o == "org-b"} == {
            s for s, o in full.items() if o == "org-b"
        }


def test_files_pooled_before_the_index_are_read_then_indexed(db: Database, tmp_path: Path) -> None:
    store = PooledStore(str(tmp_path / "pool"))
    rng = random.Random(3)
    pool = Pool(db, store)
    for org in ORGS:
        pool.submit(org, "2025-Q1", shared(rng, org))
    expected = owners_from_files(db, store)
    with db.session() as session:
        session.execute(delete(PoolService))  # as if pooled before migration 0005
    with db.session() as session:
        assert len(unindexed_versions(session)) == len(ORGS)
        assert service_owners(session) == {}
        assert service_owners(session, store=store) == expected
    assert backfill(store, db) == len(ORGS)
    assert backfill(store, db) == 0
    with db.session() as session:
        assert service_owners(session) == expected
