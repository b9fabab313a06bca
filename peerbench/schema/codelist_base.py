"""The machinery behind code lists: an enum whose members carry a label and synonyms.

Each code list is declared once as a :class:`CodeList` subclass in
:mod:`peerbench.schema.codelists`; JSON Schema enums, CSV code-list files, Excel
drop-downs and the SPEC tables are all generated from those classes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class CodeList(StrEnum):
    """A code list: members are ``CODE = "code", "Label", "synonym", ...``.

    The value is the stable code written in files; the label is what people read;
    synonyms are other spellings a mapping may translate to this code.
    """

    label: str
    synonyms: tuple[str, ...]

    __codelist_name__: ClassVar[str] = ""
    __codelist_description__: ClassVar[str] = ""

    def __new__(cls, value: str, label: str = "", *synonyms: str) -> CodeList:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        obj.synonyms = tuple(synonyms)
        return obj

    @classmethod
    def codelist_name(cls) -> str:
        """The snake_case name used in files, schemas and SPEC.md."""
        return cls.__codelist_name__

    @classmethod
    def codes(cls) -> list[str]:
        """All codes in declaration order."""
        return [member.value for member in cls]

    @classmethod
    def lookup(cls) -> dict[str, str]:
        """Map every accepted spelling (code, label, synonym; case-folded) to its code."""
        table: dict[str, str] = {}
        for member in cls:
            for spelling in (member.value, member.label, *member.synonyms):
                table[spelling.strip().casefold()] = member.value
        return table
