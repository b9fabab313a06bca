"""Whose data a principal (API key or portal user) may read.

The JSON API and the portal both ask these functions, so a page can never show more
than the API would to the same person.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from peerbench.server.db.models import Role
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
