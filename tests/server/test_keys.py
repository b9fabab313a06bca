"""API keys: 256-bit secrets, only hashes stored, revoked keys refused."""

from __future__ import annotations

import base64

from sqlalchemy import select

from peerbench.server import tenancy
from peerbench.server.db.models import ApiKey, Role
from peerbench.server.db.session import Database
from peerbench.server.keys import authenticate, hash_key, new_api_key


def test_new_key_has_256_bits() -> None:
    key = new_api_key()
    assert key.startswith("pbk_")
    body = key.removeprefix("pbk_")
    assert len(base64.urlsafe_b64decode(body + "=")) == 32
    assert new_api_key() != key


def test_hash_is_sha256_hex() -> None:
    digest = hash_key("pbk_abc")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert hash_key("pbk_abc") == digest != hash_key("pbk_abd")


def _make_key(db: Database) -> tuple[str, str]:
    with db.session() as session:
        tenancy.create_organisation(session, id="org1", name="Org One")
        key, secret = tenancy.create_key(session, role=Role.SUBMITTER, organisation_id="org1")
    return key.id, secret


def test_only_the_hash_is_stored(db: Database) -> None:
    key_id, secret = _make_key(db)
    with db.session() as session:
        stored = session.scalars(select(ApiKey)).one()
        assert stored.id == key_id
        assert stored.key_hash == hash_key(secret)
        assert secret not in {str(v) for v in vars(stored).values()}
        assert secret.startswith(stored.key_prefix)
        assert len(stored.key_prefix) < len(secret) // 3


def test_authenticate_accepts_the_right_key(db: Database) -> None:
    key_id, secret = _make_key(db)
    with db.session() as session:
        found = authenticate(session, secret)
        assert found is not None
        assert found.id == key_id
        assert found.role == Role.SUBMITTER
        assert found.organisation_id == "org1"


def test_authenticate_refuses_wrong_and_malformed_keys(db: Database) -> None:
    _, secret = _make_key(db)
    with db.session() as session:
        assert authenticate(session, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
        assert authenticate(session, new_api_key()) is None
        assert authenticate(session, "") is None
        assert authenticate(session, hash_key(secret)) is None  # the hash is not the key
        assert authenticate(session, "pbk_" + "x" * 10_000) is None


def test_authenticate_refuses_revoked_keys(db: Database) -> None:
    key_id, secret = _make_key(db)
    with db.session() as session:
        tenancy.revoke_key(session, key_id)
    with db.session() as session:
        assert authenticate(session, secret) is None
