"""``peerbench.io.headers``: one header normaliser."""

from __future__ import annotations

import pytest

from peerbench.io.headers import normalise_header


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Client ID ", "client id"),
        ("  client\u00a0\u00a0ID", "client id"),
        ("Client\tID\n", "client id"),
        ("ＣＬＩＥＮＴ ＩＤ", "client id"),  # full-width letters fold under NFKC
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),  # casefold, not lower
        ("Q1 start", "q1 start"),
        ("", ""),
    ],
)
def test_normalise_header(text: str, expected: str) -> None:
    assert normalise_header(text) == expected
