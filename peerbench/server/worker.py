"""The background worker: a small thread pool that processes large submissions.

Validation is mostly Arrow compute and Parquet I/O, which release the GIL, so threads
give real parallelism without the cost of shipping tables to other processes. The pool
is small on purpose: each job holds a submission's tables in memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger("peerbench.server")

DEFAULT_WORKERS = 2


class SubmissionWorker:
    """Run jobs on a few background threads and know when they are all done.

    Example:
        >>> worker = SubmissionWorker()
        >>> future = worker.submit(sum, [1, 2])
        >>> worker.wait_idle(5.0), future.result()
        (True, 3)
        >>> worker.shutdown()

    Args:
        max_workers: Threads in the pool.
    """

    def __init__(self, max_workers: int = DEFAULT_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pb-ingest")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``; exceptions are logged (jobs should handle their own)."""
        future = self._pool.submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("background job failed", exc_info=future.exception())
        with self._idle:
            self._pending.discard(future)
            self._idle.notify_all()

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._pending)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running; False if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout=timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, finish those already queued."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
