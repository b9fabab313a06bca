"""An accepted submission asks the worker to compact the pool; nothing else waits for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbench.server import compaction
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import Organisation, Submission
from peerbench.server.receive import _process_then_compact, spool_files, submit_received
from peerbench.server.settings import Settings
from peerbench.server.snapshot import current_segments
from tests.api.harness import synth_slices

from .test_compaction import Queue

PERIOD = "2026-Q3"


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=60)


@pytest.fixture
def context(database_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    upgrade(database_url)
    ctx = open_server(Settings(data_dir=tmp_path / "data", database_url=database_url))
    yield ctx
    ctx.close()


def _send(ctx: ServerContext, folder: Path, org: str, queue: Queue) -> str:
    with ctx.db.session() as session:
        if session.get(Organisation, org) is None:
            session.add(Organisation(id=org, name=org))
    received = spool_files(ctx.settings.data_dir, PERIOD, sorted(folder.glob("*.parquet")))
    done = submit_received(ctx, received, organisation_id=org, actor="test", background=queue)
    return done.submission_id


def _status(ctx: ServerContext, submission_id: str) -> str:
    with ctx.db.session() as session:
        found = session.get(Submission, submission_id)
        assert found is not None
        return found.status


def test_an_accepted_submission_queues_compaction(
    context: ServerContext, slices: dict[str, Path]
) -> None:
    queue = Queue()
    org = next(iter(slices))
    sid = _send(context, slices[org], org, queue)
    assert _status(context, sid) == "accepted"
    assert [fn for fn, _ in queue.jobs] == [compaction._run]
    queue.run_all()  # below the threshold: the job looks and leaves the pool as it is
    with context.db.session() as session:
        assert current_segments(session, "outcome") == []


def test_a_large_upload_is_processed_then_compacted_in_the_background(
    context: ServerContext, slices: dict[str, Path]
) -> None:
    context.settings.background_threshold_bytes = 0
    queue = Queue()
    org = next(iter(slices))
    sid = _send(context, slices[org], org, queue)
    assert [fn for fn, _ in queue.jobs] == [_process_then_compact]
    assert _status(context, sid) == "validating"
    fn, args = queue.jobs.pop(0)
    fn(*args)
    assert _status(context, sid) == "accepted"
    assert [fn for fn, _ in queue.jobs] == [compaction._run]


class _Recorder:
    """Records which organisations an acceptance hands to the quality recorder."""

    def __init__(self) -> None:
        self.queued: list[str] = []

    def record(self, organisation_id: str) -> None:
        self.queued.append(organisation_id)


@pytest.mark.parametrize("on", [True, False])
def test_an_acceptance_queues_its_organisations_quality_figures(
    monkeypatch: pytest.MonkeyPatch, on: bool
) -> None:
    from types import SimpleNamespace

    from peerbench.server import receive

    compactions: list[object] = []
    monkeypatch.setattr(receive, "request_compaction", lambda *args: compactions.append(args))
    recorder = _Recorder()
    ctx = SimpleNamespace(store="store", db="db", now=None, quality=recorder if on else None)
    receive._after_acceptance(ctx, "org-1", print)  # type: ignore[arg-type]
    assert recorder.queued == (["org-1"] if on else [])
    assert len(compactions) == 1  # compaction is asked for either way


def test_a_server_records_quality_at_ingest_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from peerbench.server.settings import Settings

    monkeypatch.delenv("PEERBENCH_QUALITY_AT_INGEST")  # the test session turns it off
    assert Settings(data_dir=tmp_path).quality_at_ingest
    monkeypatch.setenv("PEERBENCH_QUALITY_AT_INGEST", "0")
    assert not Settings(data_dir=tmp_path).quality_at_ingest
