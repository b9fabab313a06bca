"""Admin pages (``/admin``…): organisations, networks, users and API keys.

A thin shell over the same library functions as ``peerbench admin …`` and the admin JSON
API (:mod:`peerbench.server.tenancy`, :mod:`peerbench.server.accounts`): a page never
changes the database by any other route. Secrets (an API key, a one-time link) are shown
once, in the answer to the form that made them, and never stored in a flash message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from peerbench.portal.deps import AdminUser, CsrfChecked, PortalCtx, PortalDb
from peerbench.portal.templating import flash, render
from peerbench.schema.codelists import OrganisationType, Region
from peerbench.server import accounts, tenancy
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Network, Organisation, Role, User
from peerbench.server.invitations import Delivery, deliver, expires_in_words, status_of
from peerbench.server.mailer import MailError, link_url
from peerbench.server.settings import Settings
from peerbench.server.tenancy import AlreadyExistsError, TenancyError

router = APIRouter(prefix="/admin", dependencies=[CsrfChecked], include_in_schema=False)

OptionalText = Annotated[str, Form()]
ROLE_NAMES = {
    Role.SUBMITTER.value: "Submitter",
    Role.NETWORK_ANALYST.value: "Network analyst",
    Role.RESEARCHER.value: "Researcher",
    Role.ADMIN.value: "Administrator",
}
"""Roles in tables (the form's choices say more, from :data:`ROLE_LABELS`)."""
ROLE_LABELS = {
    Role.SUBMITTER: "Submitter (an organisation's coordinator)",
    Role.NETWORK_ANALYST: "Network analyst",
    Role.RESEARCHER: "Researcher (an approved project)",
    Role.ADMIN: "Administrator",
}


def blank(value: str) -> str | None:
    """A form value stripped, or None when empty."""
    value = value.strip()
    return value or None


def field_error(field: str, exc: Exception) -> list[dict[str, str]]:
    """An error summary of one problem, linked to the field ``field``: the library's own
    plain-English message, as a sentence."""
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    return [{"field_id": field, "text": text if text.endswith(".") else text + "."}]


def _codelist_options(codes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "Not stated"), *codes]


def _organisation_types() -> list[tuple[str, str]]:
    return _codelist_options([(m.value, m.label) for m in OrganisationType])


def _regions() -> list[tuple[str, str]]:
    return _codelist_options([(m.value, m.label) for m in Region])


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("", response_class=HTMLResponse)
def admin_home(request: Request, user: AdminUser, db: PortalDb) -> Response:
    """What an administrator manages, with counts."""
    counts = {
        "organisations": len(tenancy.list_organisations(db)),
        "networks": len(tenancy.list_networks(db)),
        "users": len(accounts.list_users(db)),
        "api_keys": sum(1 for key in tenancy.list_keys(db) if key.revoked_at is None),
    }
    return render(request, "admin/index.html", {"title": "Administration", "counts": counts})


# Organisations -------------------------------------------------------------------------


def _organisations_page(
    request: Request,
    db: PortalDb,
    *,
    values: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Organisations",
        "organisations": tenancy.list_organisations(db),
        "type_labels": {m.value: m.label for m in OrganisationType},
        "region_labels": {m.value: m.label for m in Region},
        "type_options": _organisation_types(),
        "region_options": _regions(),
        "values": values or {},
        "errors": errors or [],
    }
    return render(request, "admin/organisations.html", context, status_code=status_code)


@router.get("/organisations", response_class=HTMLResponse)
def organisations(request: Request, user: AdminUser, db: PortalDb) -> Response:
    """Every organisation, and the form to register one."""
    return _organisations_page(request, db)


