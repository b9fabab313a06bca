"""The audit log: who did what, and when, to which organisation's data.

Events are written in the same transaction as the change they describe, so the log
never claims something that was rolled back, nor misses something that was committed.
Reads, which change nothing, are queued and committed in batches instead
(:mod:`peerbench.server.read_audit`); :func:`query` waits for those queued first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server.db.models import AuditEvent
from peerbench.server.read_audit import flush_pending

ADMIN_CLI_ACTOR = "admin-cli"
"""The actor recorded for changes made with ``peerbench admin``."""

ACTIONS = (
    "submission.created",
    "submission.status",
    "download",
    "key.created",
    "key.revoked",
    "organisation.created",
    "network.created",
    "member.added",
    "member.updated",
    "coverage.read",
    "benchmark.read",
    "report.read",
    "directory.read",
    "submission.read",
    "sign-in.succeeded",
    "sign-in.failed",
    "sign-in.locked",
    "sign-in-link.issued",
    "sign-out",
    "user.invited",
    "user.activated",
    "user.disabled",
    "password.changed",
    "portal.read",
    "upload.staged",
    "upload.prepared",
    "mapping.saved",
    "mapping.deleted",
)
"""The actions the server records (documentation; :func:`record` accepts any)."""


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    organisation_id: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to ``session`` (committed with the caller's transaction).

    Args:
        session: The session making the change being audited.
        actor: API key id, portal user id, or :data:`ADMIN_CLI_ACTOR`.
        action: One of :data:`ACTIONS`, e.g. ``"submission.created"``.
        organisation_id: The organisation whose data or settings were touched.
        target: What was acted on (a submission id, key id, file name...).
        details: JSON-serialisable extras. Never put a secret or raw identifier here.
    """
    event = AuditEvent(
        actor=actor,
        action=action,
        organisation_id=organisation_id,
        target=target,
        details=dict(details or {}),
    )
    session.add(event)
    return event


def query(
    session: Session,
    *,
    action: str | None = None,
    organisation_id: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Recent audit events, newest first.

    Args:
        session: An open session.
        action: Only this action.
        organisation_id: Only events about this organisation.
        since: Only events at or after this time (naive times are taken as UTC).
        limit: At most this many events.
    """
    flush_pending(session.get_bind().engine)  # reads answered before this query count
    statement = select(AuditEvent)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if organisation_id is not None:
        statement = statement.where(AuditEvent.organisation_id == organisation_id)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    # id breaks ties between events written within the same clock tick.
    statement = statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(statement))
