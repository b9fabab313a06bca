"""Reading a column's values: identifiers, local ids, dates, instruments, code-list labels.

Pure functions over cell texts (no file reading); see ``propose_match`` for the
confidence words.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from peerbench.intake.cells import is_no_answer
from peerbench.intake.propose_match import Confidence
from peerbench.schema.header_words import normalise, words
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.introspect import FieldSpec
from peerbench.validators.identifiers import KINDS, detect

# ---------------------------------------------------------------- values


def distinct(values: Iterable[str]) -> list[str]:
    """Non-empty cell texts, trimmed, first spelling of each (case-insensitive), in order."""
    seen: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def identifier_kind(values: Sequence[str]) -> str | None:
    """The kind of direct identifier most cells of a column hold, if any.

    Uses the validators' detectors (email, NHS number, phone, postcode), plus lower-case
    or unspaced postcodes (``ls62ab``), which free text cannot hold by chance in a column
    where most cells are one.
    """
    counts = Counter(v.strip() for v in values if v.strip())
    if not counts:
        return None
    cells = list(counts)  # each value once, weighted by its count below
    total = sum(counts.values())
    found: Counter[str] = Counter()
    for cell, kind in zip(cells, detect(pa.array(cells, type=pa.string())), strict=True):
        if kind >= 0:
            found[KINDS[kind]] += counts[cell]
    if found and found.total() * 2 >= total:
        return found.most_common(1)[0][0]
    if sum(counts[c] for c in cells if _POSTCODE.match(c)) * 2 >= total:
        return "a postcode"
    named = [c for c in cells if _NAME.match(c)]
    if total >= 3 and len(named) >= 2 and sum(counts[c] for c in named) * 10 >= total * 8:
        return "a name"
    return None


_POSTCODE = re.compile(r"^[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2}$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Z][a-z'\-]+(?:,? [A-Z][a-z'\-]+)+$")
"""Two or more capitalised words (``Ann Smith``, ``Smith, Ann``): personal names when most
of a column's cells are one (only columns not mapped to a field are judged by it)."""


def looks_like_local_id(values: Sequence[str]) -> bool:
    """Short references with digits (``C001``, ``SL-C3601``, ``1043``), mostly distinct.

    A person may have several rows (one per questionnaire), so repeats are allowed as
    long as at least a third of the cells are distinct.
    """
    cells = [v.strip() for v in values if v.strip()]
    if len(cells) < 2 or len(set(cells)) * 3 < len(cells) or len(set(cells)) < 2:
        return False
    if date_format(cells) is not None:
        return False
    return all(_LOCAL_ID.fullmatch(c) and any(ch.isdigit() for ch in c) for c in cells)


_LOCAL_ID = re.compile(r"[A-Za-z0-9]{1,8}(?:[-/_.][A-Za-z0-9]{1,8}){0,3}")
"""``C001``, ``1043``, ``SL-C3601``, ``SP-2026-7901``: short runs of letters and digits."""


def whole_numbers(values: Sequence[str]) -> list[int] | None:
    """The distinct cells as integers (``3``, ``3.0``), or None if a non-empty cell is not one.

    Each distinct value is read once, in order of first appearance: callers only ask
    whether the cells are numbers and which.
    """
    out = []
    for text in dict.fromkeys(value.strip() for value in values):
        if not text:
            continue
        if _WHOLE.fullmatch(text) is None:
            return None
        out.append(int(float(text)))
    return out


_WHOLE = re.compile(r"-?\d+(?:\.0+)?")


@dataclass(frozen=True)
class DateFormat:
    """How a column's dates are written: ``iso``, ``dd/mm/yyyy`` or None (not readable)."""

    format: str | None
    confidence: Confidence
    reason: str


