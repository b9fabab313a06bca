"""Who owns each service in the current pool, from the database, not the pool's files.

A submission may only use its own organisation's services and may not claim another's
(:func:`peerbench.server.submission_checks.check_claimed_services`). The owners come
from the ownership index (:class:`~peerbench.server.db.models.PoolService`), written when
a ``service`` file is activated, so the check costs one query whatever the pool's size.
Service files activated before the index existed are indexed the first time they are
met (read once, recorded, never read again).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerbench.server.activation import index_services
from peerbench.server.db.models import PoolService, PoolVersion
from peerbench.server.db.session import Database
from peerbench.server.store import PooledStore

log = logging.getLogger("peerbench.server")

_CURRENT_SERVICE = (PoolVersion.record_type == "service", PoolVersion.is_current.is_(True))


def unindexed_versions(session: Session) -> list[tuple[int, str]]:
    """``(version id, path)`` of current service files with rows but no index entries."""
    indexed = exists().where(PoolService.pool_version_id == PoolVersion.id)
    statement = select(PoolVersion.id, PoolVersion.path).where(
        *_CURRENT_SERVICE, PoolVersion.rows > 0, ~indexed
    )
    return [(int(row.id), str(row.path)) for row in session.execute(statement)]


def backfill(store: PooledStore, db: Database) -> int:
    """Index current service files that have no index entries; returns how many.

    Safe to run from several processes at once: a file another process indexed first is
    left alone (the insert of the slower one fails as a whole and is rolled back).
    """
    done = 0
    with db.session() as session:
        missing = unindexed_versions(session)
    for version_id, path in missing:
        try:
            with db.session() as session:
                index_services(session, version_id, store.service_pairs(path))
            done += 1
        except IntegrityError:
            log.info("service file %s was indexed by another process", path)
    return done


def service_owners(
    session: Session,
    *,
    organisation_id: str | None = None,
    service_ids: Collection[str] | None = None,
    store: PooledStore | None = None,
) -> dict[str, str]:
    """``service_id → organisation_id`` of the services in the current pool.

    Where a service id appears under two organisations, the one read last in the
    pool's order (organisation, then period) wins, as reading the files would give.

    Args:
        session: An open session.
        organisation_id: With ``service_ids``, limit the answer to the services that
            matter to this organisation's submission: its own and those it sends.
        service_ids: The service ids a submission sends.
        store: Reads current service files not yet indexed (None: they are skipped).
    """
    statement = select(
        PoolService.service_id,
        PoolService.organisation_id,
        PoolVersion.organisation_id.label("pool_organisation"),
        PoolVersion.period,
    ).join(PoolVersion, PoolVersion.id == PoolService.pool_version_id)
    statement = statement.where(*_CURRENT_SERVICE)
    if organisation_id is not None and service_ids is not None:
        own = select(PoolService.service_id).where(PoolService.organisation_id == organisation_id)
        statement = statement.where(
            or_(PoolService.service_id.in_(sorted(service_ids)), PoolService.service_id.in_(own))
        )
    found = [(r.pool_organisation, r.period, r.service_id, r.organisation_id)
             for r in session.execute(statement)]  # fmt: skip
    if store is not None:
        for version_id, path in unindexed_versions(session):
            version = session.get(PoolVersion, version_id)
            if version is not None:
                found += [(version.organisation_id, version.period, s, o)
                          for s, o in store.service_pairs(path)]  # fmt: skip
    # The pool's read order (organisation, period; one file per pair), last one wins.
    found.sort(key=lambda row: (row[0], row[1]))
    return {str(service): str(owner) for _, _, service, owner in found}
