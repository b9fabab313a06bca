"""One way to compare spreadsheet headers, used by every command that matches them."""

from __future__ import annotations

import unicodedata


def normalise_header(text: str) -> str:
    """``"Client\u00a0ID "`` → ``"client id"``: how two headers are compared.

    NFKC (full-width and compatibility forms fold to plain ones), non-breaking spaces
    become spaces, leading and trailing space goes, inner runs of whitespace become one
    space, and case is folded.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u00a0", " ")
    return " ".join(text.split()).casefold()