_SLASHED = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def date_format(values: Sequence[str]) -> DateFormat | None:
    """The date format of a column, or None when its cells are not dates.

    Day-first is certain when a first part is above 12; month-first (US) dates are
    never guessed: they are reported so the coordinator decides.
    """
    cells = [v.strip() for v in values if v.strip()]
    if not cells:
        return None
    if all(_ISO.match(c) for c in cells):
        return DateFormat("iso", "certain", "dates written YYYY-MM-DD")
    parts = [_SLASHED.match(c) for c in cells if not _ISO.match(c)]  # ISO cells read anyway
    if not all(parts):
        return None
    firsts = [int(m.group(1)) for m in parts if m]
    seconds = [int(m.group(2)) for m in parts if m]
    if any(len(m.group(3)) == 2 for m in parts if m):
        return DateFormat(None, "unsure", "two-digit years")
    if any(s > 12 for s in seconds):
        return DateFormat(None, "unsure", "a second part above 12: month-first (US) dates")
    if any(f > 12 for f in firsts):
        return DateFormat("dd/mm/yyyy", "certain", "a first part above 12: day first")
    return DateFormat("dd/mm/yyyy", "likely", "no part above 12: day first assumed (UK)")


# ---------------------------------------------------------------- instruments


@dataclass(frozen=True)
class InstrumentGuess:
    """The instrument a block of item columns most likely holds."""

    code: str | None
    confidence: Confidence
    reason: str
    others: tuple[str, ...] = ()
    unknown_words: tuple[str, ...] = ()


def response_labels(definition: InstrumentDefinition) -> dict[str, int]:
    """The instrument's answer words (folded) -> item code; empty if it declares none."""
    return {normalise(label): code for label, code in definition.response_labels.items()}


def guess_instrument(
    item_count: int,
    answers: Sequence[str] | Mapping[int, Sequence[str]],
    definitions: Iterable[InstrumentDefinition],
    named: str | None = None,
) -> InstrumentGuess:
    """Which instrument ``item_count`` item columns holding ``answers`` are.

    Args:
        item_count: The highest item number among the columns.
        answers: The non-empty answer cells (numbers or words), per item number where
            known (each item is then checked against that item's own range), else all
            together.
        definitions: The registry's instruments.
        named: An instrument the headers or sheet name name (``WEMWBS 3``).
    """
    defs = {d.code: d for d in definitions}
    by_item: dict[int | None, list[str]] = (
        {n: sorted({a.strip() for a in cells if a.strip()}) for n, cells in answers.items()}
        if isinstance(answers, Mapping)
        else {None: sorted({a.strip() for a in answers if a.strip()})}
    )  # each answer once
    by_item = {n: [exported_number(a) for a in cells] for n, cells in by_item.items()}
    every = sorted({a for cells in by_item.values() for a in cells})
    numbers = whole_numbers(every)
    words_seen = [] if numbers is not None else distinct(a for a in every if not _is_int(a))
    words_seen = [w for w in words_seen if not is_no_answer(w)]  # read as empty

    def fits(d: InstrumentDefinition, *, with_words: bool = True) -> bool:
        items = {item.number: item for item in d.items()}
        for number, cells in by_item.items():
            item = items.get(number) if number is not None else None
            low = item.min if item else min(i.min for i in items.values())
            high = item.max if item else max(i.max for i in items.values())
            if any(not low <= int(float(a)) <= high for a in cells if _is_int(a)):
                return False
        labels = response_labels(d)
        return not with_words or all(normalise(w) in labels for w in words_seen)

    if named is not None and named in defs:
        d = defs[named]
        unknown = tuple(w for w in words_seen if normalise(w) not in response_labels(d))
        note = "" if d.item_count == item_count else f" (it has {d.item_count} items)"
        return InstrumentGuess(
            named, "certain", f"named in the headers{note}", unknown_words=unknown
        )
    by_count = [d for d in defs.values() if d.item_count == item_count]
    fitting = [d.code for d in by_count if fits(d)]
    if len(fitting) == 1:
        how = "its answer words" if words_seen else "the range of the answers"
        return InstrumentGuess(fitting[0], "likely", f"{item_count} items and {how}")
    if fitting:
        return InstrumentGuess(
            fitting[0],
            "unsure",
            f"{item_count} items fit several instruments",
            others=tuple(fitting[1:]),
        )
    if by_count:  # nothing fits every answer: those whose ranges hold the numbers first
        ranked = sorted(by_count, key=lambda d: not fits(d, with_words=False))
        codes = [d.code for d in ranked]
        unknown = tuple(w for w in words_seen if normalise(w) not in response_labels(ranked[0]))
        return InstrumentGuess(
            codes[0],
            "unsure",
            f"{item_count} items, but answers outside its range or labels",
            others=tuple(codes[1:]),
            unknown_words=unknown,
        )
    return InstrumentGuess(None, "unsure", f"no instrument in the registry has {item_count} items")


