"""The plain-English reports of the current pool, scoped like the benchmarks.

``/v1/reports/{kind}`` and the portal's reports pages call :func:`pool_report`, so both
serve the same report: the builders of ``peerbench report`` run over the current pool
files of the scope's organisations, and every figure passes their disclosure control.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import orjson
from sqlalchemy.orm import Session

from peerbench.benchmarking import BenchmarkResult
from peerbench.reports.builders import build
from peerbench.reports.builders.inputs import pool_report_data
from peerbench.reports.content import Report
from peerbench.reports.render import render_html
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.pool_benchmarks import (
    ResultCache,
    Scope,
    benchmark_options,
    network_name,
    pool_state,
    pooled_benchmark,
    raw_inputs,
)
from peerbench.server.principal import Principal

ReportKind = Literal["service", "network", "commissioner", "quality"]
REPORT_KINDS: tuple[ReportKind, ...] = ("service", "network", "commissioner", "quality")


class ReportUnavailable(LookupError):
    """There is no such report in the viewer's scope; the message says why."""


@dataclass(frozen=True)
class BuiltReport:
    """A built report and its self-contained HTML page."""

    report: Report
    html: str

    @cached_property
    def html_bytes(self) -> bytes:
        """The page as UTF-8, encoded once (what ``/v1/reports/{kind}`` sends)."""
        return self.html.encode()

    @cached_property
    def figures_json(self) -> bytes:
        """The report's key figures as JSON, serialised once (``…/figures``).

        Encoded as FastAPI would encode the dict (:func:`fastapi.encoders.jsonable_encoder`),
        so the answer is the same as when it was serialised on every read.
        """
        from fastapi.encoders import jsonable_encoder

        from peerbench.reports.builders.figures import key_figures

        return orjson.dumps(jsonable_encoder(key_figures(self.report)))


def _viewer(viewer: Principal) -> tuple[str | None, bool]:
    """Whose services get the owner view (a submitter's), and whether owners see theirs."""
    viewer_org = viewer.organisation_id if viewer.role == Role.SUBMITTER.value else None
    return viewer_org, viewer.role != Role.NETWORK_ANALYST.value


def report_key(
    ctx: ServerContext,
    session: Session,
    viewer: Principal,
    scope: Scope,
    kind: str,
    service_id: str | None = None,
) -> Hashable:
    """What the ``kind`` report for ``viewer`` over ``scope`` depends on (its cache key).

    The pool's generation (:func:`pool_state`) and scope, the report, the network's
    name, the minimum cell, whose view it is, and the day it is produced on.
    """
    pool = (pool_state(ctx, session), scope.organisations)
    name = network_name(session, scope)
    viewer_org, owner_view = _viewer(viewer)
    min_n = ctx.settings.min_cell_count
    return (pool, kind, service_id, name, min_n, viewer_org, owner_view, ctx.today())


def pool_report(
    ctx: ServerContext,
    session: Session,
    viewer: Principal,
    scope: Scope,
    kind: str,
    service_id: str | None = None,
    cache: ResultCache | None = None,
    results: ResultCache | None = None,
) -> BuiltReport:
    """The ``kind`` report over ``scope``, as ``viewer`` may read it.

    Ownership of a service is checked per submitting organisation: a submitter gets the
    owner view of its own services only; a network analyst reads a member's service
    report as anyone outside it would (disclosure-controlled). The built report is
    cached per (pool generation, scope, report, viewer, day), so a new submission is
    never served stale. With ``results`` (the benchmarks' cache) what the report starts
    from is shared with ``/v1/benchmarks`` and the other reports, computed once for all:
    the raw benchmark with its participant-level tables (:func:`raw_inputs`) and each
    viewer's controlled view (:func:`pooled_benchmark`, what the builders show).

    Raises:
        ReportUnavailable: no data in the scope yet, or no such service in it.
    """
    if not ctx.store.current_read(session, "outcome", scope.organisations).sources:
        raise ReportUnavailable("There is no data in this key's scope yet.")
    name = network_name(session, scope)
    options = benchmark_options(ctx.settings.min_cell_count)
    today = ctx.today()  # "produced on": the server's one clock; part of the cache key
    viewer_org, owner_view = _viewer(viewer)

    def view(viewer_organisation_id: str | None) -> BenchmarkResult:
        """The raw result controlled for a viewer: the benchmarks' view, kept in ``results``."""
        seen_by = dataclasses.replace(scope, viewer_organisation_id=viewer_organisation_id)
        return pooled_benchmark(ctx, session, seen_by, options, results)[0]

    def make() -> BuiltReport:
        shared = None if results is None else raw_inputs(ctx, session, scope, options, results)
        data = pool_report_data(
            ctx.store,
            session,
            options,
            organisation_ids=scope.organisations,
            network_name=name,
            produced_on=today,
            raw=None if shared is None else shared[0],
            aggregates=None if shared is None else shared[1] or None,
            views=None if results is None else view,
        )
        if service_id is not None:
            try:
                owner = data.organisation_of(service_id)
            except KeyError:
                owner = None
            if owner is None or (viewer_org is not None and owner != viewer_org):
                raise ReportUnavailable(
                    f"There is no service {service_id!r} among this key's services."
                )
        report = build(data, kind, service_id, owner=owner_view)
        return BuiltReport(report, render_html(report))

    if cache is None:
        return make()
    cache_key = report_key(ctx, session, viewer, scope, kind, service_id)
    built, _cached = cache.get_or_make(cache_key, make)
    assert isinstance(built, BuiltReport)
    return built
