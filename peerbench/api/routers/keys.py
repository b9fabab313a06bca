"""``/v1/keys``: make, list and revoke API keys (admin). A secret is returned once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from peerbench.api.deps import AdminKey, SessionDep
from peerbench.api.schemas import ErrorEnvelope, KeyCreate, KeyCreated, KeyPublic
from peerbench.api.views import key_view
from peerbench.server.tenancy import create_key, list_keys, revoke_key

router = APIRouter(prefix="/v1/keys", tags=["keys"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}


@router.post("", status_code=201, response_model=KeyCreated, responses=_ERRORS)
def add_key(body: KeyCreate, session: SessionDep, key: AdminKey) -> KeyCreated:
    """Make a key. The response is the only time its secret is shown: store it now."""
    created, secret = create_key(
        session,
        role=body.role,
        organisation_id=body.organisation_id,
        network_id=body.network_id,
        project=body.project,
        label=body.label,
        actor=key.id,
    )
    session.commit()
    return KeyCreated(**key_view(created).model_dump(), secret=secret)


@router.get("", response_model=list[KeyPublic], responses=_ERRORS)
def get_keys(session: SessionDep, key: AdminKey) -> list[KeyPublic]:
    """Every key (revoked ones too), without secrets or hashes."""
    return [key_view(k) for k in list_keys(session)]


@router.delete("/{key_id}", response_model=KeyPublic, responses=_ERRORS)
def delete_key(key_id: str, session: SessionDep, key: AdminKey) -> KeyPublic:
    """Revoke a key at once (it stays listed, with ``revoked_at``)."""
    revoked = revoke_key(session, key_id, actor=key.id)
    session.commit()
    return key_view(revoked)
