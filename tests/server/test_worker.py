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


def test_deferred_jobs_are_not_waited_for_and_dropped_at_shutdown() -> None:
    gate = threading.Event()
    ran: list[int] = []
    worker = SubmissionWorker(max_workers=1)
    worker.defer(gate.wait, 5.0)  # holds the only thread
    worker.defer(ran.append, 1)  # queued behind it
    assert worker.wait_idle(0.0) and worker.pending == 0
    stopping = threading.Thread(target=worker.shutdown)
    stopping.start()
    assert worker._closing.wait(5.0)
    gate.set()
    stopping.join(5.0)
    assert not stopping.is_alive() and ran == []


def test_a_deferred_job_runs_while_the_worker_is_open() -> None:
    worker = SubmissionWorker(max_workers=1)
    assert worker.defer(sum, [1, 2]).result(5.0) == 3
    worker.shutdown()
