"""Quality figures recorded in the separate, low-priority recording process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbench.server.quality_process import QualityRecorder
from peerbench.server.quality_record import record_quality
from peerbench.server.settings import Settings
from tests.api.harness import running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One organisation's data, its figures recorded in this process."""
    root = tmp_path_factory.mktemp("quality-process")
    slices = synth_slices(root / "synth", organisations=1, outcome_rows=60)
    data = root / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEERBENCH_QUALITY_AT_INGEST", "0")
        with running_server(f"sqlite:///{data / 'peerbench.sqlite3'}", data, sorted(slices)) as s:
            s.submit_all(slices)
            assert record_quality(s.context.store, s.context.db, sorted(slices)[0])
            yield s.settings


def test_the_recording_process_makes_the_same_record(settings: Settings) -> None:
    records = sorted(Path(settings.resolved_store_url(), "_cache", "quality").glob("*.json"))
    assert len(records) == 1
    made_here = records[0].read_bytes()
    organisation = records[0].stem
    recorder = QualityRecorder(settings.resolved_database_url(), settings.resolved_store_url())
    try:
        assert recorder.record(organisation).result(timeout=300) is False  # up to date
        records[0].unlink()  # e.g. a pool from before figures were recorded at ingest
        assert recorder.record(organisation).result(timeout=300) is True
        assert records[0].read_bytes() == made_here  # the same figures, from another process
        assert recorder.record("no-such-organisation").result(timeout=60) is False
    finally:
        recorder.close()
    with pytest.raises(RuntimeError, match="closed"):
        recorder.record(organisation)


def test_closing_stops_a_profile_in_progress_and_writes_nothing(settings: Settings) -> None:
    record = next(Path(settings.resolved_store_url(), "_cache", "quality").glob("*.json"))
    kept = record.read_bytes()
    record.unlink()
    recorder = QualityRecorder(settings.resolved_database_url(), settings.resolved_store_url())
    try:
        first = recorder.record(record.stem)
        again = recorder.record(record.stem)
        assert again is first or first.running() or first.done()  # queued once while waiting
        recorder.close()  # returns without waiting for the profile to finish
        assert first.done()
        assert first.cancelled() or first.exception() is not None or first.result() is True
        assert not record.exists() or record.read_bytes() == kept  # never half a record
    finally:
        record.write_bytes(kept)


def test_a_process_that_cannot_start_fails_the_job_not_the_recorder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cannot(self: QualityRecorder) -> object:
        raise OSError("no more processes")

    monkeypatch.setattr(QualityRecorder, "_start", cannot)
    recorder = QualityRecorder("sqlite://", "unused")
    try:
        for organisation in ("org-1", "org-2"):  # the feeding thread carries on
            with pytest.raises(RuntimeError, match="did not start"):
                recorder.record(organisation).result(timeout=30)
    finally:
        recorder.close()
