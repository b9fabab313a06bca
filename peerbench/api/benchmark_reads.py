"""The kept answers of ``/v1/benchmarks``: caches, pages, funnel and meta-analysis parts.

The routes (:mod:`peerbench.api.routers.benchmarks`) and the warm-up
(:mod:`peerbench.api.warm`) build their answers here, through the same caches, so a
warmed answer is the one a read would have made. Raw results are cached per (pool
state, options) and controlled views per viewer too, and each page's JSON as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from peerbench.api.cache import LruCache, ReadyBytes, app_cache, app_ready_bytes, json_bytes
from peerbench.api.errors import Forbidden
from peerbench.benchmarking import DEFAULT_BY, BenchmarkOptions, BenchmarkResult
from peerbench.server.context import ServerContext
from peerbench.server.pool_benchmarks import (
    Scope,
    ScopeRefused,
    benchmark_key,
    benchmark_options,
    matching_rows,
    pooled_benchmark,
    service_page,
)
from peerbench.server.pool_benchmarks import benchmark_scope as library_scope
from peerbench.server.principal import Principal

__all__ = ["CACHE_SIZE", "DEFAULT_SERVICE_LIMIT", "PAGE_CACHE_SIZE", "PART_CACHE_SIZE",
           "benchmark_scope", "benchmarks_page", "funnel_part", "meta_part", "options_for",
           "result_cache"]  # fmt: skip

CACHE_SIZE = 32
"""Results kept in memory per app (raw and controlled views together)."""
PAGE_CACHE_SIZE = 64
"""Pages of ``GET /v1/benchmarks`` kept in memory per app, as JSON (and on disk)."""
PART_CACHE_SIZE = 64
"""Funnel and meta-analysis answers kept in memory per app, as JSON, scope aside (and
on disk: :class:`peerbench.api.cache.ReadyBytes`)."""
DEFAULT_SERVICE_LIMIT = 25
"""Services per page of ``GET /v1/benchmarks`` unless ``limit`` says otherwise."""


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


def result_cache(request: Request) -> LruCache[BenchmarkResult]:
    """The app's cache of benchmark results (raw and controlled; the reports share it)."""
    return app_cache(request, "benchmark_cache", CACHE_SIZE)


_cache = result_cache


def _page_cache(request: Request) -> ReadyBytes:
    """Pages as ``shape JSON + newline + result JSON`` (no raw newline is inside JSON)."""
    return app_ready_bytes(request, "benchmark_pages", PAGE_CACHE_SIZE)


def _part_cache(request: Request) -> ReadyBytes:
    return app_ready_bytes(request, "benchmark_parts", PART_CACHE_SIZE)


def _benchmark(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    key: Hashable | None = None,
) -> tuple[BenchmarkResult, bool]:
    """The controlled result for ``scope`` (from the cache when the pool is unchanged)."""
    return pooled_benchmark(ctx, session, scope, options, _cache(request), key)


def options_for(
    ctx: ServerContext, instrument: str | None, period: str | None, by: tuple[str, ...]
) -> BenchmarkOptions:
    """The options of a read (the server's minimum cell count)."""
    return benchmark_options(ctx.settings.min_cell_count, instrument, period, by)


_rows = matching_rows


def benchmarks_page(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    offset: int = 0,
    limit: int = DEFAULT_SERVICE_LIMIT,
    organisation_id: str | None = None,
    service_id: str | None = None,
) -> tuple[bytes, str, bool]:
    """A kept page of ``GET /v1/benchmarks`` (``shape JSON + newline + result JSON``).

    Returns:
        The page, its ETag, and whether it (or the result under it) was cached.
    """
    view_key = benchmark_key(ctx, session, scope, options)

    computed: list[bool] = []

    def make() -> bytes:
        result, result_cached = _benchmark(request, ctx, session, scope, options, view_key)
        computed.append(not result_cached)
        part, page = service_page(
            result,
            offset=offset,
            limit=limit,
            organisation_id=organisation_id,
            service_id=service_id,
        )
        shape = {
            "offset": page.offset,
            "limit": page.limit,
            "total": page.total,
            "service_ids": list(page.service_ids),
            "next_offset": page.next_offset,
        }
        return json_bytes(shape) + b"\n" + json_bytes(part.to_dict())

    page_key = (view_key, offset, limit, organisation_id, service_id)
    stored, etag, page_cached = _page_cache(request).get_ready(page_key, make)
    return stored, etag, page_cached or computed == [False]


def _controlled_part(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    part: Hashable,
    make: Callable[[BenchmarkResult], dict[str, Any]],
) -> tuple[bytes, str, bool]:
    """``make(result)`` as JSON, cached per (controlled view, ``part``); its ETag; cached?

    Warm reads of the funnel and meta-analysis serve these bytes as they are (with the
    viewer's scope spliced in front), so they cost no filtering or serialisation.
    """
    view_key = benchmark_key(ctx, session, scope, options)

    computed: list[bool] = []

    def build() -> bytes:
        result, result_cached = _benchmark(request, ctx, session, scope, options, view_key)
        computed.append(not result_cached)
        return json_bytes(make(result))

    body, etag, part_cached = _part_cache(request).get_ready((view_key, part), build)
    return body, etag, part_cached or computed == [False]


def funnel_part(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    period: str | None = None,
    instrument: str | None = None,
    point: str | None = None,
    metric: str | None = None,
) -> tuple[bytes, str, bool]:
    """The kept funnel answer (scope aside), its ETag, and whether it was cached."""
    options = options_for(ctx, None, period, DEFAULT_BY)  # filtered below; shares the cache
    match = {"instrument": instrument, "timepoint": point, "metric": metric}

    def make(result: BenchmarkResult) -> dict[str, Any]:
        return {**match, "funnels": _rows(result.funnels, **match),
                "points": _rows(result.funnel_points, **match)}  # fmt: skip

    part = ("funnel", instrument, point, metric)
    return _controlled_part(request, ctx, session, scope, options, part, make)


def meta_part(
    request: Request,
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    period: str | None = None,
    instrument: str | None = None,
    point: str | None = None,
    by: str | None = None,
) -> tuple[bytes, str, bool]:
    """The kept meta-analysis answer (scope aside), its ETag, and whether it was cached."""
    options = options_for(ctx, None, period, DEFAULT_BY)  # filtered below; shares the cache
    match = {"instrument": instrument, "timepoint": point}
    subgroup = {**match, "attribute": by}

    def make(result: BenchmarkResult) -> dict[str, Any]:
        return {
            **match,
            "by": by,
            "meta": _rows(result.meta, **match),
            "forest": _rows(result.forest, **match),
            "subgroups": _rows(result.subgroups, **subgroup) if by else [],
            "subgroup_tests": _rows(result.subgroup_tests, **subgroup) if by else [],
        }

    part = ("meta-analysis", instrument, point, by)
    return _controlled_part(request, ctx, session, scope, options, part, make)
