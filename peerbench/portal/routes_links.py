"""One-time links: ``/invite/{token}`` (choose a name and password) and
``/sign-in/link/{token}`` (one "Sign in" button).

A GET only shows a page and never uses the token, so a mail scanner that follows links
cannot burn it; only the POST (with the page's CSRF token) does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from peerbench.portal.auth import client_address, signed_in_redirect
from peerbench.portal.deps import CsrfChecked, PortalCtx, PortalDb
from peerbench.portal.templating import render
from peerbench.server.accounts import (
    MIN_PASSWORD_LENGTH,
    InvalidToken,
    accept_invite,
    peek_token,
    redeem_sign_in_link,
)
from peerbench.server.db.models import User
from peerbench.server.tenancy import InvalidValueError

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

_EXPIRED = (
    "This link has expired or has already been used. Ask the person who sent it "
    "(your network or administrator) for a new one."
)


def _expired(request: Request) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"title": "This link no longer works", "message": _EXPIRED, "status": 410},
        status_code=410,
    )


def _invite_page(
    request: Request,
    token: str,
    user: User,
    *,
    name: str = "",
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "invite.html",
        {
            "title": "Set up your account",
            "token": token,
            "invitee": user,
            "name": name or user.name or "",
            "errors": errors or [],
            "min_length": MIN_PASSWORD_LENGTH,
        },
        status_code=status_code,
    )


@router.get("/invite/{token}", response_model=None)
def invite_form(request: Request, token: str, ctx: PortalCtx, db: PortalDb) -> Response:
    """The invite page: who the account is for, and the name and password form."""
    user = peek_token(db, token, "invite", now=ctx.now())
    if user is None:
        return _expired(request)
    return _invite_page(request, token, user)


@router.post("/invite/{token}", response_model=None)
def invite_accept(
    request: Request,
    token: str,
    ctx: PortalCtx,
    db: PortalDb,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Set the name and password, use the invite and sign in."""
    now = ctx.now()
    invitee = peek_token(db, token, "invite", now=now)
    if invitee is None:
        return _expired(request)
    errors = []
    if not name.strip():
        errors.append({"field_id": "name", "text": "Enter your name."})
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(
            {
                "field_id": "password",
                "text": f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.",
            }
        )
    elif password != password_again:
        errors.append({"field_id": "password_again", "text": "The two passwords are not the same."})
    if not errors:
        try:
            user = accept_invite(db, token, name=name, password=password, now=now)
        except InvalidToken:
            return _expired(request)
        except InvalidValueError as exc:
            errors.append({"field_id": "password", "text": str(exc).capitalize() + "."})
        else:
            return signed_in_redirect(request, ctx, db, user)
    return _invite_page(request, token, invitee, name=name, errors=errors, status_code=400)


@router.get("/sign-in/link/{token}", response_model=None)
def sign_in_link_form(request: Request, token: str, ctx: PortalCtx, db: PortalDb) -> Response:
    """The sign-in link page: one button (the GET does not use the link)."""
    user = peek_token(db, token, "sign-in", now=ctx.now())
    if user is None:
        return _expired(request)
    return render(
        request, "sign_in_link.html", {"title": "Sign in", "token": token, "invitee": user}
    )


@router.post("/sign-in/link/{token}", response_model=None)
def sign_in_link_use(request: Request, token: str, ctx: PortalCtx, db: PortalDb) -> Response:
    """Use the link and sign in."""
    try:
        user = redeem_sign_in_link(db, token, client=client_address(request), now=ctx.now())
    except InvalidToken:
        return _expired(request)
    return signed_in_redirect(request, ctx, db, user)
