"""API keys: made for a role and scope, revoked, listed.

Only a key's hash is stored; every change writes an audit event in the same
transaction (see :mod:`peerbench.server.tenancy`, which callers import these from).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.db.models import ApiKey, Role, utcnow
from peerbench.server.keys import display_prefix, hash_key, new_api_key
from peerbench.server.tenancy_base import NotFoundError, check_scope, get_network, get_organisation


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
