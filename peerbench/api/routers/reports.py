"""``/v1/reports/{kind}``: the plain-English HTML reports, built from the current pool.

``/v1/reports/{kind}/figures`` serves the same report's key figures as JSON (what
``peerbench report`` writes as ``<name>.figures.json``).

Scoped like ``/v1/benchmarks`` (:func:`benchmark_scope`):

* a **submitter** gets service reports for its own organisation's services (owner view)
  and the network, commissioner and quality reports over its networks' members;
* a **network analyst** gets the network, commissioner and quality reports of its
  network, and the service report of any member's service in the view for readers
  outside its organisation (every figure disclosure-controlled);
* an **admin** gets any report, of one network (``network_id``) or the whole pool;
* a **researcher** is refused.

The same builders as ``peerbench report`` run server-side, so every figure passes their
disclosure control. The built report, its page and its figures' JSON are cached per
(pool generation, report), so a new submission is never served stale, and a warm read
sends the cached bytes as they are (with an ETag: ``304`` when the client has them).
Every read is audited as ``report.read`` (with ``"format": "figures"`` for the JSON).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from peerbench.api.cache import LruCache, ReadyBytes, app_cache, app_ready_bytes, ready_response
from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import ApiError, NotFound
from peerbench.api.routers.benchmarks import Scope, benchmark_scope
from peerbench.api.routers.benchmarks import result_cache as results
from peerbench.api.schemas import ErrorEnvelope
from peerbench.schema.fields import ID_PATTERN
from peerbench.server.context import ServerContext
from peerbench.server.pool_reports import (
    BuiltReport,
    ReportKind,
    ReportUnavailable,
    pool_report,
    report_key,
)
from peerbench.server.principal import Principal

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}
CACHE_SIZE = 16
"""Rendered reports kept in memory per app."""

_Built = BuiltReport


def _cache(request: Request) -> LruCache[_Built]:
    return app_cache(request, "report_cache", CACHE_SIZE)


def _check_kind(key: Principal, kind: str, service_id: str | None) -> None:
    if kind == "service" and service_id is None:
        raise ApiError(422, "A service report needs 'service_id'.", details={"field": "service_id"})
    if kind != "service" and service_id is not None:
        raise ApiError(
            422,
            "'service_id' only applies to service reports.",
            details={"field": "service_id"},
        )


def _built(
    request: Request,
    ctx: ServerContext,
    session: Session,
    key: Principal,
    scope: Scope,
    kind: str,
    service_id: str | None,
) -> _Built:
    try:
        return pool_report(
            ctx, session, key, scope, kind, service_id, _cache(request), results(request)
        )
    except ReportUnavailable as exc:
        raise NotFound(str(exc)) from None


ServiceParam = Annotated[str | None, Query(pattern=ID_PATTERN, description="For service reports.")]
NetworkParam = Annotated[str | None, Query(description="Admins only.")]


def _pages(request: Request) -> ReadyBytes:
    return app_ready_bytes(request, "report_pages", 2 * CACHE_SIZE)


def report_page(
    request: Request,
    ctx: ServerContext,
    session: Session,
    key: Principal,
    scope: Scope,
    kind: str,
    service_id: str | None = None,
    figures: bool = False,
) -> tuple[bytes, str]:
    """The report's page (or its figures' JSON) for ``key`` over ``scope``, and its ETag.

    Served from the kept bytes when the report was built for this pool generation
    before (in memory, or on disk across a restart).
    """

    def make() -> bytes:
        built = _built(request, ctx, session, key, scope, kind, service_id)
        return built.figures_json if figures else built.html_bytes

    page_key = (report_key(ctx, session, key, scope, kind, service_id), figures)
    body, etag, _cached = _pages(request).get_ready(page_key, make)
    return body, etag


def _read(
    request: Request,
    ctx: ServerContext,
    session: Session,
    key: Principal,
    kind: str,
    service_id: str | None,
    network_id: str | None,
    details: dict[str, Any],
) -> tuple[bytes, str]:
    """:func:`report_page` in ``key``'s scope, its read audited."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    _check_kind(key, kind, service_id)
    figures = details.get("format") == "figures"
    body, etag = report_page(request, ctx, session, key, scope, kind, service_id, figures)
    ctx.read_audit().record(
        actor=key.id,
        action="report.read",
        organisation_id=key.organisation_id,
        target=f"reports/{kind}",
        details={
            "kind": kind,
            **({"service_id": service_id} if service_id else {}),
            **scope.audit_details(),
            **details,
        },
    )
    return body, etag


@router.get(
    "/{kind}",
    response_class=HTMLResponse,
    responses={**_ERRORS, 200: {"content": {"text/html": {}}, "description": "The report."}},
)
def get_report(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    kind: ReportKind,
    service_id: ServiceParam = None,
    network_id: NetworkParam = None,
) -> Response:
    """A self-contained HTML report (service, network, commissioner or quality)."""
    body, etag = _read(request, ctx, session, key, kind, service_id, network_id, {})
    return ready_response(request, body, "text/html; charset=utf-8", etag)


@router.get("/{kind}/figures", response_model=dict[str, Any], responses=_ERRORS)
def get_report_figures(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    kind: ReportKind,
    service_id: ServiceParam = None,
    network_id: NetworkParam = None,
) -> Response:
    """The same report's key figures, charts' data and tables as JSON."""
    figures = {"format": "figures"}
    body, etag = _read(request, ctx, session, key, kind, service_id, network_id, figures)
    return ready_response(request, body, "application/json", etag)
