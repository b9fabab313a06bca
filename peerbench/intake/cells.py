"""Turning one typed cell into the standard's text: codes, dates, answers and age bands.

Each function takes the text as typed and gives the standard's text, or None when the
cell cannot be translated, in which case the caller keeps the text as typed so the
validators report it with its own message (a value is never silently changed or lost).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from peerbench.io.headers import normalise_header
from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import AgeBand
from peerbench.schema.instruments import InstrumentRegistry, UnknownInstrumentError

__all__ = [
    "NO_ANSWER",
    "age_band",
    "age_in_years",
    "answer_code",
    "code_for",
    "is_no_answer",
    "parse_date",
]

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_WHOLE = re.compile(r"^[-+]?\d+(?:\.0+)?$")
NO_ANSWER = frozenset(
    {
        "n/a", "na", "n.a.", "n.a", "-", "--", "\u2013", "\u2014", "not answered",
        "no answer", "unanswered", "did not answer", "missing", "skipped", "blank",
    }
)  # fmt: skip
"""Item cells that say the question was not answered: read as an empty cell."""
_NUMBER_FIRST = re.compile(r"^(\d+)\s*[-\u2013.:)=]\s*(\S.*)$")
_NUMBER_LAST = re.compile(r"^(.*\S)\s*[(\[](\d+)[)\]]$")


def parse_date(text: str, date_format: str | None = None) -> dt.date | None:
    """A date typed as ``YYYY-MM-DD`` or day first (``DD/MM/YYYY``, also with ``.``/``-``).

    A time after an ISO date (a spreadsheet date cell with a time of day) is ignored.

    Month-first dates are never read (the standard is for UK data). With
    ``date_format: iso`` only ISO dates are read.
    """
    value = text.strip()
    match = _ISO.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DAY_FIRST.match(value)
        if match is None or date_format == "iso":
            return None
        day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def age_in_years(born: dt.date, on: dt.date) -> int:
    """Completed years of age on date ``on``: a birthday on ``on`` counts as reached."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@cache
def _age_bands() -> tuple[tuple[int, int | None, str], ...]:
    """``(lowest age, highest age or None, code)`` for each band of the ``AgeBand`` list.

    Read from the codes themselves (``under_18``, ``18_24``, ``75_plus``) so the bands
    follow the code list if it changes; ``not_stated`` has no ages.
    """
    bands: list[tuple[int, int | None, str]] = []
    for code in AgeBand.codes():
        if match := re.fullmatch(r"under_(\d+)", code):
            bands.append((0, int(match.group(1)) - 1, code))
        elif match := re.fullmatch(r"(\d+)_(\d+)", code):
            bands.append((int(match.group(1)), int(match.group(2)), code))
        elif match := re.fullmatch(r"(\d+)_plus", code):
            bands.append((int(match.group(1)), None, code))
    return tuple(bands)


def age_band(age: int) -> str | None:
    """The ``AgeBand`` code for an age in completed years (None for a negative age)."""
    for low, high, code in _age_bands():
        if age >= low and (high is None or age <= high):
            return code
    return None


def code_for(codelist: type[CodeList], text: str, local: dict[str, str]) -> str | None:
    """The code a cell stands for: a local label (the mapping's ``values``), else a code,
    label or synonym of the code list; None when neither knows it.

    ``local`` maps normalised local labels to a code or to a code-list label.
    """
    folded = normalise_header(text)
    lookup = _codelist_lookup(codelist)
    if folded in local:
        target = local[folded]
        return target if target in lookup.values() else lookup.get(normalise_header(target))
    return lookup.get(folded)


@cache
def _codelist_lookup(codelist: type[CodeList]) -> dict[str, str]:
    return {normalise_header(spelling): code for spelling, code in codelist.lookup().items()}


def answer_code(
    text: str, instrument: str | None, local: dict[str, int], registry: InstrumentRegistry
) -> str | None:
    """An item cell as the standard's text: a number as typed (``4``, ``4.0`` → ``4``), a
    local answer word (the mapping's ``answers``) or one of the instrument's own response
    labels as its code; None for a word neither knows.

    Args:
        text: The cell as typed (not empty).
        instrument: The instrument code of the record, if known.
        local: Normalised local answer word → code.
        registry: Where the instrument's response labels are.
    """
    value = text.strip()
    if _WHOLE.match(value):
        return str(int(float(value)))
    try:
        float(value)
    except ValueError:
        pass
    else:
        return value  # a fraction: kept for the validators to judge
    word = _word_code(value, instrument, local, registry)
    if word is not None:
        return str(word)
    # Survey tools export "4 - Often" or "Often (4)": the number is the answer, unless
    # the words name a different one.
    both = _NUMBER_FIRST.match(value) or _NUMBER_LAST.match(value)
    if both is None:
        return None
    number_first = both.re is _NUMBER_FIRST
    number, words = (both.group(1), both.group(2)) if number_first else both.groups()[::-1]
    named = _word_code(words, instrument, local, registry)
    return number if named is None or named == int(number) else None


def is_no_answer(text: str) -> bool:
    """Whether an item cell says the question was not answered (``n/a``, ``-``, ``missing``)."""
    return normalise_header(text) in NO_ANSWER


def _word_code(
    text: str, instrument: str | None, local: dict[str, int], registry: InstrumentRegistry
) -> int | None:
    folded = normalise_header(text)
    if folded in local:
        return local[folded]
    if instrument is None:
        return None
    try:
        return registry.answer_code(instrument, text)
    except UnknownInstrumentError:
        return None
