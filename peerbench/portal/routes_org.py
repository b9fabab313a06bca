"""Organisation pages (``/o/{organisation_id}``…): home, downloads, history, report, mappings.

Thin shells over the library: the template from :mod:`peerbench.template` (the same
bytes as ``peerbench template``), the submission history from
:func:`peerbench.server.submission_list.list_submissions` and the API's own views, each
version's report as the API stores it, the service report from the same builder as
``GET /v1/reports/service``, and saved mappings from
:mod:`peerbench.server.portal_uploads`. The upload flow is in
:mod:`peerbench.portal.routes_org_upload`.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.api.views import submission_views
from peerbench.intake.upload_check import group_findings
from peerbench.portal.deps import (
    CsrfChecked,
    CurrentUser,
    OrgAccess,
    OrgReadAccess,
    PortalCtx,
    PortalDb,
    audit_page_read,
)
from peerbench.portal.errors import PortalForbidden
from peerbench.portal.network_views import scope_report
from peerbench.portal.org_views import period_rows, periods_offered, upload_rows
from peerbench.portal.pdf import pdf_response
from peerbench.portal.templating import flash, render
from peerbench.reports.builders.figures import key_figures
from peerbench.reports.render import find_chromium
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import PortalUpload, SavedMapping, Submission, User
from peerbench.server.pool_benchmarks import benchmark_scope
from peerbench.server.pool_reports import BuiltReport, ReportUnavailable
from peerbench.server.portal_uploads import OPEN
from peerbench.server.submission_list import list_submissions
from peerbench.template.workbook import workbook_bytes
from peerbench.validators.render_html import render_html
from peerbench.validators.report import Report

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HISTORY_LIMIT = 200
"""Submissions listed on the history page (newest first)."""


@functools.cache
def _template() -> bytes:
    return workbook_bytes()


@functools.cache
def _example() -> bytes:
    from peerbench.template.example import example_workbook_bytes  # synth: load on use

    return example_workbook_bytes()


def _download(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/o/{organisation_id}", response_class=HTMLResponse)
def org_home(request: Request, org: OrgAccess, db: PortalDb, ctx: PortalCtx) -> HTMLResponse:
    """What to do next, the uploads in progress, the last submissions and each period."""
    now = ctx.now()
    submissions, _ = list_submissions(db, scope={org.id}, limit=HISTORY_LIMIT)
    uploads = list(
        db.scalars(
            select(PortalUpload)
            .where(
                PortalUpload.organisation_id == org.id,
                PortalUpload.status.in_(OPEN),
                PortalUpload.expires_at > now,
            )
            .order_by(PortalUpload.created_at.desc())
        )
    )
    periods = periods_offered(ctx.settings.earliest_period, ctx.today())
    return render(
        request,
        "org/home.html",
        {
            "title": org.name,
            "org": org,
            "uploads": upload_rows(uploads),
            "periods": period_rows(periods[:4], submissions),
            "recent": submissions[:5],
        },
    )


@router.get("/o/{organisation_id}/template.xlsx")
def template_download(org: OrgAccess) -> Response:
    """The blank Excel template (the same bytes as ``peerbench template``)."""
    return _download(_template(), "peerbench-template.xlsx")


@router.get("/o/{organisation_id}/example.xlsx")
def example_download(org: OrgAccess) -> Response:
    """The template filled with a small synthetic example (``peerbench template --example``)."""
    return _download(_example(), "peerbench-example.xlsx")


@router.get("/o/{organisation_id}/submissions", response_class=HTMLResponse)
def history(request: Request, org: OrgReadAccess, db: PortalDb) -> HTMLResponse:
    """Every submission of the organisation, newest first, earlier versions included."""
    page, total = list_submissions(db, scope={org.id}, limit=HISTORY_LIMIT)
    views = submission_views(db, page, str(request.base_url))
    return render(
        request,
        "org/submissions.html",
        {"title": "Submissions", "org": org, "submissions": views, "total": total},
    )


def _own_submission(db: PortalDb, org_id: str, submission_id: str) -> Submission:
    submission = db.get(Submission, submission_id)
    if submission is None or submission.organisation_id != org_id:
        raise PortalForbidden()  # another organisation's, or none: the same answer
    return submission


@router.get("/o/{organisation_id}/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request, submission_id: str, org: OrgReadAccess, db: PortalDb, user: CurrentUser
) -> HTMLResponse:
    """One version: its status, counts, lineage and its validation report by problem."""
    submission = _own_submission(db, org.id, submission_id)
    view = submission_views(db, [submission], str(request.base_url))[0]
    groups = []
    if submission.report is not None:
        groups = group_findings(Report.from_dict(submission.report))
        details = {"what": "report", "format": "page"}
        audit_page_read(
            request, actor=user.id, action="download", organisation_id=org.id,
            target=submission.id, details=details,
        )  # fmt: skip
    return render(
        request,
        "org/submission.html",
        {
            "title": f"Submission for {submission.period}",
            "org": org,
            "submission": view,
            "failure": submission.failure,
            "groups": groups,
        },
    )


@router.get("/o/{organisation_id}/submissions/{submission_id}/report.html")
def submission_report_html(
    request: Request, submission_id: str, org: OrgReadAccess, db: PortalDb, user: CurrentUser
) -> HTMLResponse:
    """The version's full validation report (``GET /v1/submissions/{id}/report?format=html``)."""
    submission = _own_submission(db, org.id, submission_id)
    if submission.report is None:
        raise PortalForbidden("This submission has no report yet.")
    audit_page_read(request, actor=user.id, action="download", organisation_id=org.id,
                    target=submission.id, details={"what": "report", "format": "html"})  # fmt: skip
    return HTMLResponse(render_html(Report.from_dict(submission.report), title=submission.id))


