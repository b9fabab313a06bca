"""``/v1/benchmarks``: role-scoped, disclosure-controlled benchmarks of the current pool.

* a **submitter** sees the pool of the networks its organisation belongs to (just its
  own data when it belongs to none), its own services unrounded (owner view), every
  other figure controlled;
* a **network analyst** sees its network's members, every figure controlled;
* an **admin** sees one network (``network_id``) or the whole pool, controlled;
* a **researcher** is refused: row-level data for research comes from ``/v1/extracts``.

:func:`peerbench.benchmarking.compute` runs over the current pool files of the scoped
organisations and :func:`peerbench.benchmarking.disclose.controlled` prepares the view.
Raw results are cached per (pool file set, options) and controlled views per viewer
too, so repeated reads are cheap and a new submission (a new file set) is never served
stale. Every read is audited as ``benchmark.read``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from peerbench.aggregate import BenchmarkSource
from peerbench.aggregate.sources import BENCHMARK_RECORD_TYPES
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
from peerbench.benchmarking.compute import compute
from peerbench.benchmarking.disclose import controlled
from peerbench.benchmarking.rows import Row
from peerbench.disclosure import DisclosurePolicy
from peerbench.schema.codelists import Timepoint
from peerbench.schema.fields import ID_PATTERN
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.principal import Principal
from peerbench.server.tenancy import (
    get_network,
    network_member_ids,
    networks_of,
    pending_networks_of,
)

router = APIRouter(prefix="/v1/benchmarks", tags=["benchmarks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}
FUNNEL_METRICS = ("mean_change", "reliable_improvement")
"""Metrics the funnel plots show (see :mod:`peerbench.benchmarking.comparisons`)."""
CACHE_SIZE = 32
"""Results kept in memory per app (raw and controlled views together)."""

# Results name scales as well as instruments (``ONS4.anxiety``), so ids, not codes.
Instrument = Annotated[str | None, Query(pattern=ID_PATTERN, examples=["SWEMWBS"])]
TimepointQuery = Annotated[Timepoint | None, Query(description="e.g. month_3")]


@dataclass(frozen=True)
class Scope:
    """Whose data a benchmark pools and who is viewing it, on which day.

    ``pending_network_ids``: networks the viewer's organisation has joined under an
    agreement that has not started on ``as_of`` (left out of the scope, and audited).
    """

    organisations: tuple[str, ...] | None
    network_ids: tuple[str, ...]
    viewer_organisation_id: str | None
    as_of: dt.date | None = None
    pending_network_ids: tuple[str, ...] = ()

    def audit_details(self) -> dict[str, Any]:
        """What the audit records of this scope."""
        details: dict[str, Any] = {
            "network_ids": list(self.network_ids),
            "organisations": None if self.organisations is None else list(self.organisations),
        }
        if self.as_of is not None:
            details["as_of"] = self.as_of.isoformat()
        if self.pending_network_ids:
            details["networks_not_started"] = list(self.pending_network_ids)
        return details


def benchmark_scope(
    session: Session, key: Principal, network_id: str | None, *, as_of: dt.date
) -> Scope:
    """The pool and viewer for ``key`` on ``as_of`` (admins may choose a network).

    Data-sharing agreements count only from their start, in both directions: a member
    whose agreement has not started neither shows its data to the network nor sees the
    other members' (it sees its own data only).

    Raises:
        Forbidden: researchers (they use extracts), or a non-admin choosing a network.
    """
    if network_id is not None and key.role != Role.ADMIN.value:
        raise Forbidden("Only admins may choose a network; other keys have a fixed scope.")
    if key.role == Role.SUBMITTER.value and key.organisation_id:
        networks = networks_of(session, key.organisation_id, as_of=as_of)
        pending = pending_networks_of(session, key.organisation_id, as_of=as_of)
        members = {m for n in networks for m in network_member_ids(session, n, as_of=as_of)}
        members.add(key.organisation_id)  # its own data, even before an agreement starts
        return Scope(
            tuple(sorted(members)), tuple(networks), key.organisation_id, as_of, tuple(pending)
        )
    if key.role == Role.NETWORK_ANALYST.value and key.network_id:
        members = set(network_member_ids(session, key.network_id, as_of=as_of))
        return Scope(tuple(sorted(members)), (key.network_id,), None, as_of)
    if key.role == Role.ADMIN.value:
        if network_id is None:
            return Scope(None, (), None, as_of)
        get_network(session, network_id)
        members_on = network_member_ids(session, network_id, as_of=as_of)
        return Scope(tuple(members_on), (network_id,), None, as_of)
    raise Forbidden(
        "Researcher keys have no benchmark access; download a research extract from "
        "/v1/extracts instead."
    )


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
    paths = {
        rt: ctx.store.current_paths(session, rt, scope.organisations)
        for rt in (*BENCHMARK_RECORD_TYPES, "service_use")
    }
    pool = tuple((rt, tuple(p)) for rt, p in sorted(paths.items()))
    raw_key = ("raw", pool, repr(options))
    policy = options.disclosure_policy or DisclosurePolicy()

    def make_raw() -> BenchmarkResult:
        source = BenchmarkSource({rt: paths[rt] for rt in BENCHMARK_RECORD_TYPES})
        organisations = (
            "all organisations"
            if scope.organisations is None
            else (", ".join(scope.organisations) or "no organisations")
        )
        service_use = ctx.store.read_current(session, "service_use", scope.organisations)
        return compute(
            source,
            options,
            service_use=service_use if service_use.num_rows else None,
            generated_from=f"current pool of {organisations}",
        )

    cache = _cache(request)

    def make_view() -> BenchmarkResult:
        raw, _ = cache.get_or_make(raw_key, make_raw)
        return controlled(raw, policy, viewer_organisation_id=scope.viewer_organisation_id)

    return cache.get_or_make(("view", raw_key, scope.viewer_organisation_id), make_view)


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
    min_n = ctx.settings.min_cell_count
    return BenchmarkOptions(
        instrument=instrument,
        period=period,
        by=by,
        min_n=min_n,
        disclosure_policy=DisclosurePolicy(min_n=min_n),
    )


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


def _rows(rows: Sequence[Row], **match: str | None) -> list[dict[str, Any]]:
    wanted = {k: v for k, v in match.items() if v is not None}
    return [row.to_dict() for row in rows if all(getattr(row, k) == v for k, v in wanted.items())]


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
