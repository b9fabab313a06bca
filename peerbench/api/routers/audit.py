"""``/v1/audit``: the audit log (admin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter

from peerbench.api.deps import AdminKey, SessionDep
from peerbench.api.params import AuditLimit
from peerbench.api.schemas import AuditPage, ErrorEnvelope
from peerbench.api.views import audit_view
from peerbench.server import audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 422)
}


@router.get("", response_model=AuditPage, responses=_ERRORS)
def get_audit(
    session: SessionDep,
    key: AdminKey,
    action: str | None = None,
    organisation_id: str | None = None,
    since: dt.datetime | None = None,
    limit: AuditLimit = 100,
) -> AuditPage:
    """Recent events, newest first: submissions, status changes, downloads, keys."""
    events = audit.query(
        session, action=action, organisation_id=organisation_id, since=since, limit=limit
    )
    return AuditPage(items=[audit_view(e) for e in events])
