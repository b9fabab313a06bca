"""Network pages (``/n/{network_id}``…): coverage, benchmarks, what works, reports, members.

For the network's own analysts and for admins (``network_access``); anyone else gets the
403 page whether or not the network exists. Every figure comes from the library the JSON
API calls (:mod:`peerbench.portal.network_views`), and charts are the reports' own SVG.
The members pages are in :mod:`peerbench.portal.routes_network_members`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from peerbench.benchmarking.sufficiency import min_services
from peerbench.portal.deps import CsrfChecked, CurrentUser, NetworkAccess, PortalCtx, PortalDb
from peerbench.portal.errors import PortalNotFound
from peerbench.portal.network_views import (
    audit_read,
    has_data,
    network_benchmark,
    network_scope,
    scope_report,
)
from peerbench.portal.pdf import pdf_response
from peerbench.portal.templating import SECURITY_HEADERS, render
from peerbench.reports.builders.dashboard import (
    FIGURE_SECTIONS,
    funnel_section,
    headline_measure,
    measure_key,
    measure_label,
    measures,
    outcome_section,
    sections_titled,
    what_works_measures,
)
from peerbench.reports.builders.network import what_works_section
from peerbench.reports.render import find_chromium, render_fragment
from peerbench.reports.suppression import SuppressionWording
from peerbench.server.coverage import (
    CELL_LABELS,
    CELL_MEANINGS,
    MAX_QUARTERS,
    network_coverage,
)
from peerbench.server.pool_reports import ReportUnavailable

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

NETWORK_REPORTS: dict[str, str] = {
    "network": "Network report: every service together, as the public or a funder sees it.",
    "commissioner": "Commissioner summary: the case for funding, access and the workforce.",
    "quality": "Data quality report: what is missing or late, member by member.",
}
"""Reports a network page offers, with what each is for."""

PageKind = Literal["network", "commissioner", "quality"]


def _title(network_name: str, page: str) -> str:
    return f"{page} · {network_name}"


PAGE_QUARTERS = 8
"""Quarters the coverage page shows unless asked for more (two years fit a screen)."""


@router.get("/n/{network_id}", response_class=HTMLResponse)
def network_home(
    request: Request,
    network: NetworkAccess,
    db: PortalDb,
    ctx: PortalCtx,
    quarters: Annotated[int, Query(ge=1, le=MAX_QUARTERS)] = PAGE_QUARTERS,
) -> HTMLResponse:
    """Coverage: each member's submission status by quarter, with agreement dates."""
    coverage = network_coverage(db, network.id, as_of=ctx.today(), max_quarters=quarters)
    return render(
        request,
        "network/home.html",
        {
            "title": _title(network.name, "Coverage"),
            "network": network,
            "coverage": coverage,
            "labels": {str(k): v for k, v in CELL_LABELS.items()},
            "descriptions": {str(k): v for k, v in CELL_MEANINGS.items()},
            "showing": quarters,
            "all_quarters": MAX_QUARTERS,
        },
    )


def _no_data(request: Request, network: Any, heading: str, message: str) -> HTMLResponse:
    return render(
        request,
        "network/no_data.html",
        {"title": _title(network.name, heading), "network": network, "heading": heading,
         "message": message},
    )  # fmt: skip


NO_DATA = (
    "There is no data from this network's members yet. Figures appear here once a member's "
    "submission is accepted and its agreement has started."
)


