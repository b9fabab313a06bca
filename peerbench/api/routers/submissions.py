"""``/v1/submissions``: send data, follow it to a verdict, read the report.

The router only receives and answers; :mod:`peerbench.server.submissions` does the work.
Small uploads are processed before the response (201); larger ones go to the
background worker (202, with ``Location`` to poll); repeats return the first (200).
Every read (the list, one submission, its report) is audited on the batched read-audit
writer (:mod:`peerbench.server.read_audit`), as the other reads are.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from peerbench.api.deps import (
    ContextDep,
    CurrentKey,
    RateLimitedKey,
    SessionDep,
    WorkerDep,
    visible_organisations,
)
from peerbench.api.errors import ApiError, NotFound
from peerbench.api.params import Offset, SubmissionLimit
from peerbench.api.schemas import (
    PERIOD_PATTERN,
    ErrorEnvelope,
    SubmissionBundle,
    SubmissionList,
    SubmissionPublic,
)
from peerbench.api.uploads import spool_multipart
from peerbench.api.views import submission_view, submission_views
from peerbench.server.context import ServerContext
from peerbench.server.db.models import ApiKey, Organisation, Role, Submission, SubmissionStatus
from peerbench.server.principal import Principal
from peerbench.server.receive import (
    Received,
    Submitted,
    new_spool_folder,
    received_files,
    submit_received,
)
from peerbench.server.submission_checks import Inputs
from peerbench.server.submission_list import list_submissions as submission_page
from peerbench.server.submissions import IdempotencyConflict, bundle_hash, check_period, quarter_of
from peerbench.server.worker import SubmissionWorker
from peerbench.validators.render_html import render_html
from peerbench.validators.render_text import render_text
from peerbench.validators.report import Report

router = APIRouter(prefix="/v1/submissions", tags=["submissions"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 413, 415, 422, 429)
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files", "period"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "period": {"type": "string", "pattern": PERIOD_PATTERN},
                        "organisation_id": {"type": "string", "description": "Admins only."},
                    },
                }
            },
            "application/json": {"schema": SubmissionBundle.model_json_schema()},
        },
    }
}


def _period(text: str | None, ctx: ServerContext | None = None) -> str:
    """The period sent, if it is a quarter (and, given ``ctx``, one the server accepts)."""
    earliest, today = (ctx.settings.earliest_period, ctx.today()) if ctx else (None, None)
    try:
        return check_period(text or "", earliest=earliest, today=today)
    except ValueError as exc:
        details: dict[str, Any] = {"field": "period"}
        if ctx is not None:
            details.update(earliest=earliest, latest=quarter_of(ctx.today()))
        raise ApiError(422, f"The {exc}.", details=details) from None


async def _receive_files(request: Request, data_dir: Path) -> Received:
    folder = new_spool_folder(data_dir)
    try:
        form = await spool_multipart(request, folder)
        period = _period(form.fields.get("period"))
        if not form.files:
            raise ApiError(422, "Send at least one file in the 'files' field.")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return received_files(period, form.fields.get("organisation_id") or None, folder, form.files)


async def _receive_json(request: Request) -> Received:
    body = await request.body()
    try:
        bundle = SubmissionBundle.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    arrays = bundle.record_arrays()
    if not arrays:
        raise ApiError(422, 'Send at least one array of records, e.g. "outcomes": [...].')
    return Received(
        period=bundle.period,
        organisation_id=bundle.organisation_id,
        file_names=sorted(f"{stem}.json" for stem in arrays),
        content_hash=bundle_hash(bundle.period, arrays),
        size=len(body),
        inputs=Inputs(bundle=arrays, standard_version=bundle.standard_version),
        standard_version=bundle.standard_version,
    )


def _organisation(session: Session, key: Principal, requested: str | None) -> str:
    """The organisation a submission is for: the key's own, or an admin's choice."""
    if key.role == Role.ADMIN.value:
        if not requested:
            raise ApiError(422, "Admins must say which organisation: send 'organisation_id'.")
        if session.get(Organisation, requested) is None:
            raise ApiError(422, f"There is no organisation with id '{requested[:64]}'.")
        return requested
    own = key.organisation_id or ""
    if requested and requested != own:
        raise ApiError(403, "A submitter key may submit only for its own organisation.")
    return own


def _submit(
    ctx: ServerContext,
    key: ApiKey,
    received: Received,
    idempotency_key: str | None,
    worker: SubmissionWorker,
) -> Submitted:
    try:
        with ctx.db.session() as session:
            organisation_id = _organisation(session, key, received.organisation_id)
    except BaseException:
        if received.inputs.folder is not None:
            shutil.rmtree(received.inputs.folder, ignore_errors=True)
        raise
    try:
        return submit_received(
            ctx,
            received,
            organisation_id=organisation_id,
            actor=key.id,
            api_key_id=key.id,
            idempotency_key=idempotency_key,
            background=worker.submit,
        )
    except IdempotencyConflict as exc:
        raise ApiError(
            409,
            f"This Idempotency-Key was already used for submission {exc.submission_id} "
            "with different content. Use a new key for new data.",
            code="idempotency-key-reused",
            details={"submission_id": exc.submission_id},
        ) from None


def _answer(ctx: ServerContext, submission_id: str, status: int, base_url: str) -> JSONResponse:
    with ctx.db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        view = submission_view(session, submission, base_url)
    return JSONResponse(
        view.model_dump(mode="json"), status_code=status, headers={"Location": view.status_url}
    )


@router.post(
    "",
    status_code=201,
    response_model=SubmissionPublic,
    responses={
        200: {"model": SubmissionPublic, "description": "A repeat: the first submission."},
        202: {"model": SubmissionPublic, "description": "Queued; poll the Location."},
        409: {"model": ErrorEnvelope, "description": "Idempotency-Key reused with other data."},
        **_ERRORS,
    },
    openapi_extra=_BODY_DOC,
)
async def create_submission(
    request: Request,
    key: RateLimitedKey,
    ctx: ContextDep,
    worker: WorkerDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Submit files (multipart ``files`` + ``period``) or records (JSON) for validation.

    The server validates again, checks every record is the organisation's own, and
    either pools the data (``accepted``; it supersedes the organisation's previous
    version for the period) or keeps it out (``rejected``, with the report).
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        received = await _receive_files(request, ctx.settings.data_dir)
    elif content_type == "application/json":
        received = await _receive_json(request)
    else:
        raise ApiError(415, "Send files as multipart/form-data, or records as application/json.")
    try:
        _period(received.period, ctx)
    except BaseException:
        if received.inputs.folder is not None:
            shutil.rmtree(received.inputs.folder, ignore_errors=True)
        raise
    submitted = await run_in_threadpool(_submit, ctx, key, received, idempotency_key, worker)
    warmer = getattr(request.app.state, "warmer", None)
    if warmer is not None:
        warmer.poke()  # a pooled submission is a new generation: warm its answers now
    status = 200 if not submitted.fresh else 202 if submitted.queued else 201
    return await run_in_threadpool(
        _answer, ctx, submitted.submission_id, status, str(request.base_url)
    )


def _visible(
    ctx: ServerContext, session: Session, key: Principal, submission_id: str
) -> Submission:
    """The submission if the key may see it; 404 otherwise (existence is not revealed)."""
    scope = visible_organisations(session, key, as_of=ctx.today())
    submission = session.get(Submission, submission_id)
    if submission is None or (scope is not None and submission.organisation_id not in scope):
        raise NotFound(f"There is no submission '{submission_id[:64]}' visible to this key.")
    return submission


@router.get("", response_model=SubmissionList, responses=_ERRORS)
def list_submissions(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    status: SubmissionStatus | None = None,
    organisation_id: str | None = None,
    limit: SubmissionLimit = 50,
    offset: Offset = 0,
) -> SubmissionList:
    """Submissions the key may see, newest first, earlier versions included."""
    scope = visible_organisations(session, key, as_of=ctx.today())
    page, total = submission_page(
        session,
        scope=scope,
        period=period,
        status=None if status is None else status.value,
        organisation_id=organisation_id,
        limit=limit,
        offset=offset,
    )
    items = submission_views(session, page, str(request.base_url))
    query = {"period": period, "status": None if status is None else status.value,
             "organisation_id": organisation_id, "limit": limit, "offset": offset}  # fmt: skip
    ctx.read_audit().record(
        actor=key.id,
        action="submission.read",
        organisation_id=key.organisation_id,
        target="submissions",
        details={
            **{k: v for k, v in query.items() if v is not None},
            "organisations": None if scope is None else sorted(scope),
            "returned": len(items),
            "total": total,
        },
    )
    return SubmissionList(items=items, count=total)


@router.get("/{submission_id}", response_model=SubmissionPublic, responses=_ERRORS)
def get_submission(
    request: Request, submission_id: str, ctx: ContextDep, session: SessionDep, key: CurrentKey
) -> SubmissionPublic:
    """A submission's status, counts, record types, rows and pool versions."""
    submission = _visible(ctx, session, key, submission_id)
    view = submission_view(session, submission, str(request.base_url))
    ctx.read_audit().record(
        actor=key.id,
        action="submission.read",
        organisation_id=submission.organisation_id,
        target=submission.id,
    )
    return view


@router.get(
    "/{submission_id}/report",
    responses={
        200: {"content": {"text/plain": {}, "text/html": {}}},
        409: {"model": ErrorEnvelope},
        **_ERRORS,
    },
)
def get_report(
    submission_id: str,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    format: Literal["json", "text", "html"] = "json",
) -> Response:
    """The validation report as JSON, or rendered as ``text`` or ``html``."""
    submission = _visible(ctx, session, key, submission_id)
    if submission.report is None:
        raise ApiError(
            409,
            f"This submission has no report: it is {submission.status}.",
            code="report-not-ready",
            details={"status": submission.status},
        )
    ctx.read_audit().record(actor=key.id, action="download",
                            organisation_id=submission.organisation_id, target=submission.id,
                            details={"what": "report", "format": format})  # fmt: skip
    if format == "json":
        return JSONResponse(submission.report)
    report = Report.from_dict(submission.report)
    if format == "text":
        more = "Fix these and submit again to see the rest."
        return PlainTextResponse(render_text(report, more_hint=more))
    return HTMLResponse(render_html(report, title=f"Submission {submission.id}"))
