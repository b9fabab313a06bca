"""Quality figures are recorded in a separate, low-priority process, not the server's.

Great Expectations' profile of one organisation is seconds of pure Python. On a thread
of the server it held the GIL against everything else the server did: while one ran, a
raw benchmark of the reference pool took 5.4–7.3 s instead of 1.2–1.5 s, and sample
submissions to a national pool p95 0.82–2.05 s instead of 0.34–0.36 s (0.30–0.32 s with
this process). So the server hands organisations, one at a
time, to a child process (forked from the fork server of
:mod:`peerbench.server.isolation`, at a lower CPU priority), which opens its own
database connection and store and records the figures as
:func:`peerbench.server.quality_record.record_quality` does: only when missing or stale,
each record written atomically. Closing the recorder stops the child at once: a profile
cut short writes nothing, and a later read or start-up records it again. Nothing waits
for the child but the warm-up's quality reports; a read that finds a record missing sums
what is current or profiles as before.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("peerbench.server")

NICE = 10
"""How much lower the recording process's CPU priority is than the server's."""
POLL_SECONDS = 0.5
"""How often the thread feeding the child looks whether the recorder was closed."""


def _serve(connection: Connection, database_url: str, store_url: str, nice: int) -> None:
    """(In the child) Record each organisation received; answer True/False or an error."""
    from peerbench.server.db.session import Database
    from peerbench.server.quality_record import record_quality
    from peerbench.server.store import PooledStore

    os.nice(nice)
    db, store = Database(database_url), PooledStore(store_url)
    while True:
        try:
            organisation_id = connection.recv()
        except EOFError:  # the server closed its end
            return
        try:
            answer: tuple[str, Any] = ("ok", record_quality(store, db, organisation_id))
        except Exception as error:  # reported to the server's log, the child carries on
            answer = ("error", f"{type(error).__name__}: {error}")
        connection.send(answer)


class QualityRecorder:
    """Records organisations' quality figures in one background process, in turn.

    Example:
        >>> recorder = QualityRecorder("sqlite:///db.sqlite3", "data/pool")  # doctest: +SKIP
        >>> recorder.record("org-1").result()  # doctest: +SKIP
        True

    Args:
        database_url: The metadata database (the server's own URL).
        store_url: The pooled store.
        nice: How much lower the process's CPU priority is.
    """

    def __init__(self, database_url: str, store_url: str, nice: int = NICE) -> None:
        self._args = (database_url, store_url, nice)
        self._jobs: queue.Queue[tuple[str, Future[bool]] | None] = queue.Queue()
        self._waiting: dict[str, Future[bool]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._process: Any = None

    def record(self, organisation_id: str) -> Future[bool]:
        """Queue ``organisation_id``; its figures are read when its turn comes, so a
        request while one is still waiting is that one. The future tells whether it
        profiled (False: the record was up to date).

        Raises:
            RuntimeError: after :meth:`close`.
        """
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the quality recorder is closed")
            waiting = self._waiting.get(organisation_id)
            if waiting is not None:
                return waiting
            future: Future[bool] = Future()
            self._waiting[organisation_id] = future
            if self._thread is None:
                self._thread = threading.Thread(target=self._feed, name="pb-quality", daemon=True)
                self._thread.start()
        self._jobs.put((organisation_id, future))
        return future

    def record_all(self, organisation_ids: Iterable[str]) -> list[Future[bool]]:
        """:meth:`record` each of ``organisation_ids``."""
        return [self.record(org) for org in organisation_ids]

    @staticmethod
    def wait(futures: list[Future[bool]], timeout: float) -> bool:
        """Whether every one of ``futures`` is done within ``timeout`` seconds."""
        return not wait_for(futures, timeout=timeout).not_done

    def close(self) -> None:
        """Stop the child now and cancel what has not been recorded."""
        with self._lock:
            self._closed.set()
            thread = self._thread
        self._jobs.put(None)
        if thread is not None:
            thread.join()

    def _feed(self) -> None:
        """(The recorder's thread) Hand each queued organisation to the child in turn."""
        connection: Connection | None = None
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                organisation_id, future = job
                with self._lock:  # running, or still waiting, whenever record() looks
                    if self._waiting.get(organisation_id) is future:
                        del self._waiting[organisation_id]  # a new request queues again
                    closed = self._closed.is_set()
                    started = not closed and future.set_running_or_notify_cancel()
                if not started:
                    future.cancel()
                    continue
                try:
                    if connection is None:
                        connection = self._start()
                except Exception as error:  # e.g. no process can start: the job fails, not us
                    self._process = None
                    log.error("the quality recording process did not start", exc_info=True)
                    future.set_exception(
                        RuntimeError(f"the recording process did not start: {error}")
                    )
                    continue
                try:
                    connection.send(organisation_id)
                    while not connection.poll(POLL_SECONDS):
                        if self._closed.is_set():
                            raise EOFError("closed")
                    status, value = connection.recv()
                except (EOFError, OSError) as error:  # the child died, or we are closing
                    self._stop()
                    connection.close()
                    connection = None
                    future.set_exception(RuntimeError(f"the recording process stopped: {error}"))
                    continue
                if status == "ok":
                    future.set_result(bool(value))
                else:
                    log.error("recording %s's quality figures failed: %s", organisation_id, value)
                    future.set_exception(RuntimeError(value))
        finally:
            self._stop()
            if connection is not None:
                connection.close()
            self._cancel_rest()

    def _start(self) -> Connection:
        from peerbench.server.isolation import fork_context

        context = fork_context()
        mine, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, *self._args), daemon=True)
        self._process.start()
        theirs.close()
        return mine  # type: ignore[no-any-return]

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.pid is not None:  # started
            process.terminate()  # a profile cut short has written nothing (atomic writes)
            process.join()

    def _cancel_rest(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job[1].cancel()
