"""Network memberships under data-sharing agreements, and whose data each side sees.

Every change writes an audit event in the same transaction (see
:mod:`peerbench.server.tenancy`, which callers import these from).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.db.models import Membership, utcnow
from peerbench.server.tenancy_base import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    get_network,
    get_organisation,
)


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
