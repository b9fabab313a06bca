"""``/account``: your name, your password, your sessions and your API keys.

API keys stay for the command line: people manage the keys of their own role and scope
here (the same :func:`peerbench.server.tenancy.create_key` as ``peerbench admin
create-key``); a new key's secret is shown once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from peerbench.portal.deps import CsrfChecked, CurrentUser, PortalCtx, PortalDb
from peerbench.portal.templating import flash, render
from peerbench.server.accounts import MIN_PASSWORD_LENGTH, AccountError, change_password
from peerbench.server.db.models import ApiKey, Role, User
from peerbench.server.scope import keys_of_scope, same_scope
from peerbench.server.tenancy import InvalidValueError, create_key, revoke_key
from peerbench.server.web_sessions import open_sessions

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)


def _key_rows(keys: list[ApiKey]) -> list[dict[str, Any]]:
    return [
        {
            "id": key.id,
            "prefix": key.key_prefix,
            "label": key.label or "",
            "created": key.created_at.date().isoformat(),
            "status": "revoked" if key.revoked_at is not None else "active",
        }
        for key in keys
    ]


def _page(
    request: Request,
    ctx: PortalCtx,
    db: PortalDb,
    user: User,
    *,
    errors: list[dict[str, str]] | None = None,
    new_secret: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    idle = dt.timedelta(minutes=ctx.settings.session_idle_minutes)
    return render(
        request,
        "account.html",
        {
            "title": "Your account",
            "account": user,
            "sessions": open_sessions(db, user.id, now=ctx.now(), idle_timeout=idle),
            "keys": _key_rows(keys_of_scope(db, user)),
            "errors": errors or [],
            "new_secret": new_secret,
            "min_length": MIN_PASSWORD_LENGTH,
        },
        status_code=status_code,
    )


@router.get("/account")
def account(request: Request, ctx: PortalCtx, db: PortalDb, user: CurrentUser) -> HTMLResponse:
    """The account page."""
    return _page(request, ctx, db, user)


@router.post("/account/name", response_model=None)
def change_name(
    request: Request,
    ctx: PortalCtx,
    db: PortalDb,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change the name shown to colleagues."""
    if not name.strip():
        errors = [{"field_id": "name", "text": "Enter your name."}]
        return _page(request, ctx, db, user, errors=errors, status_code=400)
    row = db.get(User, user.id)
    assert row is not None
    row.name = name.strip()
    flash(request, "Your name has been changed.", "success")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password", response_model=None)
def change_password_submit(
    request: Request,
    ctx: PortalCtx,
    db: PortalDb,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_again: Annotated[str, Form(max_length=1024)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change the password (the current one is needed)."""
    errors = []
    if new_password != new_password_again:
        errors.append(
            {"field_id": "new_password_again", "text": "The two new passwords are not the same."}
        )
    else:
        row = db.get(User, user.id)
        assert row is not None
        try:
            change_password(db, row, current=current_password, new=new_password, now=ctx.now())
        except InvalidValueError as exc:
            errors.append({"field_id": "new_password", "text": str(exc).capitalize() + "."})
        except AccountError as exc:
            errors.append({"field_id": "current_password", "text": str(exc).capitalize() + "."})
    if errors:
        return _page(request, ctx, db, user, errors=errors, status_code=400)
    flash(request, "Your password has been changed.", "success")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/keys")
def create_own_key(
    request: Request,
    ctx: PortalCtx,
    db: PortalDb,
    user: CurrentUser,
    label: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Make an API key with this account's role and scope; its secret is shown once."""
    _key, secret = create_key(
        db,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        network_id=user.network_id,
        project=user.project,
        label=label.strip() or None,
        actor=user.id,
    )
    return _page(request, ctx, db, user, new_secret=secret)


@router.post("/account/keys/{key_id}/revoke")
def revoke_own_key(
    request: Request, key_id: str, db: PortalDb, user: CurrentUser
) -> RedirectResponse:
    """Revoke one of this account's scope's keys."""
    key = db.get(ApiKey, key_id)
    if key is None or not same_scope(key, user):
        flash(request, "There is no such key among yours.", "error")
    else:
        revoke_key(db, key.id, actor=user.id)
        flash(request, f"Key {key.key_prefix}… has been revoked.", "success")
    return RedirectResponse("/account", status_code=303)