@router.post("/organisations", response_class=HTMLResponse)
def create_organisation(
    request: Request,
    user: AdminUser,
    db: PortalDb,
    organisation_id: OptionalText = "",
    name: OptionalText = "",
    organisation_type: OptionalText = "",
    region: OptionalText = "",
) -> Response:
    """Register an organisation (as ``peerbench admin create-org`` does)."""
    values = {
        "organisation_id": organisation_id.strip(),
        "name": name,
        "organisation_type": organisation_type,
        "region": region,
    }
    return _registered(
        request,
        db,
        "Organisation",
        lambda: tenancy.create_organisation(
            db,
            id=organisation_id.strip(),
            name=name,
            organisation_type=blank(organisation_type),
            region=blank(region),
            actor=user.id,
        ),
        lambda exc: _organisations_page(
            request,
            db,
            values=values,
            errors=field_error(_organisation_field(exc, organisation_type, region), exc),
            status_code=422,
        ),
    )


def _registered(
    request: Request,
    db: PortalDb,
    kind: str,
    create: Callable[[], Organisation | Network],
    refused: Callable[[TenancyError], Response],
) -> Response:
    """Commit what ``create`` registers and go back to its list, or show why it was refused."""
    try:
        created = create()
    except TenancyError as exc:
        db.rollback()
        return refused(exc)
    db.commit()
    flash(request, f"{kind} {created.name} ({created.id}) registered.", "success")
    return _see_other(f"/admin/{kind.lower()}s")


def _organisation_field(exc: TenancyError, organisation_type: str, region: str) -> str:
    message = str(exc)
    if isinstance(exc, AlreadyExistsError) or " id" in message:
        return "organisation_id"
    if organisation_type.strip() and repr(organisation_type.strip()) in message:
        return "organisation_type"
    if region.strip() and repr(region.strip()) in message:
        return "region"
    return "name"


# Networks ------------------------------------------------------------------------------


def _networks_page(
    request: Request,
    db: PortalDb,
    *,
    values: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Networks",
        "networks": tenancy.list_networks(db),
        "values": values or {},
        "errors": errors or [],
    }
    return render(request, "admin/networks.html", context, status_code=status_code)


@router.get("/networks", response_class=HTMLResponse)
def networks(request: Request, user: AdminUser, db: PortalDb) -> Response:
    """Every network with its number of members, and the form to register one."""
    return _networks_page(request, db)


@router.post("/networks", response_class=HTMLResponse)
def create_network(
    request: Request,
    user: AdminUser,
    db: PortalDb,
    network_id: OptionalText = "",
    name: OptionalText = "",
) -> Response:
    """Register a network (as ``peerbench admin create-network`` does)."""
    values = {"network_id": network_id.strip(), "name": name}
    return _registered(
        request,
        db,
        "Network",
        lambda: tenancy.create_network(db, id=network_id.strip(), name=name, actor=user.id),
        lambda exc: _networks_page(
            request,
            db,
            values=values,
            errors=field_error("name" if "name" in str(exc) else "network_id", exc),
            status_code=422,
        ),
    )


# Users ---------------------------------------------------------------------------------


def scope_options(db: PortalDb) -> dict[str, list[tuple[str, str]]]:
    """The choices of role, organisation and network for an invitation or a key."""
    return {
        "roles": [(role.value, label) for role, label in ROLE_LABELS.items()],
        "organisations": [("", "None")]
        + [(o.id, f"{o.name} ({o.id})") for o in tenancy.list_organisations(db)],
        "networks": [("", "None")]
        + [(n.id, f"{n.name} ({n.id})") for n, _ in tenancy.list_networks(db)],
    }


def _users_page(
    request: Request,
    db: PortalDb,
    ctx: ServerContext,
    *,
    values: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    link: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Users",
        "users": [(u, status_of(u, now=ctx.now())) for u in accounts.list_users(db)],
        "options": scope_options(db),
        "role_labels": ROLE_NAMES,
        "values": values or {"role": Role.SUBMITTER.value},
        "errors": errors or [],
        "link": link,
    }
    return render(request, "admin/users.html", context, status_code=status_code)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, user: AdminUser, db: PortalDb, ctx: PortalCtx) -> Response:
    """Every user with their role, scope and state; the invitation form."""
    return _users_page(request, db, ctx)


