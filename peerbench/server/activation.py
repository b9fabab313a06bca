"""Serialising pool activations, and the metadata recorded when a file is activated.

Activations of one organisation's period run one transaction at a time. Used by
:meth:`peerbench.server.store.PooledStore.activate`, so that concurrent
submissions for the same organisation and period end with the newest current and the
others superseded, never with a unique-index violation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import false, func, insert, select, update
from sqlalchemy.orm import Session

from peerbench.server.db.models import PoolService, PoolVersion, Submission


def lock_period(session: Session, organisation_id: str, period: str) -> None:
    """Hold, until the transaction ends, the lock on one organisation's period.

    PostgreSQL takes a transaction-scoped advisory lock keyed by the pair, so racing
    activations for the same period queue instead of failing on the "one current"
    index. SQLite allows one writer at a time: a write statement that changes nothing
    takes the database's write lock now, so what is read next is the latest commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{organisation_id}\0{period}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))
    else:
        session.execute(update(PoolVersion).where(false()).values(is_current=False))


def registered_later(session: Session, submission_id: str, than: str) -> bool:
    """Whether ``submission_id`` was registered after ``than`` (ids break exact ties)."""
    found = session.execute(
        select(Submission.id, Submission.created_at).where(Submission.id.in_([submission_id, than]))
    )
    rows = {row.id: row.created_at for row in found}
    if submission_id not in rows or than not in rows:
        return False
    return (rows[submission_id], submission_id) > (rows[than], than)


def index_services(session: Session, version_id: int, services: Sequence[tuple[str, str]]) -> None:
    """Record the services of one pooled ``service`` file: ``(service_id, organisation_id)``.

    The ownership index (:class:`~peerbench.server.db.models.PoolService`) that lets a
    submission's ownership check read the database instead of the pool's files.
    """
    rows = [
        {"pool_version_id": version_id, "service_id": service, "organisation_id": owner}
        for service, owner in dict(services).items()
    ]
    if rows:
        session.execute(insert(PoolService), rows)
