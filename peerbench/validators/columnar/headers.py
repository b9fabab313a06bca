"""Header checks, once per file: required columns present, unknown columns named."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from peerbench.schema.record_info import FieldSpec
from peerbench.validators.columnar.context import CheckContext

ITEM_COLUMN = re.compile(r"^item_([1-9]\d{0,2})$")
"""``item_1`` … ``item_999``: how text formats carry the ``items`` list (SPEC)."""


@dataclass(frozen=True)
class Headers:
    """What the header row holds.

    Attributes:
        present: Standard fields with a column.
        unknown: Columns that are not part of the standard (in file order).
        item_columns: ``item_N`` columns by N, for record types with an ``items`` list.
    """

    present: frozenset[str]
    unknown: tuple[str, ...]
    item_columns: dict[int, str]


def item_position(column: str) -> int | None:
    """N for an ``item_N`` header, else None."""
    match = ITEM_COLUMN.match(column)
    return int(match.group(1)) if match else None


def read_headers(columns: Sequence[str], specs: Sequence[FieldSpec]) -> Headers:
    """Sort a file's headers into standard fields, item columns and unknown columns."""
    names = {spec.name for spec in specs}
    has_items = any(spec.kind == "integers" for spec in specs)
    items: dict[int, str] = {}
    unknown: list[str] = []
    for column in columns:
        position = item_position(column) if has_items else None
        if position is not None:
            items[position] = column
        elif column not in names:
            unknown.append(column)
    return Headers(frozenset(names & set(columns)), tuple(unknown), items)


def check_headers(
    headers: Headers, specs: Sequence[FieldSpec], ctx: CheckContext, file_stem: str
) -> None:
    """Record ``column-missing`` and ``column-unknown``, each with the closest match.

    An unknown header that ``synonyms.yaml`` lists as another word for a missing field
    ("Condition" for ``primary_condition``) is named as that field, with the way to map it;
    otherwise the closest spelling of a missing field is suggested.
    """
    names = [s.name for s in specs if s.name not in headers.present]
    said = {column: _synonym(column, file_stem, names) for column in headers.unknown}
    missing = [s.name for s in specs if s.required and s.name not in headers.present]
    for name in missing:
        meant = [column for column, field in said.items() if field == name]
        close = meant or difflib.get_close_matches(name, headers.unknown, n=1, cutoff=0.6)
        detail = f" (is '{close[0]}' meant to be {name}?)" if close else ""
        ctx.emit_file("column-missing", name, detail)
    for column in headers.unknown:
        if (field := said[column]) is not None:
            detail = (
                f"; it looks like the standard's {field}: rename the header to {field}, "
                "or let `peerbench map` write a mapping file for this spreadsheet"
            )
        else:
            close = difflib.get_close_matches(column.strip().lower(), names, n=1, cutoff=0.75)
            detail = f"; the closest standard header is {close[0]}" if close else ""
        ctx.emit_file("column-unknown", column, detail)


def _synonym(column: str, file_stem: str, names: Sequence[str]) -> str | None:
    """The missing field ``column`` is a listed synonym of, if any (YAML read lazily)."""
    if item_position(column) is not None or not names:
        return None
    from peerbench.schema.header_words import synonym_field

    field = synonym_field(column, file_stem)
    return field if field in names else None
