"""The organisation's upload flow: upload → confirm the columns → check → submit.

Every step is a call into :mod:`peerbench.server.portal_uploads`, which runs the same
``map``, ``prepare``, ``validate`` and submission functions as the command line and the
API. Every step works without JavaScript; ``static/upload.js`` adds drag and drop and a
progress bar to the upload form.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from peerbench.intake.mapping_answers import apply_form
from peerbench.intake.mapping_form import DATE_FORMATS, MappingForm, build_form
from peerbench.intake.upload_check import Proposed, group_findings, needs_key
from peerbench.portal.deps import CsrfChecked, CurrentUser, OrgAccess, PortalCtx, PortalDb
from peerbench.portal.errors import PortalForbidden
from peerbench.portal.org_views import periods_offered
from peerbench.portal.templating import flash, render
from peerbench.schema.pseudonym import parse_key
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Organisation, PortalUpload, User
from peerbench.server.portal_uploads import (
    IncomingFile,
    UploadRefused,
    analyse,
    confirm_mapping,
    discard_upload,
    proposal_for,
    save_mapping,
    stage_upload,
    stored_check,
    submit_upload,
    sweep_expired,
)
from peerbench.validators.report import Report

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

MAX_KEY_BYTES = 4096
"""A key file is about 80 bytes; anything much larger is not one."""


def _upload_page(
    request: Request, ctx: ServerContext, org: Organisation, errors: list[dict[str, str]],
    period: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    periods = periods_offered(ctx.settings.earliest_period, ctx.today())
    default = period or (periods[1] if len(periods) > 1 else periods[0] if periods else "")
    return render(
        request,
        "org/upload.html",
        {
            "title": "Upload",
            "org": org,
            "periods": [(p, p) for p in periods],
            "period": default,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/o/{organisation_id}/upload", response_class=HTMLResponse)
def upload_form(request: Request, org: OrgAccess, ctx: PortalCtx) -> HTMLResponse:
    """Choose the period and the files."""
    return _upload_page(request, ctx, org, [])


def _stage(
    ctx: ServerContext, org_id: str, user_id: str, period: str, files: list[IncomingFile]
) -> str:
    now = ctx.now()
    with ctx.db.session() as session:
        sweep_expired(ctx, session, now=now)
        upload = stage_upload(
            ctx, session, organisation_id=org_id, user_id=user_id, period=period,
            files=files, now=now,
        )  # fmt: skip
        analyse(ctx, session, upload, now=now)
        return upload.id


async def _close(form: FormData) -> None:
    """Close every file part of the form (Starlette's temporary files go at once)."""
    for _, value in form.multi_items():
        if isinstance(value, UploadFile):
            await value.close()


def _files(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]


@router.post("/o/{organisation_id}/upload", response_model=None)
async def upload_files(
    request: Request, org: OrgAccess, user: CurrentUser, ctx: PortalCtx
) -> Response:
    """Stage the files, then check them as far as possible; on to the upload's page."""
    form = await request.form()
    period = str(form.get("period") or "")
    sent = _files(form)
    incoming = [IncomingFile(f.filename or "", f.file) for f in sent]
    try:
        upload_id = await run_in_threadpool(_stage, ctx, org.id, user.id, period, incoming)
    except UploadRefused as exc:
        errors = [{"field_id": exc.field_id, "text": exc.text}]
        return _upload_page(request, ctx, org, errors, period, status_code=422)
    finally:
        await _close(form)
    return RedirectResponse(f"/o/{org.id}/uploads/{upload_id}", status_code=303)


def _own_upload(db: PortalDb, org_id: str, upload_id: str) -> PortalUpload:
    upload = db.get(PortalUpload, upload_id)
    if upload is None or upload.organisation_id != org_id:
        raise PortalForbidden()  # another organisation's upload, or none: the same answer
    return upload


def _expired(upload: PortalUpload, now: dt.datetime) -> bool:
    return upload.status == "discarded" or (
        upload.status != "submitted" and upload.expires_at <= now
    )


FORM_ANSWERS = ("constants: service_id", "labels not in the")
"""Proposer TODOs the form itself asks (the service field, a select per label)."""


def open_questions(todos: list[str]) -> list[str]:
    """What the proposer left to decide that the form does not ask itself."""
    return [t for t in todos if not any(part in t for part in FORM_ANSWERS)]


def _mapping_page(
    request: Request, org: Organisation, upload: PortalUpload, proposed: Proposed,
    form: MappingForm, errors: list[dict[str, str]], answers: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    read = Report()
    read.extend(proposed.findings)
    return render(
        request,
        "org/mapping.html",
        {
            "title": "Confirm your columns",
            "org": org,
            "upload": upload,
            "form": form,
            "saved": proposed.saved,
            "todos": open_questions(proposed.todos),
            "reading": group_findings(read),
            "errors": errors,
            "answers": answers,
            "date_formats": [(c.value, c.label) for c in DATE_FORMATS],
        },
        status_code=status_code,
    )


@router.get("/o/{organisation_id}/uploads/{upload_id}", response_class=HTMLResponse)
def upload_page(
    request: Request, upload_id: str, org: OrgAccess, db: PortalDb, ctx: PortalCtx
) -> Response:
    """The mapping form (not yet checked) or the check's result, grouped by problem."""
    upload = _own_upload(db, org.id, upload_id)
    if _expired(upload, ctx.now()):
        return render(request, "org/expired.html", {"title": "Upload expired", "org": org})
    if upload.status == "submitted" and upload.submission_id:
        return RedirectResponse(f"/o/{org.id}/submissions/{upload.submission_id}", status_code=303)
    if upload.status in ("staged", "mapped"):
        proposed = proposal_for(ctx, db, upload)
        form = build_form(proposed.mapping, proposed.inputs)
        return _mapping_page(request, org, upload, proposed, form, [], {})
    stored = stored_check(upload)
    assert stored is not None
    report, columns = stored
    return render(
        request,
        "org/result.html",
        {
            "title": "Check result",
            "org": org,
            "upload": upload,
            "report": report,
            "groups": group_findings(report, columns),
        },
    )


def _answers(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


async def _key(form: FormData) -> tuple[bytes | None, str | None]:
    """The organisation's key from the form (read in memory, never written), or the problem."""
    item = form.get("key_file")
    if not isinstance(item, UploadFile) or not item.filename:
        return None, None
    data = await item.read(MAX_KEY_BYTES + 1)
    if len(data) > MAX_KEY_BYTES:
        return None, "This is not a peerbench key file: choose the file made by peerbench keygen."
    try:
        return parse_key(data.decode("utf-8", "replace"), "The file chosen"), None
    except ValueError as exc:
        return None, f"{exc}. Choose the key file your organisation keeps (peerbench keygen)."


def _confirm(
    request: Request, ctx: ServerContext, org: Organisation, user: User, upload_id: str,
    answers: dict[str, str], key: bytes | None, key_problem: str | None,
) -> Response:  # fmt: skip
    with ctx.db.session() as db:
        upload = _own_upload(db, org.id, upload_id)
        if _expired(upload, ctx.now()) or upload.status not in ("staged", "mapped"):
            return RedirectResponse(f"/o/{org.id}/uploads/{upload.id}", status_code=303)
        proposed = proposal_for(ctx, db, upload)
        form = build_form(proposed.mapping, proposed.inputs)
        mapping, problems = apply_form(proposed.mapping, form, answers)
        errors = [{"field_id": p.field_id, "text": p.text} for p in problems]
        if key_problem:
            errors.append({"field_id": "key_file", "text": key_problem})
        elif key is None and (needs_key(mapping) if mapping is not None else form.needs_key):
            errors.append(
                {
                    "field_id": "key_file",
                    "text": "Choose your organisation's key file: participant ids are replaced "
                    "by pseudonyms made with it.",
                }
            )
        save_name = answers.get("save_name", "").strip()
        if answers.get("save") == "yes" and not save_name:
            errors.append({"field_id": "save_name", "text": "Give the mapping a name to save it."})
        if errors or mapping is None:
            for sheet in form.sheets:
                for column in sheet.columns:
                    column.value = answers.get(column.name, column.value)
                for value in sheet.values:
                    value.value = answers.get(value.name, value.value)
            form.service_id = answers.get("service_id", form.service_id)
            form.date_format = answers.get("date_format", form.date_format)
            return _mapping_page(
                request, org, upload, proposed, form, errors, answers, status_code=422
            )
        now = ctx.now()
        report = confirm_mapping(
            ctx, db, upload, mapping, key, actor=user.id, now=now, inputs=proposed.inputs
        )
        if answers.get("save") == "yes":
            save_mapping(db, organisation_id=org.id, name=save_name, mapping=mapping,
                         actor=user.id, now=now)  # fmt: skip
            flash(request, f"The mapping was saved as '{save_name}' for next time.", "success")
        verdict = "no errors: you can submit it" if report.valid else "problems to fix"
        flash(request, f"Your files were prepared and checked: {verdict}.", "info")
        return RedirectResponse(f"/o/{org.id}/uploads/{upload.id}", status_code=303)


@router.post("/o/{organisation_id}/uploads/{upload_id}/mapping", response_model=None)
async def confirm(
    request: Request, upload_id: str, org: OrgAccess, user: CurrentUser, ctx: PortalCtx
) -> Response:
    """Apply the confirmed columns: prepare, check, delete the raw files."""
    form = await request.form()
    try:
        key, key_problem = await _key(form)
    finally:
        await _close(form)
    answers = _answers(form)
    return await run_in_threadpool(
        _confirm, request, ctx, org, user, upload_id, answers, key, key_problem
    )


@router.post("/o/{organisation_id}/uploads/{upload_id}/submit")
def submit(
    request: Request, upload_id: str, org: OrgAccess, user: CurrentUser, db: PortalDb,
    ctx: PortalCtx,
) -> RedirectResponse:  # fmt: skip
    """Submit a valid upload, as the API would receive its prepared files."""
    upload = _own_upload(db, org.id, upload_id)
    if _expired(upload, ctx.now()):
        return RedirectResponse(f"/o/{org.id}/uploads/{upload.id}", status_code=303)
    try:
        submitted = submit_upload(
            ctx, db, upload, actor=user.id, background=request.app.state.worker.submit
        )
    except UploadRefused as exc:
        flash(request, exc.text, "error")
        return RedirectResponse(f"/o/{org.id}/uploads/{upload.id}", status_code=303)
    text: dict[bool, str] = {
        True: "Submitted. It is being checked on the server; this page shows the result.",
        False: "Submitted. The server's check is below.",
    }
    if not submitted.fresh:
        flash(request, "These files were submitted before; this is that submission.", "info")
    else:
        flash(request, text[submitted.queued], "success")
    return RedirectResponse(f"/o/{org.id}/submissions/{submitted.submission_id}", status_code=303)


@router.post("/o/{organisation_id}/uploads/{upload_id}/discard")
def discard(
    request: Request, upload_id: str, org: OrgAccess, db: PortalDb, ctx: PortalCtx
) -> RedirectResponse:
    """Delete an upload's files now rather than after a day."""
    upload = _own_upload(db, org.id, upload_id)
    discard_upload(ctx, db, upload)
    flash(request, "The upload and its files were deleted.", "success")
    return RedirectResponse(f"/o/{org.id}", status_code=303)
