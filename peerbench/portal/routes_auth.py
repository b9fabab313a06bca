"""``/``, ``/sign-in``, ``/sign-out`` and ``/sign-out-everywhere``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from peerbench.portal.auth import (
    clear_session_cookie,
    client_address,
    insecure_cookie_warning,
    safe_next,
    signed_in_redirect,
)
from peerbench.portal.deps import CsrfChecked, CurrentUser, OptionalUser, PortalCtx, PortalDb
from peerbench.portal.templating import SESSION_COOKIE, home_path, render
from peerbench.server.sign_in import SignInRefused, sign_in
from peerbench.server.web_sessions import end_all_sessions, end_session

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

SIGNED_OUT = {
    "1": "You have signed out.",
    "everywhere": "You have signed out on every device.",
}


@router.get("/", response_model=None)
def landing(request: Request, user: OptionalUser) -> Response:
    """What peerbench is, and a way in; signed-in people go to their home page."""
    if user is not None:
        return RedirectResponse(home_path(user), status_code=303)
    return render(request, "landing.html", {"title": "peerbench"})


def _sign_in_page(
    request: Request,
    *,
    email: str = "",
    next_path: str | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    settings = request.app.state.portal_settings
    return render(
        request,
        "sign_in.html",
        {
            "title": "Sign in",
            "warning": insecure_cookie_warning(request, cookie_secure=settings.cookie_secure),
            "email": email,
            "next": safe_next(next_path) or "",
            "errors": errors or [],
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/sign-in", response_model=None)
def sign_in_form(
    request: Request,
    user: OptionalUser,
    next: str | None = None,
    signed_out: str | None = None,
) -> Response:
    """The sign-in form (signed-in people go straight on)."""
    if user is not None:
        return RedirectResponse(safe_next(next) or home_path(user), status_code=303)
    return _sign_in_page(request, next_path=next, notice=SIGNED_OUT.get(signed_out or ""))


@router.post("/sign-in", response_model=None)
def sign_in_submit(
    request: Request,
    ctx: PortalCtx,
    db: PortalDb,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the email and password; start a session and go on, or show what is wrong."""
    errors = []
    if not email.strip():
        errors.append({"field_id": "email", "text": "Enter your email address."})
    if not password:
        errors.append({"field_id": "password", "text": "Enter your password."})
    if errors:
        return _sign_in_page(request, email=email, next_path=next, errors=errors, status_code=400)
    try:
        user = sign_in(db, email, password, client=client_address(request), now=ctx.now())
    except SignInRefused as refused:
        status = 429 if refused.reason == "rate-limited" else 400
        response = _sign_in_page(
            request,
            email=email,
            next_path=next,
            errors=[{"field_id": "email", "text": str(refused)}],
            status_code=status,
        )
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    return signed_in_redirect(request, ctx, db, user, next)


@router.post("/sign-out")
def sign_out(request: Request, ctx: PortalCtx, db: PortalDb, user: CurrentUser) -> RedirectResponse:
    """End this browser's session."""
    end_session(db, request.cookies.get(SESSION_COOKIE, ""), now=ctx.now())
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    clear_session_cookie(response, secure=ctx.settings.cookie_secure)
    return response


@router.post("/sign-out-everywhere")
def sign_out_everywhere(
    request: Request, ctx: PortalCtx, db: PortalDb, user: CurrentUser
) -> RedirectResponse:
    """End every session of this account, on every device."""
    end_all_sessions(db, user.id, now=ctx.now())
    response = RedirectResponse("/sign-in?signed_out=everywhere", status_code=303)
    clear_session_cookie(response, secure=ctx.settings.cookie_secure)
    return response
