"""What every tenancy change shares: its errors, id/name/code checks, lookups and scopes.

:mod:`peerbench.server.tenancy` is the one place callers import these from.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.fields import ID_PATTERN
from peerbench.server.db.models import Network, Organisation, Role

_ID = re.compile(ID_PATTERN)


class TenancyError(ValueError):
    """A tenancy change was refused; the message says why in plain English."""


class AlreadyExistsError(TenancyError):
    """Something with that id already exists."""


class NotFoundError(TenancyError):
    """No organisation, network or key has that id."""


class InvalidValueError(TenancyError):
    """An id, code or scope is not acceptable."""


def _check_id(kind: str, value: str) -> str:
    # Ids become path components in the pooled store, so they must be plain.
    if not _ID.match(value):
        raise InvalidValueError(
            f"{value!r} is not a valid {kind} id: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def _check_name(kind: str, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidValueError(f"the {kind} name must be 1-200 characters")
    return name


def _code(codelist: type[CodeList], value: str | None) -> str | None:
    if value is None:
        return None
    code = codelist.lookup().get(value.strip().casefold())
    if code is None:
        raise InvalidValueError(
            f"{value!r} is not a valid {codelist.codelist_name()}; use one of: "
            + ", ".join(codelist.codes())
        )
    return code


def get_organisation(session: Session, organisation_id: str) -> Organisation:
    """The organisation with this id, or :class:`NotFoundError`."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError(f"there is no organisation with id {organisation_id!r}")
    return organisation


def get_network(session: Session, network_id: str) -> Network:
    """The network with this id, or :class:`NotFoundError`."""
    network = session.get(Network, network_id)
    if network is None:
        raise NotFoundError(f"there is no network with id {network_id!r}")
    return network


def check_scope(
    role: Role,
    organisation_id: str | None,
    network_id: str | None,
    project: str | None,
    *,
    what: str = "key",
) -> None:
    """Refuse scopes that do not fit the role, so a key (or a portal user, ``what="user"``)
    can never be ambiguous."""
    if project is not None and role is not Role.RESEARCHER:
        raise InvalidValueError(f"only researcher {what}s have a project")
    if role is Role.SUBMITTER and (organisation_id is None or network_id is not None):
        raise InvalidValueError(f"a submitter {what} needs an organisation (and no network)")
    if role is Role.NETWORK_ANALYST and (network_id is None or organisation_id is not None):
        raise InvalidValueError(f"a network-analyst {what} needs a network (and no organisation)")
    if role is Role.RESEARCHER:
        if not (project or "").strip():
            raise InvalidValueError(f"a researcher {what} needs the approved project it serves")
        if (organisation_id is None) == (network_id is None):
            raise InvalidValueError(
                f"a researcher {what} needs exactly one scope: a network or an organisation"
            )
    if role is Role.ADMIN and (organisation_id is not None or network_id is not None):
        raise InvalidValueError(f"an admin {what} has no organisation or network")
