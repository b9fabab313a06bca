"""Network members pages (``/n/{network_id}/members``…): the list, adding, agreements.

For the network's own analysts (read only) and admins. Adding a member or changing an
agreement changes who sees whose data, so only admins may do it (as with ``POST
/v1/networks/{id}/members``); the same tenancy functions as the CLI and API do the work,
and every change is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from peerbench.portal.deps import CsrfChecked, CurrentUser, NetworkAccess, PortalCtx, PortalDb
from peerbench.portal.errors import PortalForbidden, PortalNotFound
from peerbench.portal.network_views import member_view
from peerbench.portal.templating import flash, render
from peerbench.server.db.models import Organisation, Role, User
from peerbench.server.tenancy import (
    InvalidValueError,
    TenancyError,
    add_member,
    get_member,
    list_members,
    update_member,
)

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)


def _title(network_name: str, page: str) -> str:
    return f"{page} · {network_name}"


def _members_page(
    request: Request,
    network: Any,
    user: User,
    db: PortalDb,
    ctx: PortalCtx,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    day = ctx.today()
    members = [member_view(m, day) for m in list_members(db, network.id)]
    joined = {m["organisation_id"] for m in members}
    candidates = []
    if user.role == Role.ADMIN.value:
        candidates = [
            (o.id, f"{o.name} ({o.id})")
            for o in db.scalars(select(Organisation).order_by(Organisation.id))
            if o.id not in joined
        ]
    return render(
        request,
        "network/members.html",
        {
            "title": _title(network.name, "Members"),
            "network": network,
            "members": members,
            "can_edit": user.role == Role.ADMIN.value,
            "candidates": candidates,
            "errors": errors or [],
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/n/{network_id}/members", response_class=HTMLResponse)
def members(
    request: Request, network: NetworkAccess, user: CurrentUser, db: PortalDb, ctx: PortalCtx
) -> HTMLResponse:
    """The members and their agreements; admins add members and change agreements."""
    return _members_page(request, network, user, db, ctx)


def _date(text: str, field_id: str, label: str, errors: list[dict[str, str]]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append({"field_id": field_id, "text": f"{label} must be a date like 2026-04-01."})
        return None


def _agreement_dates(
    agreement_start: str, agreement_end: str, errors: list[dict[str, str]]
) -> tuple[dt.date | None, dt.date | None]:
    """The agreement's start (required) and end (optional), adding to ``errors``."""
    start = _date(agreement_start, "agreement_start", "The start date", errors)
    if start is None and not any(e["field_id"] == "agreement_start" for e in errors):
        errors.append({"field_id": "agreement_start", "text": "Enter the date it starts."})
    return start, _date(agreement_end, "agreement_end", "The end date", errors)


def _require_admin(user: User) -> None:
    if user.role != Role.ADMIN.value:
        raise PortalForbidden(
            "Only an administrator may add members or change agreements: a data-sharing "
            "agreement decides who sees whose data."
        )


@router.post("/n/{network_id}/members", response_model=None)
def add_network_member(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    organisation_id: Annotated[str, Form()] = "",
    agreement_reference: Annotated[str, Form()] = "",
    agreement_start: Annotated[str, Form()] = "",
    agreement_end: Annotated[str, Form()] = "",
) -> Response:
    """Add a member under a data-sharing agreement (admins)."""
    _require_admin(user)
    values = {"organisation_id": organisation_id, "agreement_reference": agreement_reference,
              "agreement_start": agreement_start, "agreement_end": agreement_end}  # fmt: skip
    errors: list[dict[str, str]] = []
    if not organisation_id:
        errors.append({"field_id": "organisation_id", "text": "Choose the organisation."})
    if not agreement_reference.strip():
        errors.append(
            {"field_id": "agreement_reference", "text": "Enter the agreement's reference."}
        )
    start, end = _agreement_dates(agreement_start, agreement_end, errors)
    if not errors and start is not None:
        try:
            add_member(
                db,
                network_id=network.id,
                organisation_id=organisation_id,
                agreement_reference=agreement_reference,
                agreement_start=start,
                agreement_end=end,
                actor=user.id,
            )
        except TenancyError as exc:
            field = "agreement_end" if "end" in str(exc) else "organisation_id"
            errors.append({"field_id": field, "text": _sentence(exc)})
    if errors:
        db.rollback()
        return _members_page(
            request, network, user, db, ctx, errors=errors, values=values, status_code=422
        )
    db.commit()  # before flash(), which writes the web session in a session of its own
    flash(request, f"{organisation_id} is now a member of {network.name}.", "success")
    return RedirectResponse(f"/n/{network.id}/members", status_code=303)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@router.get("/n/{network_id}/members/{organisation_id}", response_class=HTMLResponse)
def member(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    organisation_id: str,
) -> HTMLResponse:
    """One member's agreement, with the form to change it (admins)."""
    _require_admin(user)
    try:
        found = get_member(db, network.id, organisation_id)
    except TenancyError:
        raise PortalNotFound("This organisation is not a member of this network.") from None
    return _member_page(request, network, member_view(found, ctx.today()), [], 200)


def _member_page(
    request: Request, network: Any, view: dict[str, Any], errors: list[dict[str, str]], status: int
) -> HTMLResponse:
    return render(
        request,
        "network/member.html",
        {
            "title": _title(network.name, f"Agreement of {view['organisation_id']}"),
            "network": network,
            "member": view,
            "errors": errors,
        },
        status_code=status,
    )


@router.post("/n/{network_id}/members/{organisation_id}", response_model=None)
def change_member(
    request: Request,
    network: NetworkAccess,
    user: CurrentUser,
    db: PortalDb,
    ctx: PortalCtx,
    organisation_id: str,
    agreement_reference: Annotated[str, Form()] = "",
    agreement_start: Annotated[str, Form()] = "",
    agreement_end: Annotated[str, Form()] = "",
) -> Response:
    """Change a member's agreement reference or dates (admins; audited)."""
    _require_admin(user)
    try:
        get_member(db, network.id, organisation_id)
    except TenancyError:
        raise PortalNotFound("This organisation is not a member of this network.") from None
    errors: list[dict[str, str]] = []
    start, end = _agreement_dates(agreement_start, agreement_end, errors)
    if not errors and start is not None:
        try:
            update_member(
                db,
                network_id=network.id,
                organisation_id=organisation_id,
                agreement_reference=agreement_reference,
                agreement_start=start,
                agreement_end=end,
                actor=user.id,
            )
        except InvalidValueError as exc:
            field = "agreement_end" if "end" in str(exc) else "agreement_reference"
            errors.append({"field_id": field, "text": _sentence(exc)})
    if errors:
        db.rollback()
        view = {"organisation_id": organisation_id, "reference": agreement_reference,
                "start": agreement_start, "end": agreement_end, "status": ""}  # fmt: skip
        return _member_page(request, network, view, errors, 422)
    db.commit()  # before flash(), which writes the web session in a session of its own
    flash(request, f"The agreement of {organisation_id} is saved.", "success")
    return RedirectResponse(f"/n/{network.id}/members", status_code=303)
