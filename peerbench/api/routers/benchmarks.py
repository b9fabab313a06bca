"""``/v1/benchmarks``: role-scoped, disclosure-controlled benchmarks of the current pool.

* a **submitter** sees the pool of the networks its organisation belongs to (just its
  own data when it belongs to none), its own services unrounded (owner view), every
  other figure controlled;
* a **network analyst** sees its network's members, every figure controlled;
* an **admin** sees one network (``network_id``) or the whole pool, controlled;
* a **researcher** is refused: row-level data for research comes from ``/v1/extracts``.

The scope and the controlled result come from :mod:`peerbench.server.pool_benchmarks`
(the portal's network pages call the same functions). Raw results are cached per (pool
file set, options) and controlled views per viewer too, so repeated reads are cheap and
a new submission (a new file set) is never served stale. Every read is audited as
``benchmark.read``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from peerbench.api.cache import LruCache, app_cache
from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import ApiError, Forbidden
from peerbench.api.schemas import (
    PERIOD_PATTERN,
    BenchmarkPage,
    BenchmarkScope,
    ErrorEnvelope,
    FunnelPage,
    MetaAnalysisPage,
)
from peerbench.benchmarking import DEFAULT_BY, BenchmarkOptions, BenchmarkResult
from peerbench.schema.codelists import Timepoint
from peerbench.schema.fields import ID_PATTERN
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.pool_benchmarks import (
    FUNNEL_METRICS,
    Scope,
    ScopeRefused,
    benchmark_options,
    matching_rows,
    pooled_benchmark,
)
from peerbench.server.pool_benchmarks import benchmark_scope as library_scope
from peerbench.server.principal import Principal

__all__ = ["FUNNEL_METRICS", "Scope", "benchmark_scope", "router"]

router = APIRouter(prefix="/v1/benchmarks", tags=["benchmarks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}
CACHE_SIZE = 32
"""Results kept in memory per app (raw and controlled views together)."""

# Results name scales as well as instruments (``ONS4.anxiety``), so ids, not codes.
Instrument = Annotated[str | None, Query(pattern=ID_PATTERN, examples=["SWEMWBS"])]
TimepointQuery = Annotated[Timepoint | None, Query(description="e.g. month_3")]


def benchmark_scope(
    session: Session, key: Principal, network_id: str | None, *, as_of: dt.date
) -> Scope:
    """:func:`peerbench.server.pool_benchmarks.benchmark_scope`, refusals as 403.

    Raises:
        Forbidden: researchers (they use extracts), or a non-admin choosing a network.
    """
    try:
        return library_scope(session, key, network_id, as_of=as_of)
    except ScopeRefused as exc:
        raise Forbidden(str(exc)) from None


def _cache(request: Request) -> LruCache[BenchmarkResult]:
    return app_cache(request, "benchmark_cache", CACHE_SIZE)


def _benchmark(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
) -> tuple[BenchmarkResult, bool]:
    """The controlled result for ``scope`` (from the cache when the pool is unchanged)."""
    return pooled_benchmark(ctx, session, scope, options, _cache(request))


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


def _options(
    ctx: ServerContext, instrument: str | None, period: str | None, by: tuple[str, ...]
) -> BenchmarkOptions:
    return benchmark_options(ctx.settings.min_cell_count, instrument, period, by)


def _scope_view(key: Principal, scope: Scope, cached: bool) -> BenchmarkScope:
    return BenchmarkScope(
        role=Role(key.role),
        organisation_id=scope.viewer_organisation_id,
        network_ids=list(scope.network_ids),
        organisations=None if scope.organisations is None else list(scope.organisations),
        cached=cached,
    )


def _audit(
    session: Session, key: Principal, endpoint: str, scope: Scope, query: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=key.id,
        action="benchmark.read",
        organisation_id=key.organisation_id,
        target=endpoint,
        details={**{k: v for k, v in query.items() if v is not None}, **scope.audit_details()},
    )
    session.commit()


_rows = matching_rows


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
) -> BenchmarkPage:
    """The benchmark of the key's pool: outcomes, comparisons, reach, sustainment, value."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    options = _options(ctx, instrument, period, _by(by))
    result, cached = _benchmark(request, ctx, session, scope, options)
    _audit(session, key, "benchmarks", scope, {"instrument": instrument, "period": period,
                                               "by": list(options.by)})  # fmt: skip
    return BenchmarkPage(scope=_scope_view(key, scope, cached), result=result.to_dict())


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
) -> FunnelPage:
    """Funnel plots: each service against the pooled target, with control limits."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    options = _options(ctx, None, period, DEFAULT_BY)  # filtered below; shares the cache
    result, cached = _benchmark(request, ctx, session, scope, options)
    point = timepoint.value if timepoint else None
    _audit(session, key, "funnel", scope, {"instrument": instrument, "timepoint": point,
                                           "metric": metric, "period": period})  # fmt: skip
    match = {"instrument": instrument, "timepoint": point, "metric": metric}
    return FunnelPage(
        scope=_scope_view(key, scope, cached),
        instrument=instrument,
        timepoint=point,
        metric=metric,
        funnels=_rows(result.funnels, **match),
        points=_rows(result.funnel_points, **match),
    )


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
) -> MetaAnalysisPage:
    """Random-effects pooled change across services, the forest rows and subgroups."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    if by is not None and by not in DEFAULT_BY:
        raise ApiError(
            422,
            f"'by' takes one service attribute: {', '.join(DEFAULT_BY)}.",
            details={"field": "by", "unknown": [by]},
        )
    options = _options(ctx, None, period, DEFAULT_BY)  # filtered below; shares the cache
    result, cached = _benchmark(request, ctx, session, scope, options)
    point = timepoint.value if timepoint else None
    _audit(session, key, "meta-analysis", scope, {"instrument": instrument, "timepoint": point,
                                                  "by": by, "period": period})  # fmt: skip
    match = {"instrument": instrument, "timepoint": point}
    subgroup = {**match, "attribute": by}
    return MetaAnalysisPage(
        scope=_scope_view(key, scope, cached),
        instrument=instrument,
        timepoint=point,
        by=by,
        meta=_rows(result.meta, **match),
        forest=_rows(result.forest, **match),
        subgroups=_rows(result.subgroups, **subgroup) if by else [],
        subgroup_tests=_rows(result.subgroup_tests, **subgroup) if by else [],
    )
