"""The one header normaliser: every spelling of a header a person might type matches."""

from __future__ import annotations

import pytest

from peerbench.io.headers import normalise_header


@pytest.mark.parametrize(
    "text",
    [
        "Client ID",
        "Client ID ",
        " client id",
        "CLIENT  ID",
        "Client\u00a0ID",
        "Client\tID",
        "Client\nID",
        "\ufeffClient ID",
        "Client\u202fID",
        "ＣＬＩＥＮＴ ＩＤ",  # full-width letters, as some keyboards type them
    ],
)
def test_spellings_of_one_header_match(text: str) -> None:
    assert normalise_header(text) == "client id"


def test_different_headers_stay_different() -> None:
    assert normalise_header("Client ID") != normalise_header("ClientID")
    assert normalise_header("Q1") != normalise_header("Q 1")


def test_casefold_not_lower() -> None:
    # casefold maps the German sharp s as a case-insensitive match needs.
    assert normalise_header("STRASSE") == normalise_header("Straße")


def test_empty_and_blank() -> None:
    assert normalise_header("") == ""
    assert normalise_header(" \u00a0 ") == ""
