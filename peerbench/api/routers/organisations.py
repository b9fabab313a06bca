"""``/v1/organisations``: register organisations (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from peerbench.api.deps import AdminKey, SessionDep
from peerbench.api.schemas import ErrorEnvelope, OrganisationCreate, OrganisationPublic
from peerbench.server.db.models import Organisation
from peerbench.server.tenancy import create_organisation
from peerbench.server.tenancy import list_organisations as all_organisations

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 409, 422)
}


def organisation_view(organisation: Organisation) -> OrganisationPublic:
    """An organisation as the API shows it."""
    return OrganisationPublic(
        id=organisation.id,
        name=organisation.name,
        organisation_type=organisation.organisation_type,
        region=organisation.region,
        created_at=organisation.created_at,
    )


@router.post("", status_code=201, response_model=OrganisationPublic, responses=_ERRORS)
def add_organisation(
    body: OrganisationCreate, session: SessionDep, key: AdminKey
) -> OrganisationPublic:
    """Register an organisation that may submit data."""
    organisation = create_organisation(
        session,
        id=body.id,
        name=body.name,
        organisation_type=body.organisation_type,
        region=body.region,
        actor=key.id,
    )
    session.commit()
    return organisation_view(organisation)


@router.get("", response_model=list[OrganisationPublic], responses=_ERRORS)
def list_organisations(session: SessionDep, key: AdminKey) -> list[OrganisationPublic]:
    """Every organisation, by id."""
    return [organisation_view(o) for o in all_organisations(session)]
