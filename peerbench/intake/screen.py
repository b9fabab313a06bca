"""What must not leave a local table: direct identifier columns, and rows that are not people.

A coordinator's spreadsheet often holds names, dates of birth and phone numbers beside
the answers, and a "TOTAL" row under them. Pseudonymising it must drop those columns
(and say which) and leave such rows out, never turn them into participants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.intake.layout import is_summary_text
from peerbench.io.headers import field_form, normalise_header
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import identifiers

_NAMES = frozenset(
    {
        "name", "names", "first name", "firstname", "forename", "forenames", "given name",
        "surname", "last name", "lastname", "family name", "full name", "fullname",
        "preferred name", "known as",
    }
)  # fmt: skip
_PEOPLE = ("client", "participant", "person", "member", "patient", "service user", "attendee")
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a date of birth", re.compile(r"^(dob|d o b|date of birth|birth ?date|birthday)$")),
    ("an NHS number", re.compile(r"^nhs ?(number|no|num|#)?$")),
    ("an email address", re.compile(r"(^|\b)e ?mail( address)?$")),
    ("a phone number", re.compile(r"(^|\b)(phone|telephone|tel|mobile)( (number|no))?$")),
    ("a postcode", re.compile(r"^(post ?code|zip|zip code)$")),
    ("an address", re.compile(r"(^|\b)(home )?address( line \d)?$")),
)


def _plain(header: str) -> str:
    """``"D.O.B."`` → ``"d o b"``: the normalised header without punctuation."""
    return " ".join(re.sub(r"[^\w#]+", " ", normalise_header(header)).split())


def header_kind(header: str) -> str | None:
    """What a header says its column holds, if it names a direct identifier.

    >>> header_kind("Date of birth "), header_kind("Client name"), header_kind("Age group")
    ('a date of birth', 'a name', None)
    """
    plain = _plain(header)
    if plain in _NAMES or any(plain in (f"{p} name", f"{p}s name") for p in _PEOPLE):
        return "a name"
    for kind, pattern in _KINDS:
        if pattern.search(plain):
            return kind
    if field_form(header) in identifiers.IDENTIFYING_HEADERS:
        return "names or contact details"
    return None


@cache
def _structured_fields() -> frozenset[str]:
    """Standard fields a typed value cannot be an identifier in (codes, dates, numbers, ids)."""
    return frozenset(
        spec.name
        for model in RECORD_TYPES.values()
        for spec in field_specs(model)
        if not (spec.kind == "string" and spec.pattern is None)
    )


def identifier_columns(table: pa.Table, keep: frozenset[str] = frozenset()) -> dict[str, str]:
    """Columns of ``table`` holding direct identifiers, each with why (in plain English).

    A column counts if its header names an identifier (name, date of birth, phone…) or if
    any of its cells holds one (:func:`peerbench.validators.identifiers.detect`). Columns
    in ``keep`` (the id columns being pseudonymised) and structured standard fields are
    not scanned.
    """
    found: dict[str, str] = {}
    structured = _structured_fields()
    for name in table.column_names:
        if name in keep:
            continue
        kind = header_kind(name)
        if kind is not None:
            found[name] = f"its header names {kind}"
            continue
        column = table.column(name)
        if name in structured or name.startswith("item_") or not pa.types.is_string(column.type):
            continue
        kinds = identifiers.detect(column)
        hits = kinds[kinds >= 0]
        if hits.size:
            first = identifiers.KINDS[int(hits[0])]
            found[name] = f"{hits.size:,} of its cells hold {first} or similar"
    return found


def _summary_text(values: pa.Array) -> np.ndarray:
    """Per cell, whether it reads as a total or summary label (as the intake layout reads it)."""
    distinct = pc.unique(values)
    flags = pa.array([v is not None and is_summary_text(v) for v in distinct.to_pylist()])
    return np.asarray(
        pc.fill_null(flags.take(pc.index_in(values, value_set=distinct)), False), dtype=np.bool_
    )


@dataclass(frozen=True)
class SkippedRows:
    """Rows left out of a local table, by why (0-based positions in the table read)."""

    blank: list[int] = field(default_factory=list)
    summary: list[int] = field(default_factory=list)


def rows_to_skip(table: pa.Table, id_columns: list[str]) -> SkippedRows:
    """Blank rows, and total/summary rows, which must never become participants.

    The rules of :func:`peerbench.intake.layout.find_layout`, for a table (Parquet) that
    is not read as a grid: a summary row is one whose id is a summary word ("TOTAL"), or
    whose ids are all blank while another of its cells is one ("Average", "n = 12").
    """
    n = table.num_rows
    blank = np.ones(n, dtype=np.bool_)
    word_anywhere = np.zeros(n, dtype=np.bool_)
    id_word = np.zeros(n, dtype=np.bool_)
    id_blank = np.ones(n, dtype=np.bool_)
    for name in table.column_names:
        values = table.column(name).cast(pa.string()).combine_chunks()
        empty = np.asarray(
            pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True), dtype=np.bool_
        )
        blank &= empty
        words = _summary_text(values)
        word_anywhere |= words
        if name in id_columns:
            id_word |= words
            id_blank &= empty
    summary = ~blank & (id_word | (id_blank & word_anywhere))
    return SkippedRows(
        blank=np.flatnonzero(blank).tolist(), summary=np.flatnonzero(summary).tolist()
    )
