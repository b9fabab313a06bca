"""The background worker's thread pool."""

from __future__ import annotations

import threading

import pytest

from peerbench.server.worker import SubmissionWorker


def test_runs_jobs_and_reports_idle() -> None:
    worker = SubmissionWorker(2)
    gate = threading.Event()
    futures = [worker.submit(gate.wait, 5.0) for _ in range(3)]
    assert worker.pending == 3
    assert not worker.wait_idle(0.05)
    gate.set()
    assert worker.wait_idle(5.0)
    assert all(f.result() for f in futures)
    worker.shutdown()


def test_failed_job_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    worker = SubmissionWorker(1)

    def boom() -> None:
        raise RuntimeError("boom")

    worker.submit(boom)
    assert worker.wait_idle(5.0)
    worker.shutdown()
    assert "background job failed" in caplog.text
