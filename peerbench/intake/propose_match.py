"""Matching a spreadsheet's names and values to the standard: the proposer's pure rules.

Nothing here reads a file. Each function takes header strings or a column's cell texts
and says what they most likely are in the standard, and how sure that is:

- ``certain``: the words are the standard's own (a field name, a listed synonym, a code
  list's labels) and the values agree;
- ``likely``: inferred from a pattern or from the values (items numbered 1..N, a range
  that fits one instrument, a column of unique references);
- ``unsure``: a best guess the coordinator must check (a close spelling, several
  instruments that fit).

The words themselves live in ``peerbench/schema/synonyms.yaml`` (declared once, read
through :mod:`peerbench.schema.header_words`, which ``validate`` reads too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from peerbench.schema.codelists import Timepoint
from peerbench.schema.header_words import synonym_data, words
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES_BY_STEM
from peerbench.validators.identifiers import IDENTIFYING_HEADERS
from peerbench.validators.mapping import canonical_record_type

Confidence = Literal["certain", "likely", "unsure"]


@dataclass(frozen=True)
class Vocabulary:
    """The contents of ``synonyms.yaml``, as word strings (see :func:`words`)."""

    sheets: dict[str, str]
    id_column: frozenset[str]
    identifiers: dict[str, str]
    date_of_birth: frozenset[str]
    skip: frozenset[str]
    fields: dict[str, dict[str, str]]
    timepoints: dict[str, str]
    item_prefixes: tuple[str, ...]
    total_words: frozenset[str]
    date_words: frozenset[str]
    weak: frozenset[str]
    ignore_sheets: frozenset[str]
    ambiguous_timepoints: frozenset[str]
    keywords: dict[str, tuple[str, str]]
    """A word -> (file stem, field) it suggests when nothing else matched a header."""
    values: dict[str, dict[str, str]]
    """Field -> (local word, as :func:`words`, -> code)."""


def _invert(table: dict[str, list[str]]) -> dict[str, str]:
    return {words(phrase): key for key, phrases in table.items() for phrase in phrases}


@cache
def vocabulary() -> Vocabulary:
    """The proposer's words, read once from ``synonyms.yaml``."""
    data = synonym_data()
    identifiers = _invert(data["identifiers"])
    for header in IDENTIFYING_HEADERS:  # the validators' list, so the two never disagree
        identifiers.setdefault(words(header), "a name")
    fields: dict[str, dict[str, str]] = {}
    for stem, model in RECORD_TYPES_BY_STEM.items():
        own = {words(spec.name): spec.name for spec in field_specs(model)}
        fields[stem] = {**own, **_invert(data["fields"].get(stem, {}))}
    timepoints = _invert(data["timepoints"])
    for member in Timepoint:
        for spelling in (member.value, member.label, *member.synonyms):
            if member is not Timepoint.OTHER:
                timepoints.setdefault(words(spelling), member.value)
    dob = frozenset(words(p) for p in data["date_of_birth"])
    for phrase in dob:
        identifiers.pop(phrase, None)
    return Vocabulary(
        sheets=_invert(data["sheets"]),
        id_column=frozenset(words(p) for p in data["id_column"]),
        identifiers=identifiers,
        date_of_birth=dob,
        skip=frozenset(words(p) for p in data["skip"]),
        fields=fields,
        timepoints=timepoints,
        item_prefixes=tuple(words(p) for p in data["item_prefixes"]),
        total_words=frozenset(words(p) for p in data["total_words"]),
        date_words=frozenset(words(p) for p in data["date_words"]),
        weak=frozenset(words(p) for p in data["weak"]),
        ignore_sheets=frozenset(words(p) for p in data["ignore_sheets"]),
        ambiguous_timepoints=frozenset(words(p) for p in data["ambiguous_timepoints"]),
        keywords={
            words(word): (stem, field)
            for stem, table in data["keywords"].items()
            for field, listed in table.items()
            for word in listed
        },
        values={field: _invert(table) for field, table in data["values"].items()},
    )


