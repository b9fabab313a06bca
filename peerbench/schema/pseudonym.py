"""Keyed-hash pseudonyms for participants, made at source (SPEC "Pseudonymisation").

An organisation keeps a secret key that never leaves it. The participant key is the
first 128 bits of HMAC-SHA256(secret, normalised local id), written as 32 hex digits:
the same local id and key always give the same pseudonym, and without the key the
pseudonym cannot be reversed or recomputed from a guessed id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

KEY_PREFIX = "peerbench-key-v1:"
KEY_BYTES = 32
_SPACE = re.compile(r"\s+")


def normalise_local_id(local_id: str) -> str:
    """Normalise a local id so trivial differences (case, spaces) give one pseudonym."""
    return _SPACE.sub("", local_id).casefold()


def participant_key(local_id: str, secret: bytes) -> str:
    """The pseudonymous participant key for ``local_id`` under the organisation's ``secret``."""
    if len(secret) < 16:
        raise ValueError("the pseudonymisation secret must be at least 16 bytes")
    digest = hmac.new(secret, normalise_local_id(local_id).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def participant_keys(local_ids: Iterable[str], secret: bytes) -> list[str]:
    """Pseudonymise many local ids with one secret (a list in, a list out)."""
    return [participant_key(local_id, secret) for local_id in local_ids]


def new_secret() -> bytes:
    """A fresh random 256-bit organisation secret."""
    return secrets.token_bytes(KEY_BYTES)


def format_key_file(secret: bytes) -> str:
    """The text of a key file holding ``secret``."""
    return f"{KEY_PREFIX}{secret.hex()}\n"


def read_key_file(path: Path) -> bytes:
    """Read an organisation secret written by :func:`format_key_file`.

    Raises:
        ValueError: the file is not a peerbench key file.
    """
    return parse_key(path.read_text(encoding="utf-8"), str(path))


def parse_key(text: str, source: str = "the key file") -> bytes:
    """The organisation secret in the text of a key file (``source`` names it in errors).

    Raises:
        ValueError: the text is not a peerbench key file.
    """
    text = text.strip()
    if not text.startswith(KEY_PREFIX):
        raise ValueError(f"{source} is not a peerbench key file (it should start {KEY_PREFIX!r})")
    try:
        secret = bytes.fromhex(text[len(KEY_PREFIX) :])
    except ValueError as exc:
        raise ValueError(f"{source}: the key is not valid hexadecimal") from exc
    if len(secret) != KEY_BYTES:
        raise ValueError(f"{source}: the key must be {KEY_BYTES} bytes")
    return secret