@router.get("/n/{network_id}/benchmarks", response_class=HTMLResponse)
def benchmarks(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    measure: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """One measure's benchmark table and funnel plots, and the report's forest plots.

    ``measure`` is ``INSTRUMENT:TIMEPOINT`` (default: the measure with the most people
    with both scores); the page offers every measure of the pool in a form.
    """
    scope = network_scope(db, user, network.id, as_of=ctx.today())
    audit_read(request, user, "benchmark.read", "portal/benchmarks", scope)
    try:
        built = scope_report(request, ctx, db, user, scope, "network")
    except ReportUnavailable:
        return _no_data(request, network, "Benchmarks", NO_DATA)
    result = network_benchmark(request, ctx, db, scope)
    options = {measure_key(i, t): (i, t) for i, t in measures(result)}
    if measure is not None and measure not in options:
        raise PortalNotFound("There is no such measure in this network's benchmark.")
    chosen = options[measure] if measure is not None else headline_measure(result)
    only = [chosen] if chosen is not None else []
    figures = []
    funnels = funnel_section(result, built.report.wording.min_services, only)
    if funnels is not None:
        figures.append(funnels)
    figures += sections_titled(built.report, FIGURE_SECTIONS)
    # One fragment, so figures and tables are numbered once and the legend appears once.
    content = render_fragment(
        [outcome_section(result, only), *figures], built.report.wording, anchor_prefix="bench"
    )
    return render(
        request,
        "network/benchmarks.html",
        {
            "title": _title(network.name, "Benchmarks"),
            "network": network,
            "content_html": content,
            "measures": [(key, measure_label(*m)) for key, m in options.items()],
            "measure": measure_key(*chosen) if chosen is not None else "",
            "organisations": list(scope.organisations or ()),
            "min_n": ctx.settings.min_cell_count,
        },
    )


@router.get("/n/{network_id}/what-works", response_class=HTMLResponse)
def what_works(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    measure: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """Comparisons by kind of service on one measure, worded as the network report words
    them (default: the report's own measure)."""
    scope = network_scope(db, user, network.id, as_of=ctx.today())
    audit_read(request, user, "benchmark.read", "portal/what-works", scope)
    if not has_data(ctx, db, scope):
        return _no_data(request, network, "What works for whom", NO_DATA)
    result = network_benchmark(request, ctx, db, scope)
    options = {measure_key(i, t): (i, t) for i, t in what_works_measures(result)}
    if not options:
        return _no_data(request, network, "What works for whom", NO_DATA)
    if measure is not None and measure not in options:
        raise PortalNotFound("There is no such measure in this network's benchmark.")
    chosen = options[measure] if measure is not None else next(iter(options.values()))
    section = what_works_section(result, *chosen, min_services(result))
    return render(
        request,
        "network/what_works.html",
        {
            "title": _title(network.name, "What works for whom"),
            "network": network,
            "sections_html": render_fragment([section], SuppressionWording(), anchor_prefix="ww"),
            "measures": [(key, measure_label(*m)) for key, m in options.items()],
            "measure": measure_key(*chosen),
            "wording": SuppressionWording(),
        },
    )


@router.get("/n/{network_id}/reports", response_class=HTMLResponse)
def reports(request: Request, network: NetworkAccess) -> HTMLResponse:
    """The network's reports, to read in the browser or download as HTML or PDF."""
    return render(
        request,
        "network/reports.html",
        {
            "title": _title(network.name, "Reports"),
            "network": network,
            "reports": NETWORK_REPORTS,
            "pdf": find_chromium() is not None,
        },
    )


@router.get("/n/{network_id}/reports/{kind}", response_model=None)
def report(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    kind: PageKind,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    download: bool = False,
) -> Response:
    """One report: the same HTML as ``/v1/reports/{kind}``; ``format=pdf`` prints it."""
    scope = network_scope(db, user, network.id, as_of=ctx.today())
    try:
        built = scope_report(request, ctx, db, user, scope, kind)
    except ReportUnavailable:
        return _no_data(request, network, "Reports", NO_DATA)
    audit_read(request, user, "report.read", f"portal/reports/{kind}", scope)
    name = f"{network.id}-{kind}"
    if format == "pdf":
        return pdf_response(built.html, name, SECURITY_HEADERS)
    headers = dict(SECURITY_HEADERS)
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{name}.html"'
    return HTMLResponse(built.html, headers=headers)
