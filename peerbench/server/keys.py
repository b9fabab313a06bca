"""API keys: made once, shown once, stored only as a hash.

Keys are 256-bit random tokens, so an unsalted SHA-256 is enough: there is nothing to
brute-force, and a plain hash lets the database find a key with one indexed lookup.
Never log a key; log its id or prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server.db.models import ApiKey

KEY_PREFIX = "pbk_"
"""Every key starts with this, so secret scanners and people can recognise one."""

KEY_BYTES = 32
"""256 bits of randomness."""

DISPLAY_PREFIX_LENGTH = 12
"""Characters kept in ``ApiKey.key_prefix`` to tell keys apart (48 of 256 bits)."""

_MAX_PRESENTED_LENGTH = 256
"""Longer strings are not keys; refuse them before hashing."""


def new_api_key() -> str:
    """A new secret API key: ``pbk_`` and 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)


def hash_key(key: str) -> str:
    """The SHA-256 hex digest stored in place of ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def display_prefix(key: str) -> str:
    """The start of ``key`` kept for listings (never enough to use it)."""
    return key[:DISPLAY_PREFIX_LENGTH]


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The active key matching ``presented``, or ``None`` (unknown, malformed or revoked).

    Args:
        session: An open database session.
        presented: The key as the client sent it (e.g. from ``Authorization: Bearer``).
    """
    if not presented.startswith(KEY_PREFIX) or len(presented) > _MAX_PRESENTED_LENGTH:
        return None
    digest = hash_key(presented)
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    # The indexed lookup already matched; compare again in constant time so that a
    # database collation or index quirk can never turn a near-miss into a match.
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    if key.revoked_at is not None:
        return None
    return key
