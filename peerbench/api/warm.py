"""The common read answers, built in the background so that a first read finds them.

At start-up, and whenever the pool's generation changes (a submission accepted or
superseded, whichever way it came: API, portal, background worker), one thread builds
the answers most readers ask for, through the same functions and caches as the
endpoints (so the bytes are the ones a read would have made):

* for each network, its analysts' view (an admin's view of the network is the same
  result): the first page of ``/v1/benchmarks``, the funnel and the meta-analysis, and
  the network, commissioner and quality reports (page and figures);
* for admins, the first page of ``/v1/benchmarks`` over the whole pool;
* then the quality figures of organisations that have none recorded (a pool made before
  figures were recorded at ingest: :mod:`peerbench.server.quality_record`), in the
  recording process (:mod:`peerbench.server.quality_process`), and only then the
  networks' quality reports, which sum them.

Each scope's raw benchmark is its own step, before the answers made from it: a read
arriving meanwhile waits for (or shares) one step at most, not the raw result and its
controlled view together. Before the port opens the app also pays the engines'
first-use costs (:func:`warm_engines`), so a first read does not.

Every key holds the pool generation, so an answer built for an older pool is never
served for a newer one: a submission landing during a warm-up only means another
warm-up. Nothing is audited, since nobody read anything. A read asking for an answer
being built waits for that build rather than repeating it
(:class:`peerbench.api.cache.LruCache`), and the raw results are shared. The warm-up
gives way to requests: it starts its next build only when no request is being answered
and none has been for half a second (:data:`QUIET_SECONDS`)
(:class:`InFlight`), so it uses the server's idle time, not a reader's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as AsgiScope

from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.pool_benchmarks import (
    Scope,
    benchmark_options,
    benchmark_scope,
    pool_state,
    raw_inputs,
)
from peerbench.server.tenancy import list_networks

log = logging.getLogger("peerbench.server")

POLL_SECONDS = 2.0
"""How often the pool's generation is checked (one small query) between pokes."""
FIRST_REPORTS = ("network", "commissioner")
"""The reports built for each network with its benchmarks (a service report is one
service's: not warmed)."""
LAST_REPORTS = ("quality",)
"""The reports built for each network last, after any organisations' missing quality
figures are recorded (with more than a couple missing, a quality report re-profiles the
pool)."""


@dataclass(frozen=True)
class _Viewer:
    """Who the warm-up builds an answer for (never audited: no one read it)."""

    role: str
    network_id: str | None = None
    organisation_id: str | None = None
    project: str | None = None
    id: str = "warm-up"


