"""Build response models from storage rows, field by field (never ``from_orm`` wholesale).

Only what a client may see is copied, so adding a column to a storage model can never
leak it. Submission views also gather pool lineage: which record types are current and
which earlier submissions this one superseded.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.api.schemas import (
    AuditEventPublic,
    KeyPublic,
    PoolVersionPublic,
    SubmissionPublic,
)
from peerbench.server.db.models import (
    ApiKey,
    AuditEvent,
    PoolVersion,
    Role,
    Submission,
    SubmissionStatus,
)


def key_view(key: ApiKey) -> KeyPublic:
    """A key without its hash."""
    return KeyPublic(
        id=key.id,
        prefix=key.key_prefix,
        role=Role(key.role),
        organisation_id=key.organisation_id,
        network_id=key.network_id,
        project=key.project,
        label=key.label,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


def audit_view(event: AuditEvent) -> AuditEventPublic:
    """An audit event."""
    return AuditEventPublic(
        id=event.id,
        at=event.at,
        actor=event.actor,
        action=event.action,
        organisation_id=event.organisation_id,
        target=event.target,
        details=dict(event.details or {}),
    )


def _versions(session: Session, ids: Sequence[str]) -> dict[str, list[PoolVersion]]:
    found: dict[str, list[PoolVersion]] = {sid: [] for sid in ids}
    if ids:
        statement = select(PoolVersion).where(PoolVersion.submission_id.in_(list(ids)))
        for version in session.scalars(statement.order_by(PoolVersion.record_type)):
            found[version.submission_id].append(version)
    return found


def _superseded(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {sid: [] for sid in ids}
    if ids:
        statement = (
            select(PoolVersion.superseded_by, PoolVersion.submission_id)
            .where(PoolVersion.superseded_by.in_(list(ids)))
            .distinct()
        )
        for by, replaced in session.execute(statement):
            if by is not None and replaced not in found[by]:
                found[by].append(replaced)
    return found


def submission_views(
    session: Session, submissions: Sequence[Submission], base_url: str
) -> list[SubmissionPublic]:
    """Views of several submissions with their pool lineage (two queries in all)."""
    ids = [s.id for s in submissions]
    versions, replaced = _versions(session, ids), _superseded(session, ids)
    views = []
    for submission in submissions:
        own = versions[submission.id]
        url = f"{base_url.rstrip('/')}/v1/submissions/{submission.id}"
        views.append(
            SubmissionPublic(
                id=submission.id,
                organisation_id=submission.organisation_id,
                period=submission.period,
                status=SubmissionStatus(submission.status),
                standard_version=submission.standard_version,
                files=list(submission.file_names or []),
                record_types=list(submission.record_types or []),
                rows=submission.rows,
                errors=submission.errors,
                warnings=submission.warnings,
                failure=submission.failure,
                created_at=submission.created_at,
                completed_at=submission.completed_at,
                is_current=any(v.is_current for v in own),
                versions=[
                    PoolVersionPublic(
                        record_type=v.record_type,
                        rows=v.rows,
                        is_current=v.is_current,
                        superseded_by=v.superseded_by,
                    )
                    for v in own
                ],
                supersedes=sorted(replaced[submission.id]),
                status_url=url,
                report_url=f"{url}/report",
            )
        )
    return views


def submission_view(session: Session, submission: Submission, base_url: str) -> SubmissionPublic:
    """The view of one submission."""
    return submission_views(session, [submission], base_url)[0]
