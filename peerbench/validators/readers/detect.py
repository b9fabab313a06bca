"""Work out what a file is: its record type from its name, and a text file's encoding.

Both guesses are deliberately simple and predictable. Charities mostly export from
Excel on Windows, so a text file that is not UTF-8 is read as Windows-1252 rather than
handed to a statistical detector, which guesses unstable answers on short files.
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass
from pathlib import Path

from peerbench.schema.record_table import RECORDS
from peerbench.validators.record_names import canonical_record_type

TEMPLATE_SHEETS = frozenset({"instructions", "data dictionary", "code lists", "read me", "readme"})
"""Sheets of the Excel template that hold guidance, not records; skipped silently."""

_SCAN_CHUNK = 1 << 20
SNIFF_BYTES = 64 * 1024
"""How many leading bytes the sniffers look at."""
_DELIMITERS = (",", ";", "\t")
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or other zip file",
    b"PAR1": "a Parquet file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file",
    b"%PDF": "a PDF",
}


def accepted_names() -> list[str]:
    """File stems that name a record type, in SPEC order (``organisations`` …)."""
    return [model.file_stem for model in RECORDS.values()]


def record_type_from_name(name: str) -> str | None:
    """The record type a file stem or sheet name stands for, or None.

    Case and surrounding space are ignored and singular forms are accepted, so
    ``Participants``, ``participant`` and ``Service use`` are all recognised.
    """
    return canonical_record_type(name)


def unknown_name_detail(name: str, kind: str) -> str:
    """Text for ``record-type-unknown``: the accepted names and the closest one.

    Args:
        name: The file stem or sheet name that was not recognised.
        kind: ``file`` or ``sheet``, for the message.
    """
    names = accepted_names()
    detail = f"{kind} name '{name}' is not a record type; use one of {', '.join(names)}"
    closest = difflib.get_close_matches(name.strip().casefold(), names, n=1, cutoff=0.5)
    return detail + (f" (closest: {closest[0]})" if closest else "")


def is_template_sheet(name: str) -> bool:
    """Whether a workbook sheet is one of the template's guidance sheets."""
    return " ".join(name.replace("_", " ").split()).casefold() in TEMPLATE_SHEETS


@dataclass(frozen=True)
class TextEncoding:
    """How to decode a text file.

    Attributes:
        name: Python codec name: ``utf-8``, ``cp1252`` or ``utf-16``.
        bom: Length of the byte-order mark to skip.
        label: What to tell the user (``UTF-8``, ``Windows-1252``...).
    """

    name: str
    bom: int
    label: str

    @property
    def is_utf8(self) -> bool:
        """UTF-8 input needs no transcoding."""
        return self.name == "utf-8"


UTF8 = TextEncoding("utf-8", 0, "UTF-8")
UTF8_BOM = TextEncoding("utf-8", len(_UTF8_BOM), "UTF-8 with BOM")
CP1252 = TextEncoding("cp1252", 0, "Windows-1252")
UTF16 = TextEncoding("utf-16", 0, "UTF-16")


def binary_reason(head: bytes) -> str | None:
    """Why the first bytes of a would-be text file show it is not text, or None."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return f"it is {what}, not a text file"
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        return "it holds binary data (NUL bytes), not text"
    return None


def detect_encoding(path: Path) -> TextEncoding:
    """The encoding of a text file: UTF-8 (with or without BOM), UTF-16, else Windows-1252.

    The whole file is checked, chunk by chunk, because "mixed" files (UTF-8 with a few
    pasted Windows-1252 bytes) often go wrong far from the top. Memory stays bounded.
    """
    with open(path, "rb") as handle:
        head = handle.read(_SCAN_CHUNK)
        if head.startswith(_UTF16_BOMS):
            return UTF16
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = head
        try:
            while chunk:
                # ASCII is valid UTF-8; skipping the decode keeps the scan near disk speed
                # (unless a multi-byte character was cut at the end of the last chunk).
                if not chunk.isascii() or decoder.getstate()[0]:
                    decoder.decode(chunk)
                chunk = handle.read(_SCAN_CHUNK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return CP1252
    return UTF8_BOM if head.startswith(_UTF8_BOM) else UTF8


def sniff_table_delimiter(sample: str, max_lines: int = 20) -> str:
    """The delimiter of a spreadsheet export that may have title lines above its header.

    :func:`sniff_delimiter` reads the first line only, which is a title ("Riverside Peer
    Support, WEMWBS returns") in many exports. Here each delimiter is counted on each of
    the first ``max_lines`` lines (outside double quotes); a delimiter scores its commonest
    non-zero count times the number of lines with that count, so the one that splits many
    lines the same way wins. Ties and single-column files give comma.
    """
    counts = {d: [0] for d in _DELIMITERS}
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "\n":
            if len(counts[","]) == max_lines:
                break
            for per_line in counts.values():
                per_line.append(0)
        elif not quoted and char in counts:
            counts[char][-1] += 1

    def score(delimiter: str) -> int:
        found = [n for n in counts[delimiter] if n > 0]
        if not found:
            return 0
        commonest = max(sorted(set(found)), key=found.count)
        return commonest * found.count(commonest)

    best = max(_DELIMITERS, key=score)
    return best if score(best) > score(",") else ","


def sniff_delimiter(sample: str) -> str:
    """The delimiter of the header line: comma, semicolon or tab, whichever is most used.

    Only characters outside double quotes count. Ties and single-column files give comma.
    """
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in ("\n", "\r"):
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","
