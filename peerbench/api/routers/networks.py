"""``/v1/networks``: networks and their member organisations (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from peerbench.api.deps import AdminKey, SessionDep
from peerbench.api.schemas import (
    ErrorEnvelope,
    MemberCreate,
    MemberPublic,
    NetworkCreate,
    NetworkPublic,
)
from peerbench.server.tenancy import add_member, create_network

router = APIRouter(prefix="/v1/networks", tags=["networks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 409, 422)
}


@router.post("", status_code=201, response_model=NetworkPublic, responses=_ERRORS)
def add_network(body: NetworkCreate, session: SessionDep, key: AdminKey) -> NetworkPublic:
    """Register a network that benchmarks over its member organisations."""
    network = create_network(session, id=body.id, name=body.name, actor=key.id)
    session.commit()
    return NetworkPublic(id=network.id, name=network.name, created_at=network.created_at)


@router.post(
    "/{network_id}/members", status_code=201, response_model=MemberPublic, responses=_ERRORS
)
def add_network_member(
    network_id: str, body: MemberCreate, session: SessionDep, key: AdminKey
) -> MemberPublic:
    """Make an organisation a member under a data-sharing agreement."""
    member = add_member(
        session,
        network_id=network_id,
        organisation_id=body.organisation_id,
        agreement_reference=body.agreement_reference,
        agreement_start=body.agreement_start,
        actor=key.id,
    )
    session.commit()
    return MemberPublic(
        network_id=member.network_id,
        organisation_id=member.organisation_id,
        agreement_reference=member.agreement_reference,
        agreement_start=member.agreement_start,
    )
