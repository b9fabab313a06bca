"""Whose data a principal (API key or portal user) may read.

The JSON API and the portal both ask these functions, so a page can never show more
than the API would to the same person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server.db.models import ApiKey, Role
from peerbench.server.principal import Principal
from peerbench.server.tenancy import network_member_ids


class NoAccess(PermissionError):
    """The principal's role may not read this kind of data; the message says so."""


def visible_organisations(
    session: Session, principal: Principal, *, as_of: dt.date | None = None
) -> set[str] | None:
    """Organisations whose submissions ``principal`` may read on ``as_of``; ``None``: all.

    Admins see every organisation; submitters their own; network analysts the members
    whose agreement has started on ``as_of``.

    Raises:
        NoAccess: the role has no access to submissions (researchers: extracts only).
    """
    if principal.role == Role.ADMIN.value:
        return None
    if principal.role == Role.SUBMITTER.value and principal.organisation_id:
        return {principal.organisation_id}
    if principal.role == Role.NETWORK_ANALYST.value and principal.network_id:
        return set(network_member_ids(session, principal.network_id, as_of=as_of))
    raise NoAccess("This role has no access to submissions.")


def same_scope(key: Principal, principal: Principal) -> bool:
    """Whether ``key`` has exactly ``principal``'s role and scope (so they may manage it)."""
    return (key.role, key.organisation_id, key.network_id, key.project) == (
        principal.role,
        principal.organisation_id,
        principal.network_id,
        principal.project,
    )


def keys_of_scope(session: Session, principal: Principal) -> list[ApiKey]:
    """The API keys with ``principal``'s role and scope, oldest first (revoked included)."""
    statement = (
        select(ApiKey)
        .where(
            ApiKey.role == principal.role,
            _equals(ApiKey.organisation_id, principal.organisation_id),
            _equals(ApiKey.network_id, principal.network_id),
            _equals(ApiKey.project, principal.project),
        )
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(session.scalars(statement))


def _equals(column: Any, value: str | None) -> Any:
    return column.is_(None) if value is None else column == value
