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


def check_headers(headers: Headers, specs: Sequence[FieldSpec], ctx: CheckContext) -> None:
    """Record ``column-missing`` and ``column-unknown``, each with the closest match."""
    missing = [s.name for s in specs if s.required and s.name not in headers.present]
    for name in missing:
        close = difflib.get_close_matches(name, headers.unknown, n=1, cutoff=0.6)
        detail = f" (is '{close[0]}' meant to be {name}?)" if close else ""
        ctx.emit_file("column-missing", name, detail)
    names = [s.name for s in specs if s.name not in headers.present]
    for column in headers.unknown:
        close = difflib.get_close_matches(column.strip().lower(), names, n=1, cutoff=0.75)
        detail = f"; did you mean {close[0]}?" if close else ""
        ctx.emit_file("column-unknown", column, detail)