def match_sheet(name: str) -> tuple[str | None, Confidence]:
    """The record type (file stem) a sheet or CSV file name suggests, e.g. Clients -> participants.

    A CSV file's extension is ignored. None when the name says nothing (``Sheet1``).
    """
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|xlsm|xls)$", "", name.strip(), flags=re.IGNORECASE)
    record_type = canonical_record_type(stem)
    if record_type is not None:
        model = next(m for m in RECORD_TYPES_BY_STEM.values() if m.record_type == record_type)
        return model.file_stem, "certain"
    key = words(stem)
    vocab = vocabulary()
    if key in vocab.sheets:
        return vocab.sheets[key], "certain"
    for phrase, target in sorted(vocab.sheets.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", key):
            return target, "likely"
    return None, "unsure"


# ---------------------------------------------------------------- headers


@dataclass(frozen=True)
class HeaderRole:
    """What one header is.

    ``role`` is one of: ``field`` (``stem`` and ``field`` set), ``id``, ``identifier``
    (``detail`` = the kind), ``date_of_birth``, ``skip``, ``item`` (``number``),
    ``total``, ``date`` (the last three possibly with a wide ``timepoint``), or
    ``unknown``.
    """

    header: str
    role: str
    confidence: Confidence
    stems: tuple[str, ...] = ()
    field: str | None = None
    number: int | None = None
    timepoint: str | None = None
    instrument: str | None = None
    detail: str = ""


def split_timepoint(key: str) -> tuple[str | None, str]:
    """The timepoint named inside a header's words, and the words left without it."""
    for phrase, code in sorted(vocabulary().timepoints.items(), key=lambda kv: -len(kv[0])):
        pattern = rf"(?<!\w){re.escape(phrase)}(?!\w)"
        if re.search(pattern, key):
            rest = re.sub(r"\s+", " ", re.sub(pattern, " ", key, count=1)).strip()
            if rest:
                return code, rest
    return None, key


def _item_or_total(key: str, codes: Sequence[str]) -> tuple[str, int | None, str | None] | None:
    """``("item", 3, instrument)``, ``("total", None, instrument)``, ``("date", …)`` or None."""
    vocab = vocabulary()
    instrument = None
    for code in sorted(codes, key=len, reverse=True):
        letters, digits = re.fullmatch(r"(.*?)(\d*)", code.casefold()).groups()  # type: ignore[union-attr]
        if digits and letters:  # PHQ1 … PHQ9 are items 1-9 of PHQ9; PHQ-9 3 is item 3
            own = re.fullmatch(rf"{re.escape(letters)}\s*0*([1-9][0-9]?)", key)
            if own and int(own.group(1)) <= int(digits):
                return "item", int(own.group(1)), code
        spelt = rf"{re.escape(letters)}\s*{digits}" if digits else re.escape(letters)
        match = re.match(rf"^{spelt}(?:\s|(?=\d)|$)\s*", key)
        if match:
            instrument, key = code, key[match.end() :].strip()
            break
        bare = re.fullmatch(rf"{re.escape(letters)}\s+(.+)", key) if digits else None
        if bare and bare.group(1) in vocab.total_words:  # "UCLA total"
            return "total", None, code
    prefixes = "|".join(re.escape(p) for p in vocab.item_prefixes)
    item = re.fullmatch(rf"(?:(?:{prefixes})\s*)?0*([1-9][0-9]?)", key)
    if item and (instrument is not None or key != item.group(1)):
        return "item", int(item.group(1)), instrument
    if key in vocab.total_words or (instrument is not None and key == ""):
        return "total", None, instrument
    if key in vocab.date_words:
        return "date", None, instrument
    return None


def match_header(
    header: str, instrument_codes: Sequence[str] = (), sheet_stem: str | None = None
) -> HeaderRole:
    """What ``header`` is, from its words alone (values are checked separately).

    Args:
        header: The header as the spreadsheet has it (any case, spaces, punctuation).
        instrument_codes: Registry codes; ``WEMWBS 3`` is item 3 of WEMWBS.
        sheet_stem: The record type the sheet's name suggests: its fields win, so
            ``Name`` on a *Services* sheet is the service's name, not a person's.
    """
    vocab = vocabulary()
    key = words(header)
    if not key:
        return HeaderRole(header, "unknown", "unsure")
    if sheet_stem in ("services", "organisations") and key in vocab.fields[sheet_stem]:
        field = vocab.fields[sheet_stem][key]
        return HeaderRole(header, "field", "certain", stems=(sheet_stem,), field=field)
    if key in vocab.id_column:
        return HeaderRole(header, "id", "certain")
    if key in vocab.date_of_birth:
        return HeaderRole(header, "date_of_birth", "certain", detail="a date of birth")
    if key in vocab.identifiers:
        return HeaderRole(header, "identifier", "certain", detail=vocab.identifiers[key])
    stems = tuple(stem for stem, table in vocab.fields.items() if key in table)
    if stems:
        fields = {vocab.fields[stem][key] for stem in stems}
        if len(fields) == 1:
            return HeaderRole(header, "field", "certain", stems=stems, field=fields.pop())
    if key in vocab.skip:
        return HeaderRole(header, "skip", "certain")
    found = _item_or_total(key, instrument_codes)
    timepoint = None
    if found is None:
        timepoint, rest = split_timepoint(key)
        if timepoint is not None:
            found = _item_or_total(rest, instrument_codes)
    if found is not None:
        role, number, instrument = found
        confidence: Confidence = "certain" if instrument or role != "date" else "likely"
        return HeaderRole(
            header, role, confidence, number=number, timepoint=timepoint, instrument=instrument
        )
    if stems:  # one header, several fields: the sheet's record type decides
        return HeaderRole(header, "field", "likely", stems=stems, field=None)
    return _loosely(header, key, instrument_codes, sheet_stem)


_FILLERS = frozenset({"at", "on", "of", "the", "in", "for", "no", "number"})
"""Words dropped from a header's remainder when nothing else matched it ("score at")."""


def _loosely(
    header: str, key: str, instrument_codes: Sequence[str], sheet_stem: str | None
) -> HeaderRole:
    """Looser readings, each ``likely`` at best, for a header nothing matched exactly.

    In order: without its bracketed note (``Gender (M/F)``, ``DOB (dd/mm/yyyy)``);
    without filler words (``Total score at 6 months``); an item number followed by the
    question's text (``Q1 - I've been feeling optimistic``); a word that names a
    direct identifier anywhere in it (``Home postcode``, ``Mother's name``).
    """
    vocab = vocabulary()
    bare = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", header)
    if words(bare) and words(bare) != key:
        role = match_header(bare, instrument_codes, sheet_stem)
        if role.role != "unknown":
            return replace(role, header=header, confidence=_weaker(role.confidence))
    timepoint, rest = split_timepoint(key)
    trimmed = " ".join(word for word in rest.split() if word not in _FILLERS)
    if trimmed and trimmed != rest:
        found = _item_or_total(trimmed, instrument_codes)
        if found is not None:
            role_name, number, instrument = found
            return HeaderRole(
                header,
                role_name,
                "likely",
                number=number,
                timepoint=timepoint,
                instrument=instrument,
            )
    prefixes = "|".join(re.escape(p) for p in vocab.item_prefixes if len(p) > 1 or p == "q")
    item = re.match(rf"^(?:{prefixes})\s*0*([1-9][0-9]?)\s+\S", key)
    if item:
        return HeaderRole(header, "item", "likely", number=int(item.group(1)))
    named_item = re.fullmatch(rf"(?:[a-z]+ )+(?:{prefixes})\s*0*([1-9][0-9]?)", rest)
    if named_item:  # "Lonely Q1": the questionnaire's own name, then the item
        return HeaderRole(
            header, "item", "likely", number=int(named_item.group(1)), timepoint=timepoint
        )
    if re.search(r"(?<!\w)(?:id|ref|reference|code|no|number)$", key):
        return HeaderRole(header, "id", "likely")
    for word in key.split():
        if word in vocab.keywords:
            stem, field = vocab.keywords[word]
            return HeaderRole(header, "field", "likely", stems=(stem,), field=field)
    for word in key.split():
        kind = vocab.identifiers.get(word)
        if word in vocab.date_of_birth:  # "Baby DOB": someone's date of birth, not the person's
            kind = "a date of birth"
        if kind is not None and word not in _FILLERS:
            return HeaderRole(header, "identifier", "likely", detail=kind)
    return HeaderRole(header, "unknown", "unsure")


def _weaker(confidence: Confidence) -> Confidence:
    return "likely" if confidence == "certain" else confidence


def field_spec(stem: str, name: str) -> FieldSpec:
    """The standard's declaration of field ``name`` of record type ``stem``."""
    return next(s for s in field_specs(RECORD_TYPES_BY_STEM[stem]) if s.name == name)
