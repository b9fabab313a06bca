"""Admin pages for API keys (``/admin/keys``): list all, create (secret shown once), revoke.

The same :func:`~peerbench.server.tenancy.create_key`, ``list_keys`` and ``revoke_key``
as ``peerbench admin create-key`` and ``/v1/keys``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from peerbench.portal.deps import AdminUser, CsrfChecked, PortalDb
from peerbench.portal.routes_admin import ROLE_NAMES, blank, field_error, scope_options
from peerbench.portal.templating import flash, render
from peerbench.server import tenancy
from peerbench.server.db.models import Role
from peerbench.server.tenancy import TenancyError

router = APIRouter(prefix="/admin/keys", dependencies=[CsrfChecked], include_in_schema=False)

Text = Annotated[str, Form()]


def _keys_page(
    request: Request,
    db: PortalDb,
    *,
    values: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    created: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    keys = tenancy.list_keys(db)
    context = {
        "title": "API keys",
        "keys": keys,
        "active": sum(1 for key in keys if key.revoked_at is None),
        "options": scope_options(db),
        "role_labels": ROLE_NAMES,
        "values": values or {"role": Role.SUBMITTER.value},
        "errors": errors or [],
        "created": created,
    }
    return render(request, "admin/keys.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def keys(request: Request, user: AdminUser, db: PortalDb) -> Response:
    """Every key (revoked ones too), without secrets; the form to make one."""
    return _keys_page(request, db)


def _key_field(exc: TenancyError) -> str:
    message = str(exc).lower()
    for needle, field in (
        ("project", "project"),
        ("organisation", "organisation_id"),
        ("network", "network_id"),
    ):
        if needle in message:
            return field
    return "role"


@router.post("", response_class=HTMLResponse)
def create_key(
    request: Request,
    user: AdminUser,
    db: PortalDb,
    role: Text = "",
    organisation_id: Text = "",
    network_id: Text = "",
    project: Text = "",
    label: Text = "",
) -> Response:
    """Make a key; its secret is in this answer only."""
    values = {
        "role": role,
        "organisation_id": organisation_id,
        "network_id": network_id,
        "project": project,
        "label": label,
    }
    if role not in {r.value for r in Role}:
        error = [{"field_id": "role", "text": "Choose the role the key acts as."}]
        return _keys_page(request, db, values=values, errors=error, status_code=422)
    try:
        key, secret = tenancy.create_key(
            db,
            role=Role(role),
            organisation_id=blank(organisation_id),
            network_id=blank(network_id),
            project=blank(project),
            label=blank(label),
            actor=user.id,
        )
    except TenancyError as exc:
        db.rollback()
        errors = field_error(_key_field(exc), exc)
        return _keys_page(request, db, values=values, errors=errors, status_code=422)
    db.commit()
    return _keys_page(request, db, created={"id": key.id, "secret": secret})


@router.post("/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, key_id: str, user: AdminUser, db: PortalDb) -> Response:
    """Revoke a key at once; it stays listed."""
    try:
        revoked = tenancy.revoke_key(db, key_id, actor=user.id)
    except TenancyError as exc:
        db.rollback()
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/keys", status_code=303)
    db.commit()
    flash(request, f"Key {revoked.id} ({revoked.key_prefix}…) revoked.", "success")
    return RedirectResponse("/admin/keys", status_code=303)
