"""Find direct identifiers (emails, phone numbers, postcodes, NHS numbers) before upload.

Only free-text fields and columns outside the standard are scanned: every other field
has a code list, a pattern or a type that an identifier cannot pass. Scans are
vectorised regexes; the NHS number's Modulus 11 check digit is computed with NumPy,
which keeps ten-digit reference numbers that are not NHS numbers from being flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.labels import field_form
from peerbench.validators.columnar.coerce import as_array, as_text, flag
from peerbench.validators.columnar.context import BoolArray, CheckContext

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
UK_PHONE = r"(?:^|[^\d+])(?:\+44\s?(?:\(0\)\s?)?|0)[127](?:[\s\-]?\d){8,9}(?:$|\D)"
"""Mobiles (07…) and geographic numbers (01…, 02…), national or +44, spaces allowed."""
POSTCODE = r"(?:^|[^A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}(?:$|[^A-Za-z0-9])"
"""A full UK postcode in capitals (``LS1 4AP``, ``SW1A 1AA``). An outward code alone
(``LS1``) is not identifying. Lower case is not matched inside text: there it mostly hits
ordinary words and times ("at1 2pm"); see :data:`POSTCODE_CELL`."""
POSTCODE_CELL = r"(?i)^\s*[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?\s*[0-9][ABD-HJLNP-UW-Z]{2}\s*$"
"""A cell that is nothing but a postcode, in any case and with or without its space
(``ls62ab``, ``m1 1ae``): typed into a column of its own. Only letters a postcode can
have in each place are accepted (no Q, V or X first; no I, J or Z second; none of
C, I, K, M, O or V in the last two), which keeps ids such as ``hv1 2cm`` out."""
NHS_CANDIDATE = r"(?:^|\D)(?P<nhs>\d{3}[ \-]?\d{3}[ \-]?\d{4})(?:\D|$)"
"""Ten digits, optionally grouped 3-3-4; only the first in a cell is checked."""
NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)

KINDS = ("an email address", "an NHS number", "a phone number", "a postcode")
"""What each detector finds, in the order they are tried (one finding per cell)."""

HEADER_KINDS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            "name", "first_name", "firstname", "forename", "forenames", "given_name",
            "surname", "last_name", "lastname", "family_name", "full_name", "fullname",
            "client_name", "participant_name",
        ),
        ("identifier-column-name", ""),
    ),
    **dict.fromkeys(
        ("dob", "d_o_b", "date_of_birth", "birth_date", "birthdate", "birthday"),
        ("identifier-column-date-of-birth", ""),
    ),
    **dict.fromkeys(
        ("email", "email_address", "e_mail"), ("identifier-column-contact", "email addresses")
    ),
    **dict.fromkeys(
        ("phone", "phone_number", "telephone", "tel", "mobile", "mobile_number"),
        ("identifier-column-contact", "phone numbers"),
    ),
    **dict.fromkeys(
        ("address", "address_line_1", "home_address"),
        ("identifier-column-address", "addresses"),
    ),
    **dict.fromkeys(
        ("postcode", "post_code", "zip"), ("identifier-column-address", "postcodes")
    ),
    **dict.fromkeys(
        ("nhs_number", "nhs_no", "nhsnumber"), ("identifier-column-nhs-number", "")
    ),
}  # fmt: skip
"""Normalised header → the finding it gets and what the column holds (for the message)."""

IDENTIFYING_HEADERS = frozenset(HEADER_KINDS)
"""Every header that names personal details."""


def header_kind(column: str) -> tuple[str, str] | None:
    """The catalogue code and the kind of identifier ``column``'s header names, if any."""
    return HEADER_KINDS.get(field_form(column))


def check_headers(columns: Iterable[str], ctx: CheckContext) -> None:
    """A finding of its kind (name, date of birth, contact, address, NHS number) for
    each column whose header names personal details.

    Args:
        columns: Headers to consider: pass only columns outside the standard, so the
            ``name`` of an organisation or service is never flagged.
        ctx: Where findings go.
    """
    for column in columns:
        found = header_kind(column)
        if found is not None:
            code, what = found
            ctx.emit_file(code, column, what)


def valid_nhs_numbers(digits: npt.NDArray[np.int64]) -> BoolArray:
    """Modulus 11 check for an ``(n, 10)`` array of digits.

    The check digit is ``11 - (sum of the first nine digits weighted 10…2) mod 11``;
    11 becomes 0, and 10 means the number cannot be valid (no digit equals 10, so the
    comparison below already fails for it).
    """
    check = 11 - (digits[:, :9] @ NHS_WEIGHTS) % 11
    check = np.where(check == 11, 0, check)
    valid: BoolArray = check == digits[:, 9]
    return valid


def _nhs_numbers(text: Any) -> BoolArray:
    candidate = pc.struct_field(pc.extract_regex(text, NHS_CANDIDATE), "nhs")
    found = flag(pc.is_valid(candidate))
    out = np.zeros(len(text), dtype=np.bool_)
    if not found.any():
        return out
    digits = pc.replace_substring_regex(candidate.filter(pa.array(found)), r"[ \-]", "")
    binary = pc.cast(digits, pa.binary())
    # Every candidate is exactly ten ASCII digits, so the data buffer is an (m, 10) grid.
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int32)
    offsets = offsets[binary.offset : binary.offset + len(binary) + 1]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    grid = data.reshape(-1, 10).astype(np.int64) - ord("0")
    out[np.flatnonzero(found)] = valid_nhs_numbers(grid)
    return out


SHORTEST = 5
"""No identifier above is shorter than ``M11AE``; shorter cells are not scanned."""


def detect(values: Any) -> npt.NDArray[np.int8]:
    """Per cell, the index in :data:`KINDS` of the first identifier found, or -1.

    A dictionary-encoded column is scanned once per distinct value.
    """
    array = as_array(values)
    if pa.types.is_dictionary(array.type):
        found = np.append(detect(array.dictionary), np.int8(-1))  # [-1]: a null cell
        kind: npt.NDArray[np.int8] = found[pc.fill_null(array.indices, -1).to_numpy()]
        return kind
    return _detect_text(array)


def _detect_text(values: Any) -> npt.NDArray[np.int8]:
    full = as_text(values)
    kind = np.full(len(full), -1, dtype=np.int8)
    # Most free-text cells in outcome files are short codes ("1", "v2"): skip the regexes.
    long_enough = flag(pc.greater_equal(pc.utf8_length(full), SHORTEST))
    if not long_enough.any():
        return kind
    where = np.flatnonzero(long_enough)
    text = full.take(pa.array(where))
    hits: Sequence[BoolArray] = (
        flag(pc.match_substring_regex(text, EMAIL)),
        _nhs_numbers(text),
        flag(pc.match_substring_regex(text, UK_PHONE)),
        flag(pc.match_substring_regex(text, POSTCODE))
        | flag(pc.match_substring_regex(text, POSTCODE_CELL)),
    )
    for index in reversed(range(len(hits))):  # earlier detectors win
        kind[where[hits[index]]] = index
    return kind


def scan_column(values: Any, column: str, ctx: CheckContext, first_row: int) -> None:
    """Record ``identifier-detected`` for every cell of ``values`` holding an identifier."""
    kind = detect(values)
    found = kind >= 0
    if not found.any():
        return
    listed = kind[found]
    ctx.emit_where(
        "identifier-detected",
        column,
        found,
        first_row,
        detail=lambda cells: [KINDS[listed[i]] for i in range(len(cells))],
    )
