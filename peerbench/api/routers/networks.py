"""``/v1/networks``: networks, their member organisations and their coverage.

Creating networks and members is for admins. A network's coverage (each member's
submission status by quarter, :func:`peerbench.server.coverage.network_coverage`) is for
admins and the network's own analysts; the portal's network home shows the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from peerbench.api.deps import AdminKey, ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import Forbidden
from peerbench.api.schemas import (
    ErrorEnvelope,
    MemberCreate,
    MemberPublic,
    NetworkCreate,
    NetworkPublic,
    Strict,
)
from peerbench.server.coverage import MAX_QUARTERS, network_coverage
from peerbench.server.db.models import Membership, Role
from peerbench.server.tenancy import add_member, create_network, update_member

router = APIRouter(prefix="/v1/networks", tags=["networks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 409, 422)
}


class MemberUpdate(Strict):
    """``PUT /v1/networks/{id}/members/{organisation_id}``: the agreement's new terms."""

    agreement_reference: str
    agreement_start: dt.date
    agreement_end: dt.date | None = None


class CoverageCellPublic(BaseModel):
    """One member's quarter (see :class:`peerbench.server.coverage.CellStatus`)."""

    period: str
    status: str
    submission_id: str | None
    rows: int | None
    superseded: int
    attempts: int


class CoverageMemberPublic(BaseModel):
    """One member, its agreement and its quarters."""

    organisation_id: str
    name: str
    agreement_reference: str
    agreement_start: dt.date
    agreement_end: dt.date | None
    visible: bool
    cells: list[CoverageCellPublic]


class CoverageTotal(BaseModel):
    """Members with an accepted submission for a quarter, out of those expected."""

    period: str
    submitted: int
    expected: int


class CoveragePage(BaseModel):
    """``GET /v1/networks/{id}/coverage``."""

    network_id: str
    network_name: str
    as_of: dt.date
    quarters: list[str]
    members: list[CoverageMemberPublic]
    totals: list[CoverageTotal]


def _public(member: Membership) -> MemberPublic:
    return MemberPublic(
        network_id=member.network_id,
        organisation_id=member.organisation_id,
        agreement_reference=member.agreement_reference,
        agreement_start=member.agreement_start,
        agreement_end=member.agreement_end,
    )


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
        agreement_end=body.agreement_end,
        actor=key.id,
    )
    session.commit()
    return _public(member)


@router.put(
    "/{network_id}/members/{organisation_id}", response_model=MemberPublic, responses=_ERRORS
)
def update_network_member(
    network_id: str, organisation_id: str, body: MemberUpdate, session: SessionDep, key: AdminKey
) -> MemberPublic:
    """Change a member's agreement: reference, start and (optional) end date."""
    member = update_member(
        session,
        network_id=network_id,
        organisation_id=organisation_id,
        agreement_reference=body.agreement_reference,
        agreement_start=body.agreement_start,
        agreement_end=body.agreement_end,
        actor=key.id,
    )
    session.commit()
    return _public(member)


@router.get("/{network_id}/coverage", response_model=CoveragePage, responses=_ERRORS)
def get_coverage(
    network_id: str,
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    quarters: Annotated[
        int, Query(ge=1, le=MAX_QUARTERS, description="The most recent quarters shown.")
    ] = MAX_QUARTERS,
) -> dict[str, Any]:
    """Each member's submission status by quarter, with its agreement dates.

    For admins and the network's own analysts. Cells of a member outside its agreement
    window today say nothing about its submissions.
    """
    if not (
        key.role == Role.ADMIN.value
        or (key.role == Role.NETWORK_ANALYST.value and key.network_id == network_id)
    ):
        raise Forbidden("Only admins and this network's analysts may read its coverage.")
    coverage = network_coverage(session, network_id, as_of=ctx.today(), max_quarters=quarters)
    ctx.read_audit().record(
        actor=key.id,
        action="coverage.read",
        organisation_id=key.organisation_id,
        target=network_id,
    )
    return coverage.to_dict()
