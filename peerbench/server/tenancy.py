"""Organisations, networks, memberships and API keys: who may see whose data.

Every change writes an audit event in the same transaction. The caller's session commits
(``Database.session()`` does so when its block ends). This module registers
organisations and networks and is the one import for the rest, kept by responsibility
in :mod:`~peerbench.server.tenancy_base` (errors, checks, lookups, scopes),
:mod:`~peerbench.server.tenancy_members` (memberships and visibility) and
:mod:`~peerbench.server.tenancy_keys` (API keys).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbench.schema.codelists import OrganisationType, Region
from peerbench.server import audit
from peerbench.server.db.models import Membership, Network, Organisation
from peerbench.server.tenancy_base import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    TenancyError,
    _check_id,
    _check_name,
    _code,
    check_scope,
    get_network,
    get_organisation,
)
from peerbench.server.tenancy_keys import create_key, list_keys, revoke_key
from peerbench.server.tenancy_members import (
    add_member,
    get_member,
    list_members,
    network_member_ids,
    networks_of,
    pending_networks_of,
    update_member,
)

__all__ = [
    "AlreadyExistsError",
    "InvalidValueError",
    "NotFoundError",
    "TenancyError",
    "add_member",
    "check_scope",
    "create_key",
    "create_network",
    "create_organisation",
    "get_member",
    "get_network",
    "get_organisation",
    "list_keys",
    "list_members",
    "list_networks",
    "list_organisations",
    "network_member_ids",
    "networks_of",
    "pending_networks_of",
    "revoke_key",
    "update_member",
]


def create_organisation(
    session: Session,
    *,
    id: str,
    name: str,
    organisation_type: str | None = None,
    region: str | None = None,
    actor: str = audit.ADMIN_CLI_ACTOR,
) -> Organisation:
    """Register an organisation that may submit data.

    ``organisation_type`` and ``region`` accept the standard's codes, labels or synonyms
    (e.g. ``"Registered charity"``) and are stored as codes.
    """
    _check_id("organisation", id)
    if session.get(Organisation, id) is not None:
        raise AlreadyExistsError(f"an organisation with id {id!r} already exists")
    organisation = Organisation(
        id=id,
        name=_check_name("organisation", name),
        organisation_type=_code(OrganisationType, organisation_type),
        region=_code(Region, region),
    )
    session.add(organisation)
    audit.record(session, actor=actor, action="organisation.created", organisation_id=id, target=id)
    session.flush()
    return organisation


def create_network(
    session: Session, *, id: str, name: str, actor: str = audit.ADMIN_CLI_ACTOR
) -> Network:
    """Register a network (e.g. a national charity) that benchmarks over its members."""
    _check_id("network", id)
    if session.get(Network, id) is not None:
        raise AlreadyExistsError(f"a network with id {id!r} already exists")
    network = Network(id=id, name=_check_name("network", name))
    session.add(network)
    audit.record(session, actor=actor, action="network.created", target=id)
    session.flush()
    return network


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by id (``GET /v1/organisations`` and the admin pages)."""
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def list_networks(session: Session) -> list[tuple[Network, int]]:
    """Every network, by id, with its number of member organisations (any agreement date)."""
    members = (
        select(func.count())
        .where(Membership.network_id == Network.id)
        .correlate(Network)
        .scalar_subquery()
    )
    rows = session.execute(select(Network, members).order_by(Network.id))
    return [(network, count) for network, count in rows]