@router.post("/users", response_class=HTMLResponse)
def invite(
    request: Request,
    user: AdminUser,
    db: PortalDb,
    ctx: PortalCtx,
    email: OptionalText = "",
    name: OptionalText = "",
    role: OptionalText = "",
    organisation_id: OptionalText = "",
    network_id: OptionalText = "",
    project: OptionalText = "",
) -> Response:
    """Invite someone (as ``peerbench admin invite`` does); show the one-time link once."""
    values = {
        "email": email.strip(),
        "name": name,
        "role": role,
        "organisation_id": organisation_id,
        "network_id": network_id,
        "project": project,
    }
    try:
        invited, token = accounts.invite_user(
            db,
            email=email,
            role=role,
            organisation_id=blank(organisation_id),
            network_id=blank(network_id),
            project=blank(project),
            name=blank(name),
            actor=user.id,
            now=ctx.now(),
        )
    except (TenancyError, ValueError) as exc:
        db.rollback()
        return _users_page(
            request, db, ctx, values=values, errors=field_error(_user_field(exc), exc),
            status_code=422,
        )  # fmt: skip
    db.commit()
    return _users_page(request, db, ctx, link=_hand_over(ctx.settings, invited, token, "invite"))


def _hand_over(settings: Settings, person: User, token: str, kind: str) -> dict[str, str]:
    """The one-time link to show, emailed too where SMTP is set (as the CLI does)."""
    try:
        delivery = deliver(settings, person, token, kind)
        sent = f"It has also been emailed to {person.email}." if delivery.emailed else ""
    except MailError as exc:
        delivery = Delivery(link_url(settings, kind, token), emailed=False)
        sent = f"The email could not be sent ({exc}): pass the link on yourself."
    return {
        "kind": "invitation" if kind == "invite" else "sign-in link",
        "email": person.email,
        "url": delivery.url,
        "expires": expires_in_words(kind),
        "sent": sent,
    }


def _user_field(exc: Exception) -> str:
    message = str(exc).lower()
    for needle, field in (
        ("e-mail", "email"),
        ("email", "email"),
        ("project", "project"),
        ("organisation", "organisation_id"),
        ("network", "network_id"),
        ("role", "role"),
        ("name", "name"),
    ):
        if needle in message:
            return field
    return "email"


def _user(db: PortalDb, user_id: str) -> User | None:
    return db.get(User, user_id)


@router.post("/users/{user_id}/disable", response_class=HTMLResponse)
def disable(
    request: Request, user_id: str, user: AdminUser, db: PortalDb, ctx: PortalCtx
) -> Response:
    """Disable an account at once: its sessions end and it can no longer sign in."""
    target = _user(db, user_id)
    if target is None:
        flash(request, "There is no such user.", "error")
        return _see_other("/admin/users")
    accounts.disable_user(db, target.id, actor=user.id, now=ctx.now())
    db.commit()
    flash(request, f"{target.email} can no longer sign in; their sessions have ended.", "success")
    return _see_other("/admin/users")


@router.post("/users/{user_id}/sign-in-link", response_class=HTMLResponse)
def sign_in_link(
    request: Request, user_id: str, user: AdminUser, db: PortalDb, ctx: PortalCtx
) -> Response:
    """Issue a one-time sign-in link for someone who cannot sign in; show it once."""
    target = _user(db, user_id)
    if target is None:
        flash(request, "There is no such user.", "error")
        return _see_other("/admin/users")
    try:
        token = accounts.issue_sign_in_link(db, target.id, actor=user.id, now=ctx.now())
    except ValueError as exc:
        db.rollback()
        flash(request, f"No link for {target.email}: {exc}.", "error")
        return _see_other("/admin/users")
    db.commit()
    return _users_page(request, db, ctx, link=_hand_over(ctx.settings, target, token, "sign-in"))
