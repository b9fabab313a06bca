"""``/v1/benchmarks``: role-scoped, disclosure-controlled benchmarks of the current pool.

* a **submitter** sees the pool of the networks its organisation belongs to (just its
  own data when it belongs to none), its own services unrounded (owner view), every
  other figure controlled;
* a **network analyst** sees its network's members, every figure controlled;
* an **admin** sees one network (``network_id``) or the whole pool, controlled;
* a **researcher** is refused: row-level data for research comes from ``/v1/extracts``.

The scope and the controlled result come from :mod:`peerbench.server.pool_benchmarks`
(the portal's network pages call the same functions); the kept answers (results, pages
and parts, cached per pool state and viewer) from :mod:`peerbench.api.benchmark_reads`,
so repeated reads are cheap and a new submission (a new pool state) is never served stale.
Every read is audited as ``benchmark.read``.

``GET /v1/benchmarks`` pages its per-service section (:data:`SERVICE_SECTIONS`):
``limit`` services per page (default :data:`DEFAULT_SERVICE_LIMIT`) from ``offset``, in
``service_id`` order, optionally only one organisation's (``organisation_id``) or one
service (``service_id``); ``services_page.next`` links the next page. Every other
section is whole on each page, so a national pool's default answer stays small.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peerbench.api.benchmark_reads import (
    DEFAULT_SERVICE_LIMIT,
    benchmark_scope,
    benchmarks_page,
    funnel_part,
    meta_part,
    options_for,
    result_cache,
)
from peerbench.api.cache import json_bytes, ready_response, spliced_etag, spliced_response
from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import ApiError
from peerbench.api.params import Offset, ServiceLimit
from peerbench.api.schemas import (
    PERIOD_PATTERN,
    BenchmarkPage,
    BenchmarkScope,
    ErrorEnvelope,
    FunnelPage,
    MetaAnalysisPage,
    ServicesPage,
)
from peerbench.benchmarking import DEFAULT_BY
from peerbench.schema.codelists import Timepoint
from peerbench.schema.fields import ID_PATTERN
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.pool_benchmarks import FUNNEL_METRICS, SERVICE_SECTIONS, Scope
from peerbench.server.principal import Principal

# The helpers live in :mod:`peerbench.api.benchmark_reads`; the reports, the directory
# and the warm-up import them from here too.
__all__ = ["DEFAULT_SERVICE_LIMIT", "FUNNEL_METRICS", "SERVICE_SECTIONS", "Scope",
           "benchmark_scope", "benchmarks_page", "funnel_part", "meta_part",
           "result_cache", "router"]  # fmt: skip

router = APIRouter(prefix="/v1/benchmarks", tags=["benchmarks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}

# Results name scales as well as instruments (``ONS4.anxiety``), so ids, not codes.
Instrument = Annotated[str | None, Query(pattern=ID_PATTERN, examples=["SWEMWBS"])]
TimepointQuery = Annotated[Timepoint | None, Query(description="e.g. month_3")]
_JSON = "application/json"


def _next_url(request: Request, next_offset: int | None) -> str | None:
    if next_offset is None:
        return None
    return str(request.url.include_query_params(offset=next_offset))


def _by(text: str | None) -> tuple[str, ...]:
    if text is None:
        return DEFAULT_BY
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in DEFAULT_BY]
    if unknown or not names:
        raise ApiError(
            422,
            f"'by' takes service attributes separated by commas: {', '.join(DEFAULT_BY)}.",
            details={"field": "by", "unknown": unknown},
        )
    return names


def _scope_view(key: Principal, scope: Scope, cached: bool) -> BenchmarkScope:
    return BenchmarkScope(
        role=Role(key.role),
        organisation_id=scope.viewer_organisation_id,
        network_ids=list(scope.network_ids),
        organisations=None if scope.organisations is None else list(scope.organisations),
        cached=cached,
    )


def _audit(
    ctx: ServerContext, key: Principal, endpoint: str, scope: Scope, query: dict[str, Any]
) -> None:
    ctx.read_audit().record(
        actor=key.id,
        action="benchmark.read",
        organisation_id=key.organisation_id,
        target=endpoint,
        details={**{k: v for k, v in query.items() if v is not None}, **scope.audit_details()},
    )


@router.get("", response_model=BenchmarkPage, responses=_ERRORS)
def get_benchmarks(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    instrument: Instrument = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    by: Annotated[str | None, Query(description="Service attributes, comma-separated.")] = None,
    format: Literal["json"] = "json",
    network_id: Annotated[str | None, Query(description="Admins only.")] = None,
    offset: Offset = 0,
    limit: ServiceLimit = DEFAULT_SERVICE_LIMIT,
    organisation_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, description="Only this organisation's services."),
    ] = None,
    service_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="Only this service.")
    ] = None,
) -> Response:
    """The benchmark of the key's pool: outcomes, comparisons, reach, sustainment, value.

    The per-service section holds ``limit`` services from ``offset`` (in ``service_id``
    order), optionally only ``organisation_id``'s or ``service_id``;
    ``services_page.next`` is the URL of the next page. The other sections are whole.
    """
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    options = options_for(ctx, instrument, period, _by(by))
    stored, stored_etag, cached = benchmarks_page(
        request, ctx, session, scope, options, offset, limit, organisation_id, service_id
    )
    cut = stored.index(b"\n")
    shape = orjson.loads(stored[:cut])
    page = ServicesPage(**{k: v for k, v in shape.items() if k != "next_offset"},
                        next=_next_url(request, shape["next_offset"]))  # fmt: skip
    paging = {"offset": offset or None, "organisation_id": organisation_id,
              "service_id": service_id,
              "limit": limit if limit != DEFAULT_SERVICE_LIMIT else None}  # fmt: skip
    _audit(ctx, key, "benchmarks", scope, {"instrument": instrument, "period": period,
                                               "by": list(options.by), **paging})  # fmt: skip
    head = {
        "scope": _scope_view(key, scope, cached).model_dump(mode="json"),
        "services_page": page.model_dump(mode="json"),
    }
    start = json_bytes(head)  # then the kept result, copied once: no split, no re-hash
    body = b"".join((start[:-1], b',"result":', memoryview(stored)[cut + 1 :], b"}"))
    return ready_response(request, body, _JSON, spliced_etag(start, stored_etag))


@router.get("/funnel", response_model=FunnelPage, responses=_ERRORS)
def get_funnel(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    instrument: Instrument = None,
    timepoint: TimepointQuery = None,
    metric: Literal["mean_change", "reliable_improvement"] | None = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    network_id: Annotated[str | None, Query(description="Admins only.")] = None,
) -> Response:
    """Funnel plots: each service against the pooled target, with control limits."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    point = timepoint.value if timepoint else None
    body, etag, cached = funnel_part(
        request, ctx, session, scope, period, instrument, point, metric
    )
    _audit(ctx, key, "funnel", scope, {"instrument": instrument, "timepoint": point,
                                           "metric": metric, "period": period})  # fmt: skip
    head = {"scope": _scope_view(key, scope, cached).model_dump(mode="json")}
    return spliced_response(request, head, body, etag, _JSON)


@router.get("/meta-analysis", response_model=MetaAnalysisPage, responses=_ERRORS)
def get_meta_analysis(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    instrument: Instrument = None,
    timepoint: TimepointQuery = None,
    by: Annotated[str | None, Query(description="One service attribute, for subgroups.")] = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    network_id: Annotated[str | None, Query(description="Admins only.")] = None,
) -> Response:
    """Random-effects pooled change across services, the forest rows and subgroups."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    if by is not None and by not in DEFAULT_BY:
        raise ApiError(
            422,
            f"'by' takes one service attribute: {', '.join(DEFAULT_BY)}.",
            details={"field": "by", "unknown": [by]},
        )
    point = timepoint.value if timepoint else None
    body, etag, cached = meta_part(request, ctx, session, scope, period, instrument, point, by)
    _audit(ctx, key, "meta-analysis", scope, {"instrument": instrument, "timepoint": point,
                                                  "by": by, "period": period})  # fmt: skip
    head = {"scope": _scope_view(key, scope, cached).model_dump(mode="json")}
    return spliced_response(request, head, body, etag, _JSON)
