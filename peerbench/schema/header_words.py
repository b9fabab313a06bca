"""The words people use for the standard's headers, declared once in ``synonyms.yaml``.

The file beside this module is read by ``peerbench map`` (the proposer, which reads every
section) and by ``peerbench validate`` (which reads only the field synonyms, to say which
standard column an unknown header is). It lives in the schema layer so both can read it.
Every phrase is compared as :func:`words`: case-folded, with punctuation read as a space
("D.O.B." == "d o b", "Client_ID" == "client id").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any


def normalise(text: str) -> str:
    """NFKC, non-breaking spaces as spaces, trimmed, whitespace collapsed, case-folded."""
    text = unicodedata.normalize("NFKC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def words(text: str) -> str:
    """The normalised header with punctuation read as spaces: ``D.O.B.`` -> ``d o b``."""
    return re.sub(r"[^\w]+|_", " ", normalise(text)).strip()


@cache
def synonym_data() -> dict[str, Any]:
    """The parsed ``synonyms.yaml`` (read once; YAML is imported only when needed)."""
    import yaml

    text = (resources.files("peerbench.schema") / "synonyms.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def _field_words(file_stem: str) -> dict[str, str]:
    listed: dict[str, list[str]] = synonym_data()["fields"].get(file_stem, {})
    return {words(phrase): field for field, phrases in listed.items() for phrase in phrases}


def synonym_field(header: str, file_stem: str) -> str | None:
    """The standard field a header is another word for in ``file_stem``'s files, if listed.

    Example:
        >>> synonym_field("Condition", "referrals")
        'primary_condition'
    """
    return _field_words(file_stem).get(words(header))
