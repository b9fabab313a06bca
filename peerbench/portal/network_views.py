"""What the network pages show, from the same library functions as the JSON API.

* :func:`network_scope`: the benchmark scope of a network page (an analyst's own
  network, or the network an admin opened) from
  :func:`peerbench.server.pool_benchmarks.benchmark_scope`;
* :func:`network_benchmark` and :func:`scope_report`: the controlled benchmark and the
  built network report, sharing the API's caches (``benchmark_cache``, ``report_cache``),
  so a page and ``/v1/benchmarks`` or ``/v1/reports`` never disagree;
* :func:`member_status`: an agreement's state on a day, in words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from peerbench.api.cache import app_cache
from peerbench.benchmarking import BenchmarkResult
from peerbench.portal.deps import audit_page_read
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Membership, Role, User
from peerbench.server.pool_benchmarks import (
    Scope,
    benchmark_options,
    benchmark_scope,
    pooled_benchmark,
)
from peerbench.server.pool_reports import BuiltReport, pool_report

BENCHMARK_CACHE = ("benchmark_cache", 32)
"""The API's benchmark cache (name and size, as in ``api/routers/benchmarks.py``)."""
REPORT_CACHE = ("report_cache", 16)
"""The API's report cache (as in ``api/routers/reports.py``)."""


def network_scope(session: Session, user: User, network_id: str, *, as_of: dt.date) -> Scope:
    """The scope of ``network_id``'s pages for ``user`` (checked by ``network_access``).

    An analyst gets its fixed scope (exactly what its API key gets); an admin the
    network's members, as ``/v1/benchmarks?network_id=`` gives them.
    """
    chosen = network_id if user.role == Role.ADMIN.value else None
    return benchmark_scope(session, user, chosen, as_of=as_of)


def audit_read(request: Request, user: User, action: str, target: str, scope: Scope) -> None:
    """Record a benchmark or report read from a page, with its scope (as the API does),
    on the batched read-audit writer once the page is built (:func:`audit_page_read`)."""
    audit_page_read(
        request,
        actor=user.id,
        action=action,
        organisation_id=user.organisation_id,
        target=target,
        details={"via": "portal", **scope.audit_details()},
    )


def network_benchmark(
    request: Request, ctx: ServerContext, session: Session, scope: Scope
) -> BenchmarkResult:
    """The controlled benchmark of ``scope`` with the API's default options."""
    options = benchmark_options(ctx.settings.min_cell_count)
    result, _cached = pooled_benchmark(
        ctx, session, scope, options, app_cache(request, *BENCHMARK_CACHE)
    )
    return result


def has_data(ctx: ServerContext, session: Session, scope: Scope) -> bool:
    """Whether the scope's pool holds any outcome file yet (else pages say so)."""
    return bool(ctx.store.current_read(session, "outcome", scope.organisations).sources)


def scope_report(
    request: Request,
    ctx: ServerContext,
    session: Session,
    user: User,
    scope: Scope,
    kind: str,
    service_id: str | None = None,
) -> BuiltReport:
    """The ``kind`` report of ``scope`` as ``user`` may read it (same as ``/v1/reports``,
    sharing its cache).

    Raises:
        peerbench.server.pool_reports.ReportUnavailable: no data in the scope yet, or no
            such service in it.
    """
    return pool_report(
        ctx, session, user, scope, kind, service_id, app_cache(request, *REPORT_CACHE)
    )


def member_status(member: Membership, day: dt.date) -> str:
    """``active``, ``pending`` (not started) or ``ended`` on ``day``."""
    if member.agreement_start > day:
        return "pending"
    if member.agreement_end is not None and member.agreement_end < day:
        return "ended"
    return "active"


def member_view(member: Membership, day: dt.date) -> dict[str, Any]:
    """A membership as the members page lists it."""
    return {
        "organisation_id": member.organisation_id,
        "reference": member.agreement_reference,
        "start": member.agreement_start.isoformat(),
        "end": member.agreement_end.isoformat() if member.agreement_end else "",
        "status": member_status(member, day),
    }
