"""Quality figures recorded per organisation sum to the report of re-profiling the pool."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from peerbench.reports.builders import build
from peerbench.reports.builders.inputs import _open_pool, pool_report_data
from peerbench.reports.render import render_html
from peerbench.server import quality_record
from peerbench.server.db.models import PoolVersion
from peerbench.server.db.session import Database
from peerbench.server.quality_record import (
    fingerprints,
    record_missing,
    record_quality,
    recorded_quality,
)
from peerbench.server.settings import Settings
from peerbench.server.store import PooledStore
from tests.api.harness import running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")
PRODUCED = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two organisations' data, their figures recorded as the worker records them."""
    root = tmp_path_factory.mktemp("quality-record")
    slices = synth_slices(root / "synth", organisations=2, outcome_rows=120)
    data = root / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEERBENCH_QUALITY_AT_INGEST", "0")  # recorded below, in order
        with running_server(f"sqlite:///{data / 'peerbench.sqlite3'}", data, sorted(slices)) as s:
            s.submit_all(slices)
            store, db = s.context.store, s.context.db
            assert [record_quality(store, db, org) for org in sorted(slices)] == [True] * 2
            assert not record_quality(store, db, sorted(slices)[0])  # up to date: no GX
    yield data


def _html(data: object, kind: str, service: str | None = None) -> str:
    return render_html(build(data, kind, service))  # type: ignore[arg-type]


def test_the_recorded_report_equals_the_reprofiled_one(data_dir: Path) -> None:
    with _open_pool(data_dir) as (store, session):
        for scope in (None, sorted(fingerprints(session, None))[:1]):
            data = pool_report_data(store, session, organisation_ids=scope, produced_on=PRODUCED)
            assert data.recorded_quality is not None
            again = dataclasses.replace(data, recorded=None)  # re-profiles the tables
            assert _html(data, "quality") == _html(again, "quality")
        service = data.raw.services[0].service_id
        assert _html(data, "service", service) == _html(again, "service", service)


def test_a_withdrawn_version_drops_out(data_dir: Path) -> None:
    with _open_pool(data_dir) as (store, session):
        org = sorted(fingerprints(session, None))[0]
        before = fingerprints(session, [org])[org]
        record = Path(store.root, "_cache", "quality", f"{org}.json")
        kept = record.read_bytes()
        session.execute(
            update(PoolVersion)
            .where(PoolVersion.organisation_id == org, PoolVersion.record_type == "outcome")
            .values(is_current=False)
        )
        assert fingerprints(session, [org])[org] != before  # its record is stale now
        data = pool_report_data(store, session, produced_on=PRODUCED)
        assert data.recorded_quality is not None  # the stale record was made again
        again = dataclasses.replace(data, recorded=None)
        assert _html(data, "quality") == _html(again, "quality")
        assert record.read_bytes() != kept  # recorded for the versions it was read with
        session.rollback()
        record.write_bytes(kept)  # the withdrawal was rolled back: so is its record


def test_too_many_missing_records_mean_reprofiling(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quality_record, "FORMAT", -1)  # every record is of another format
    monkeypatch.setattr(quality_record, "ON_READ", 1)  # of the two
    with _open_pool(data_dir) as (store, session):
        assert recorded_quality(store, session, None) is None
        assert recorded_quality(store, session, []) is not None  # nothing to profile


def test_a_record_is_read_only_for_its_versions(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    database = Database(settings.resolved_database_url())
    try:
        store = PooledStore(settings.resolved_store_url())
        with database.session() as session:
            org = sorted(fingerprints(session, None))[-1]
        assert not record_quality(store, database, org)
        assert not record_quality(store, database, "no-such-organisation")
        assert record_missing(store, database) == []  # every record is current: no GX
    finally:
        database.dispose()
