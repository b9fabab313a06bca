"""Organisations, networks, memberships and API keys: who may see whose data.

Every change writes an audit event in the same transaction. The caller's session commits
(``Database.session()`` does so when its block ends).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import OrganisationType, Region
from peerbench.schema.fields import ID_PATTERN
from peerbench.server import audit
from peerbench.server.db.models import ApiKey, Membership, Network, Organisation, Role, utcnow
from peerbench.server.keys import display_prefix, hash_key, new_api_key

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


def _check_reference(agreement_reference: str) -> str:
    reference = agreement_reference.strip()
    if not reference or len(reference) > 200:
        raise InvalidValueError("the agreement reference must be 1-200 characters")
    return reference


def _check_window(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise InvalidValueError(
            f"the agreement cannot end ({end.isoformat()}) before it starts ({start.isoformat()})"
        )


def add_member(
    session: Session,
    *,
    network_id: str,
    organisation_id: str,
    agreement_reference: str,
    agreement_start: dt.date,
    agreement_end: dt.date | None = None,
    actor: str = audit.ADMIN_CLI_ACTOR,
) -> Membership:
    """Make an organisation a member of a network under a data-sharing agreement.

    The network sees the organisation's data only from ``agreement_start`` and, when
    ``agreement_end`` is given, no longer after that day.
    """
    get_network(session, network_id)
    get_organisation(session, organisation_id)
    reference = _check_reference(agreement_reference)
    _check_window(agreement_start, agreement_end)
    if session.get(Membership, (network_id, organisation_id)) is not None:
        raise AlreadyExistsError(
            f"organisation {organisation_id!r} is already a member of network {network_id!r}"
        )
    membership = Membership(
        network_id=network_id,
        organisation_id=organisation_id,
        agreement_reference=reference,
        agreement_start=agreement_start,
        agreement_end=agreement_end,
    )
    session.add(membership)
    details = {"agreement_reference": reference, "agreement_start": agreement_start.isoformat()}
    if agreement_end is not None:
        details["agreement_end"] = agreement_end.isoformat()
    audit.record(
        session,
        actor=actor,
        action="member.added",
        organisation_id=organisation_id,
        target=network_id,
        details=details,
    )
    session.flush()
    return membership


def get_member(session: Session, network_id: str, organisation_id: str) -> Membership:
    """The membership of ``organisation_id`` in ``network_id``, or :class:`NotFoundError`."""
    membership = session.get(Membership, (network_id, organisation_id))
    if membership is None:
        raise NotFoundError(
            f"organisation {organisation_id!r} is not a member of network {network_id!r}"
        )
    return membership


def update_member(
    session: Session,
    *,
    network_id: str,
    organisation_id: str,
    agreement_reference: str,
    agreement_start: dt.date,
    agreement_end: dt.date | None,
    actor: str = audit.ADMIN_CLI_ACTOR,
) -> Membership:
    """Change a membership's agreement (reference and dates); audited as ``member.updated``.

    The audit event records each changed field with its old and new value. Saving the
    same values changes nothing and records nothing.
    """
    membership = get_member(session, network_id, organisation_id)
    reference = _check_reference(agreement_reference)
    _check_window(agreement_start, agreement_end)
    new = {
        "agreement_reference": reference,
        "agreement_start": agreement_start,
        "agreement_end": agreement_end,
    }
    changes: dict[str, object] = {}
    for name, value in new.items():
        old = getattr(membership, name)
        if old != value:
            changes[name] = {"from": _iso(old), "to": _iso(value)}
            setattr(membership, name, value)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="member.updated",
            organisation_id=organisation_id,
            target=network_id,
            details=changes,
        )
        session.flush()
    return membership


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def list_members(session: Session, network_id: str) -> list[Membership]:
    """Every membership of the network (whatever its dates), by organisation id.

    Raises:
        NotFoundError: no network has this id.
    """
    get_network(session, network_id)
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.network_id == network_id)
            .order_by(Membership.organisation_id)
        )
    )


def _in_window(day: dt.date) -> ColumnElement[bool]:
    """Memberships whose agreement covers ``day`` (started, and not yet ended)."""
    return (Membership.agreement_start <= day) & or_(
        Membership.agreement_end.is_(None), Membership.agreement_end >= day
    )


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


def create_key(
    session: Session,
    *,
    role: Role,
    organisation_id: str | None = None,
    network_id: str | None = None,
    project: str | None = None,
    label: str | None = None,
    actor: str = audit.ADMIN_CLI_ACTOR,
) -> tuple[ApiKey, str]:
    """Make an API key; returns the stored key and the secret, which is never stored.

    Show the secret to its owner once; only its hash is kept.

    Raises:
        InvalidValueError: the scope does not fit the role.
        NotFoundError: the organisation or network does not exist.
    """
    role = Role(role)
    check_scope(role, organisation_id, network_id, project)
    if organisation_id is not None:
        get_organisation(session, organisation_id)
    if network_id is not None:
        get_network(session, network_id)
    secret = new_api_key()
    key = ApiKey(
        id="key_" + secrets.token_hex(6),
        key_prefix=display_prefix(secret),
        key_hash=hash_key(secret),
        role=role.value,
        organisation_id=organisation_id,
        network_id=network_id,
        project=project.strip() if project else None,
        label=label,
    )
    session.add(key)
    audit.record(
        session,
        actor=actor,
        action="key.created",
        organisation_id=organisation_id,
        target=key.id,
        details={"role": role.value, "network_id": network_id, "project": key.project},
    )
    session.flush()
    return key, secret


def revoke_key(session: Session, key_id: str, *, actor: str = audit.ADMIN_CLI_ACTOR) -> ApiKey:
    """Revoke a key at once. Revoking a revoked key changes nothing and is not an error."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError(f"there is no API key with id {key_id!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="key.revoked",
            organisation_id=key.organisation_id,
            target=key.id,
        )
        session.flush()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first (revoked ones included, for the record)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def network_member_ids(
    session: Session, network_id: str, *, as_of: dt.date | None = None
) -> list[str]:
    """Ids of the organisations whose data the network may see on ``as_of``.

    An organisation counts only inside its agreement window: from ``agreement_start``
    to ``agreement_end`` (inclusive; open-ended when unset).

    Args:
        session: An open session.
        network_id: The network.
        as_of: The day to check; today (UTC) by default.

    Raises:
        NotFoundError: no network has this id.
    """
    day = as_of or utcnow().date()
    members = list(
        session.scalars(
            select(Membership.organisation_id)
            .where(Membership.network_id == network_id, _in_window(day))
            .order_by(Membership.organisation_id)
        )
    )
    if not members:
        get_network(session, network_id)  # An empty network is fine; a missing one is not.
    return members


def networks_of(
    session: Session, organisation_id: str, *, as_of: dt.date | None = None
) -> list[str]:
    """Ids of the networks whose members' data the organisation may see on ``as_of``.

    The agreement window applies in both directions: before its ``agreement_start`` and
    after its ``agreement_end`` an organisation neither shows its data to a network nor
    sees the network's.

    Args:
        session: An open session.
        organisation_id: The organisation.
        as_of: The day to check; today (UTC) by default.
    """
    day = as_of or utcnow().date()
    return list(
        session.scalars(
            select(Membership.network_id)
            .where(Membership.organisation_id == organisation_id, _in_window(day))
            .order_by(Membership.network_id)
        )
    )


def pending_networks_of(session: Session, organisation_id: str, *, as_of: dt.date) -> list[str]:
    """Ids of the networks the organisation has joined under an agreement not yet started."""
    return list(
        session.scalars(
            select(Membership.network_id)
            .where(
                Membership.organisation_id == organisation_id, Membership.agreement_start > as_of
            )
            .order_by(Membership.network_id)
        )
    )


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
