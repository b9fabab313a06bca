"""Which submissions a reader sees, newest first: one query for the API and the portal.

``GET /v1/submissions`` and the portal's submission history both call
:func:`list_submissions`, so a coordinator's history page and the API list the same
submissions in the same order.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbench.server.db.models import Submission

__all__ = ["list_submissions"]


def list_submissions(
    session: Session,
    *,
    scope: Collection[str] | None,
    period: str | None = None,
    status: str | None = None,
    organisation_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Submission], int]:
    """A page of submissions, newest first (earlier versions included), and the total.

    Args:
        session: An open session.
        scope: The organisations the reader may see (None: every organisation).
        period: Only this quarter.
        status: Only this status (a ``SubmissionStatus`` value).
        organisation_id: Only this organisation (within ``scope``).
        limit: At most this many.
        offset: Skip this many first.
    """
    statement = select(Submission)
    if scope is not None:
        statement = statement.where(Submission.organisation_id.in_(sorted(scope)))
    if period is not None:
        statement = statement.where(Submission.period == period)
    if status is not None:
        statement = statement.where(Submission.status == status)
    if organisation_id is not None:
        statement = statement.where(Submission.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = session.scalars(
        statement.order_by(Submission.created_at.desc(), Submission.id).limit(limit).offset(offset)
    )
    return list(page), total
