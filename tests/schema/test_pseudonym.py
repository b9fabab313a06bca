from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from peerbench.schema.pseudonym import (
    format_key_file,
    new_secret,
    participant_key,
    participant_keys,
    read_key_file,
)

SECRET = bytes(range(32))


def test_key_is_truncated_hmac_sha256_of_normalised_id() -> None:
    expected = hmac.new(SECRET, b"abc123", hashlib.sha256).hexdigest()[:32]
    assert participant_key(" ABC 123 ", SECRET) == expected
    assert participant_keys(["abc123", "ABC123"], SECRET) == [expected, expected]


def test_different_secrets_give_unlinkable_keys() -> None:
    assert participant_key("abc123", SECRET) != participant_key("abc123", new_secret())


def test_key_file_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "org.key"
    path.write_text(format_key_file(SECRET))
    assert read_key_file(path) == SECRET
    path.write_text("not a key")
    with pytest.raises(ValueError, match="not a peerbench key file"):
        read_key_file(path)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError):
        participant_key("x", b"short")


def test_sixteen_byte_secret_is_the_shortest_accepted() -> None:
    # The boundary itself: 16 bytes works, 15 is refused.
    expected = hmac.new(SECRET[:16], b"x", hashlib.sha256).hexdigest()[:32]
    assert participant_key("x", SECRET[:16]) == expected
    with pytest.raises(ValueError, match="at least 16 bytes"):
        participant_key("x", SECRET[:15])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("zz" * 32, "not valid hexadecimal"),
        ("abc", "not valid hexadecimal"),
        ("00" * 31, "must be 32 bytes"),
        ("00" * 33, "must be 32 bytes"),
        ("", "must be 32 bytes"),
    ],
)
def test_key_files_with_a_bad_key_are_refused_clearly(
    tmp_path: Path, body: str, message: str
) -> None:
    # A clear ValueError naming the file, never an UnboundLocalError or a short key.
    path = tmp_path / "org.key"
    path.write_text(f"peerbench-key-v1:{body}\n")
    with pytest.raises(ValueError, match=message) as caught:
        read_key_file(path)
    assert type(caught.value) is ValueError
    assert str(path) in str(caught.value)