class InFlight:
    """ASGI middleware counting the HTTP requests being answered (the warm-up's signal).

    Example:
        >>> app.add_middleware(InFlight, counter=Requests())  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, counter: Requests) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.counter.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.counter.leave()


QUIET_SECONDS = 0.5
"""How long no request must have been answered before the warm-up starts a build."""


class Requests:
    """How many requests are being answered, and when the last one started or ended.

    Args:
        quiet: Seconds without any request that :meth:`wait_idle` waits for as well, so
            a reader who sends requests one after another (a first read right after a
            health check, a page and then its next page) is not met by a warm-up build
            started in the gap between two of them.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(
        self, quiet: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._count = 0
        self._quiet = quiet
        self._clock = clock
        self._last = clock()
        self._idle = threading.Condition()

    def touch(self) -> None:
        """Count now as activity (the port is about to open: the first reads come soon)."""
        with self._idle:
            self._last = self._clock()

    def enter(self) -> None:
        """A request started."""
        with self._idle:
            self._count += 1
            self._last = self._clock()

    def leave(self) -> None:
        """A request was answered."""
        with self._idle:
            self._count -= 1
            self._last = self._clock()
            if self._count == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is being answered and none was for :attr:`quiet`
        seconds; False if ``timeout`` came first."""
        deadline = self._clock() + timeout
        with self._idle:
            while True:
                now = self._clock()
                if self._count == 0 and now - self._last >= self._quiet:
                    return True
                if now >= deadline:
                    return False
                until = deadline if self._count else min(deadline, self._last + self._quiet)
                self._idle.wait(max(until - now, 0.001))


class Warmer:
    """One background thread that builds the common answers for each pool generation.

    Args:
        app: The API app (its caches are the ones filled).
        ctx: The server context.
        requests: The requests being answered (warming waits until there are none).
        poll_seconds: How often the generation is checked between :meth:`poke` calls.
    """

    def __init__(
        self,
        app: FastAPI,
        ctx: ServerContext,
        requests: Requests | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._app = app
        self._ctx = ctx
        self._requests = requests
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._warmed = threading.Condition()
        self._generation: str | None = None
        self._thread = threading.Thread(target=self._run, name="pb-warm", daemon=True)

    def start(self) -> None:
        """Start warming the pool as it is now (after a quiet moment: the first reads
        come as the port opens)."""
        if self._requests is not None:
            self._requests.touch()
        self._thread.start()

    def poke(self) -> None:
        """Check the pool's generation now (e.g. after a submission was pooled)."""
        self._wake.set()

    def wait_warm(self, timeout: float) -> bool:
        """Block until the current pool generation is warm; False if ``timeout`` came first."""
        with self._ctx.db.session() as session:
            wanted = pool_state(self._ctx, session)
        self.poke()
        with self._warmed:
            return self._warmed.wait_for(lambda: self._generation == wanted, timeout=timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the build in progress (waiting at most ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._ctx.db.session() as session:
                    generation = pool_state(self._ctx, session)
                if generation != self._generation:
                    if self._warm(generation):
                        with self._warmed:
                            self._generation = generation
                            self._warmed.notify_all()
                    continue  # warmed, outdated or stopped: look again at once
            except Exception:  # a warm-up is only a head start: a read builds the same
                log.warning("warming the read caches failed", exc_info=True)
            self._wake.wait(self._poll)
            self._wake.clear()

    def _warm(self, generation: str) -> bool:
        """Build every common answer of ``generation``; False if stopped or outdated first."""
        for step in self._steps():
            while self._requests is not None and not self._stop.is_set():
                if self._requests.wait_idle(self._poll):  # readers first
                    break
            if self._stop.is_set():
                return False
            try:
                with self._ctx.db.session() as session:
                    if pool_state(self._ctx, session) != generation:
                        return False  # a newer pool: its answers are the ones to build
                    step(session)
            except Exception:  # e.g. a network with no data yet: nothing to warm
                log.debug("a read cache was not warmed", exc_info=True)
        return True

    def _quality_backfill(self, session: Session) -> bool:
        """Record the quality figures of organisations that have none (a pool made before
        they were recorded at ingest, or loaded in bulk) in the recording process, and
        wait for them, so the quality reports built next sum records.

        False if stopped, or if the pool changed meanwhile: a large backfill takes hours,
        and the new pool's answers must not wait for it (the next warm-up waits for the
        same queued organisations again)."""
        from peerbench.server.quality_record import missing_records

        recorder = self._ctx.quality
        missing = [] if recorder is None else missing_records(self._ctx.store, session)
        if recorder is None or not missing:
            return True
        log.info("recording the quality figures of %d organisations", len(missing))
        generation = pool_state(self._ctx, session)
        futures = recorder.record_all(missing)
        while not recorder.wait(futures, self._poll):
            if self._stop.is_set():
                return False
            with self._ctx.db.session() as fresh:
                if pool_state(self._ctx, fresh) != generation:
                    return False
        return True

    def _steps(self) -> Iterator[Callable[[Session], object]]:
        from peerbench.api.routers.benchmarks import (
            benchmarks_page,
            funnel_part,
            meta_part,
            result_cache,
        )

        ctx, request = self._ctx, _request(self._app)
        options = benchmark_options(ctx.settings.min_cell_count)  # what a plain read uses
        later: list[tuple[_Viewer, Callable[[Session], Scope]]] = []  # quality reports
        with ctx.db.session() as session:
            networks = sorted(network.id for network, _members in list_networks(session))
        for network_id in networks:
            viewer = _Viewer(Role.NETWORK_ANALYST.value, network_id=network_id)

            scope = partial(_scope_of, ctx, viewer)

            def raw(session: Session, scope: Callable[[Session], Scope] = scope) -> object:
                return raw_inputs(ctx, session, scope(session), options, result_cache(request))

            def page(session: Session, scope: Callable[[Session], Scope] = scope) -> object:
                return benchmarks_page(request, ctx, session, scope(session), options)

            def funnel(session: Session, scope: Callable[[Session], Scope] = scope) -> object:
                return funnel_part(request, ctx, session, scope(session))

            def meta(session: Session, scope: Callable[[Session], Scope] = scope) -> object:
                return meta_part(request, ctx, session, scope(session))

            yield from (raw, page, funnel, meta)
            yield from _reports(request, ctx, viewer, scope, FIRST_REPORTS)
            later.append((viewer, scope))

        def whole_pool_raw(session: Session) -> object:
            admin = Scope(None, (), None, ctx.today())
            return raw_inputs(ctx, session, admin, options, result_cache(request))

        def whole_pool(session: Session) -> object:
            admin = Scope(None, (), None, ctx.today())
            return benchmarks_page(request, ctx, session, admin, options)

        yield from (whole_pool_raw, whole_pool)
        if ctx.quality is not None:
            yield self._quality_backfill
        for who, where in later:
            yield from _reports(request, ctx, who, where, LAST_REPORTS)


def _scope_of(ctx: ServerContext, viewer: _Viewer, session: Session) -> Scope:
    return benchmark_scope(session, viewer, None, as_of=ctx.today())


def _reports(
    request: Request,
    ctx: ServerContext,
    viewer: _Viewer,
    scope: Callable[[Session], Scope],
    kinds: tuple[str, ...],
) -> Iterator[Callable[[Session], object]]:
    """Steps building ``viewer``'s reports of ``kinds``, each as a page and as figures."""
    from peerbench.api.routers.reports import report_page

    for kind in kinds:
        for figures in (True, False):

            def report(session: Session, kind: str = kind, figures: bool = figures) -> object:
                return report_page(
                    request, ctx, session, viewer, scope(session), kind, None, figures
                )

            yield report


def warm_engines(min_cell_count: int, *, checker: bool = False) -> None:
    """Pay the read engines' first-use costs now, and wait for them (at start-up,
    before the port opens).

    The chart renderer's JavaScript engine boots (native code, about 0.6 CPU s,
    :func:`peerbench.reports.warm.start_renderer`), DuckDB opens its first database
    (about 0.1 s) and the report templates are compiled (about 0.15 s each). With
    ``checker``, the upload checker's fork server, started earlier, has finished
    importing and loading its compiled loops (a few CPU seconds in its own process).
    Without this wait, the first read paid for each of them, or shared the two cores with
    them: a cold service report took 2.2-2.6 s as the port opened and 1.8 s four seconds
    later. The answers are the same either way.
    """
    from peerbench.aggregate.backends import duckdb_database
    from peerbench.reports.render import preload_templates
    from peerbench.reports.suppression import SuppressionWording
    from peerbench.reports.warm import start_renderer
    from peerbench.server.isolation import start_checker

    renderer = start_renderer()
    duckdb_database().close()
    # The reads' own policy (benchmark_options), so the templates compiled are theirs.
    policy = benchmark_options(min_cell_count).disclosure_policy
    assert policy is not None  # benchmark_options always sets one
    preload_templates(SuppressionWording.from_policy(policy))
    if checker:
        start_checker(wait=True)
    renderer.join()


GC_THRESHOLD = 10_000
"""Allocations between young-generation collections in a server (CPython's default: 700)."""


def settle_heap() -> None:
    """Tune the garbage collector for a long-lived server, once start-up is done.

    What start-up made (modules, schemas, compiled checks: about 270,000 objects) lives
    as long as the process, yet every full collection would walk it again; it is frozen
    instead (:func:`gc.freeze`, after one collection so no garbage is kept). A cold
    benchmark of a national pool allocates millions of short-lived objects, and with
    the default threshold the collector ran 1,300 times during one (about 1 s of its
    8 s); a larger young generation cuts that to a few dozen (0.25 s). Reference counting
    still frees everything without cycles at once, so memory is not held longer.
    """
    import gc

    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, middle, old)


def _request(app: FastAPI) -> Request:
    """A request carrying ``app``: what the endpoints' helpers find their caches on."""
    return Request({"type": "http", "app": app, "method": "GET", "path": "/", "headers": []})