def _services(ctx: PortalCtx, db: PortalDb, org_id: str) -> list[tuple[str, str]]:
    """The organisation's services in the pool: ``(service_id, name)``, by id."""
    table = ctx.store.current_read(db, "service", {org_id}).table(["service_id", "name"])
    rows = table.select(["service_id", "name"]).to_pylist()
    return sorted({(str(r["service_id"]), str(r["name"] or r["service_id"])) for r in rows})


@router.get("/o/{organisation_id}/report", response_class=HTMLResponse)
def service_report(
    request: Request,
    org: OrgReadAccess,
    db: PortalDb,
    ctx: PortalCtx,
    user: CurrentUser,
    service_id: str | None = None,
) -> Response:
    """The service report's key figures (the API's builder), with the full report a click away."""
    services = _services(ctx, db, org.id)
    context: dict[str, Any] = {
        "title": "Service report",
        "org": org,
        "services": services,
        "pdf": find_chromium() is not None,
    }
    chosen = service_id or (services[0][0] if services else None)
    if chosen is not None and chosen not in {s for s, _ in services}:
        raise PortalForbidden()
    if chosen is not None:
        try:
            built = _service_report(request, ctx, db, user, chosen, {})
        except ReportUnavailable:
            context["problem"] = (
                "There is no accepted data in the pool for this service yet, so there is no "
                "report. It appears once a submission is accepted."
            )
        else:
            context["figures"] = key_figures(built.report)
            context["service_id"] = chosen
    return render(request, "org/report.html", context)


@router.get("/o/{organisation_id}/report.html")
def service_report_html(
    request: Request,
    org: OrgReadAccess,
    db: PortalDb,
    ctx: PortalCtx,
    user: CurrentUser,
    service_id: str,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The full service report, exactly as ``GET /v1/reports/service`` serves it (or as an
    A4 PDF printed by Chromium, where the server has it)."""
    if service_id not in {s for s, _ in _services(ctx, db, org.id)}:
        raise PortalForbidden()
    built = _service_report(request, ctx, db, user, service_id, {"format": format})
    if format == "html":
        return HTMLResponse(built.html)
    return pdf_response(built.html, f"{service_id}-report")


def _service_report(
    request: Request,
    ctx: ServerContext,
    db: Session,
    user: User,
    service_id: str,
    details: dict[str, str],
) -> BuiltReport:
    """The service report as ``GET /v1/reports/service`` builds it for ``user``, audited."""
    scope = benchmark_scope(db, user, None, as_of=ctx.today())
    built = scope_report(request, ctx, db, user, scope, "service", service_id)
    audit_page_read(
        request,
        actor=user.id,
        action="report.read",
        organisation_id=user.organisation_id,
        target="portal/reports/service",
        details={"via": "portal", "service_id": service_id, **details, **scope.audit_details()},
    )
    return built


@router.get("/o/{organisation_id}/mappings", response_class=HTMLResponse)
def mappings(request: Request, org: OrgAccess, db: PortalDb) -> HTMLResponse:
    """The organisation's saved mappings."""
    rows = list(
        db.scalars(
            select(SavedMapping)
            .where(SavedMapping.organisation_id == org.id)
            .order_by(SavedMapping.name)
        )
    )
    return render(
        request, "org/mappings.html", {"title": "Saved mappings", "org": org, "rows": rows}
    )


def _own_mapping(db: PortalDb, org_id: str, mapping_id: int) -> SavedMapping:
    row = db.get(SavedMapping, mapping_id)
    if row is None or row.organisation_id != org_id:
        raise PortalForbidden()
    return row


@router.get("/o/{organisation_id}/mappings/{mapping_id}.yaml")
def mapping_download(mapping_id: int, org: OrgAccess, db: PortalDb) -> Response:
    """A saved mapping as a mapping file (``peerbench prepare --mapping`` reads it)."""
    row = _own_mapping(db, org.id, mapping_id)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in row.name)[:60] or "mapping"
    return Response(
        row.mapping_yaml,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}.mapping.yaml"'},
    )


@router.post("/o/{organisation_id}/mappings/{mapping_id}/delete")
def mapping_delete(
    request: Request, mapping_id: int, org: OrgAccess, db: PortalDb, user: CurrentUser
) -> RedirectResponse:
    """Delete a saved mapping."""
    row = _own_mapping(db, org.id, mapping_id)
    name = row.name
    db.delete(row)
    audit.record(db, actor=user.id, action="mapping.deleted", organisation_id=org.id, target=name)
    db.commit()
    flash(request, f"The mapping '{name}' was deleted.", "success")
    return RedirectResponse(f"/o/{org.id}/mappings", status_code=303)
