"""The FastAPI application: ``create_app(settings)``.

Example:
    >>> app = create_app(Settings(data_dir=Path("pb-data")))  # doctest: +SKIP
    >>> uvicorn.run(app)  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from peerbench import __version__
from peerbench.api.errors import install_error_handlers
from peerbench.api.limits import BodySizeLimit
from peerbench.api.routers import (
    audit,
    benchmarks,
    directory,
    extracts,
    health,
    keys,
    networks,
    organisations,
    reports,
    submissions,
)
from peerbench.api.warm import InFlight, Requests, Warmer, settle_heap, warm_engines
from peerbench.portal.app import install_portal
from peerbench.server.context import ServerContext, open_server
from peerbench.server.isolation import start_checker
from peerbench.server.quality_process import QualityRecorder
from peerbench.server.ratelimit import RateLimiter
from peerbench.server.settings import Settings
from peerbench.server.submissions import recover_interrupted
from peerbench.server.worker import SubmissionWorker

DESCRIPTION = """\
Many organisations submit peer-support outcome data to one pool, safely.

Authenticate with `Authorization: Bearer <key>`. Every error has the same shape:
`{"error": {"code": ..., "message": ..., "details": ...}}`.
"""


def create_app(
    settings: Settings,
    *,
    context: ServerContext | None = None,
    workers: int = 2,
    warm: bool = False,
) -> FastAPI:
    """Build the API for ``settings``.

    The database and store are opened when the app starts (its lifespan), which fails
    with :class:`~peerbench.server.db.migrate.DatabaseNotMigrated` on a database that
    needs ``peerbench db upgrade``.

    Args:
        settings: Server settings.
        context: An already opened context to use (and not close) instead.
        workers: Threads of the background worker for large submissions.
        warm: Build the common read answers in the background, at start-up and after
            each change of the pool (:class:`peerbench.api.warm.Warmer`), so that a first
            read finds them, having paid the engines' first-use costs before serving
            (:func:`peerbench.api.warm.warm_engines`) and tuned the garbage collector for a
            long-lived process (:func:`peerbench.api.warm.settle_heap`); ``peerbench serve``
            does.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = context or open_server(settings)
        if ctx.db.is_sqlite:
            # The embedded server is one process: anything unfinished was interrupted by
            # a stop, and its spooled files are leftovers. (With PostgreSQL, several
            # processes may share the database, so one must not fail another's work.)
            # Their pool files, no longer in flight, go now rather than at the next start.
            if recover_interrupted(ctx):
                with ctx.db.session() as session:
                    ctx.store.cleanup(session)
            shutil.rmtree(settings.data_dir / "spool", ignore_errors=True)
        if settings.isolate_checks:
            start_checker()  # the first upload need not wait for it
        worker = SubmissionWorker(workers)
        if settings.quality_at_ingest:
            ctx.quality = QualityRecorder(
                settings.resolved_database_url(), settings.resolved_store_url()
            )
        app.state.context = ctx
        app.state.worker = worker
        app.state.limiter = RateLimiter(ctx.db, settings.submissions_per_minute)
        warmer = Warmer(app, ctx, requests) if warm else None
        app.state.warmer = warmer
        if warmer is not None:
            # before the port opens: a first read neither pays for them nor shares the CPU
            warm_engines(settings.min_cell_count, checker=settings.isolate_checks)
            settle_heap()
            warmer.start()
        try:
            yield
        finally:
            if warmer is not None:
                warmer.close()
            worker.shutdown(wait=True)
            if ctx.quality is not None:
                ctx.quality.close()
                ctx.quality = None
            if context is None:
                ctx.close()
            else:
                ctx.flush_reads()  # the reads answered are in the log at shutdown

    app = FastAPI(
        title="peerbench",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs and /redoc are served by the portal from bundled assets (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    for module in (
        health,
        submissions,
        organisations,
        networks,
        keys,
        audit,
        benchmarks,
        reports,
        extracts,
        directory,
    ):
        app.include_router(module.router)
    install_portal(app, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    requests = Requests()
    if warm:
        app.add_middleware(InFlight, counter=requests)
    return app