def exported_number(answer: str) -> str:
    """``4 - Often`` and ``Often (4)``, as survey tools export answers, read as ``4``."""
    first = re.match(r"^(\d+)\s*[-\u2013.:)=]\s*\S", answer)
    last = re.search(r"\S\s*[(\[](\d+)[)\]]$", answer)
    found = first or last
    return found.group(1) if found else answer


def _is_int(text: str) -> bool:
    return re.fullmatch(r"\s*-?\d+(?:\.0+)?\s*", text) is not None


# ---------------------------------------------------------------- code lists


@dataclass(frozen=True)
class ValueMatch:
    """How a code-list column's labels translate: what needs a ``values`` entry."""

    mapped: dict[str, str]
    """Local label -> code for labels the code list does not accept as they are."""
    unmatched: tuple[str, ...]
    confidence: Confidence
    guessed: tuple[str, ...] = ()
    """Labels of ``mapped`` that are only a close spelling of a code-list label."""


def match_values(spec: FieldSpec, values: Sequence[str]) -> ValueMatch:
    """Compare a code-list column's labels with the code list (codes, labels, synonyms).

    Labels accepted as they are need no entry; a close spelling is proposed (``unsure``);
    the rest are left for the coordinator.
    """
    assert spec.codelist is not None
    lookup = spec.codelist.lookup()
    mapped: dict[str, str] = {}
    unmatched: list[str] = []
    guessed: list[str] = []
    for label in distinct(values):
        key = normalise(label)
        if key in lookup:
            continue
        folded = words(label)
        if folded in lookup:
            mapped[label] = lookup[folded]
            continue
        close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.8)
        if close:
            mapped[label] = lookup[close[0]]
            guessed.append(label)
        else:
            unmatched.append(label)
    confidence: Confidence = "certain" if not mapped and not unmatched else "unsure"
    if not unmatched and not guessed and mapped:
        confidence = "likely"
    return ValueMatch(mapped, tuple(unmatched), confidence, tuple(guessed))


VALUE_FIELDS = (
    ("participants", "sex"),
    ("participants", "age_band"),
    ("participants", "ethnicity"),
    ("participants", "referral_source"),
    ("engagements", "end_reason"),
    ("outcomes", "timepoint"),
    ("outcomes", "mode"),
)
"""Code-list fields a column may be recognised by from its values alone."""


def field_from_values(
    values: Sequence[str], extra: Mapping[str, Mapping[str, str]]
) -> tuple[str, str] | None:
    """The one code-list field whose labels most of a column's distinct values are.

    Args:
        values: The column's cells.
        extra: Field -> (local words, as :func:`words`, -> code) also counted.

    Returns:
        ``(file stem, field)`` when at least two distinct values and four in five of
        them are that field's labels, and no other field does as well.
    """
    from peerbench.intake.propose_match import field_spec

    labels = distinct(values)
    if not 2 <= len(labels) <= 60 or any(_is_int(label) for label in labels):
        return None  # a code list has a few labels, never thousands
    scores: list[tuple[float, str, str]] = []
    for stem, name in VALUE_FIELDS:
        spec = field_spec(stem, name)
        assert spec.codelist is not None
        lookup = spec.codelist.lookup()
        local = extra.get(name, {})
        known = sum(1 for v in labels if normalise(v) in lookup or words(v) in local)
        scores.append((known / len(labels), stem, name))
    scores.sort(reverse=True)
    best, stem, name = scores[0]
    if best >= 0.8 and scores[1][0] < best:
        return stem, name
    return None
