"""Check a workbook against the limits before openpyxl expands any of it.

An .xlsx file is a zip archive of XML. The zip directory gives every member's expanded
size without decompressing anything (and :mod:`zipfile` never returns more than that
size, so the directory cannot understate it). Then the shared strings and worksheets
are streamed through a counting reader, 1 MiB at a time, stopping at the first limit:
rows and shared strings are counted by their tags, and a stretch of XML with no new cell
longer than a cell could be is a cell over :attr:`Limits.max_cell_chars`. Memory stays at
a few MiB whatever the file claims.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from peerbench.validators.limits import EXCEL_MAX_ROWS, Limits, limit_finding
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

_CHUNK = 1 << 20
_BYTES_PER_CHAR = 8
"""Generous XML bytes per character of cell text: UTF-8 (up to 4) or an escape such as
``&quot;`` (6), plus rich-text runs; a cell's XML longer than this many bytes per
allowed character (and a small allowance) cannot hold an allowed cell."""
_CELL_ALLOWANCE = 4096
_UNIQUE_COUNT = re.compile(rb'uniqueCount="([0-9]+)"')


def _cell_bound(limits: Limits) -> int:
    return limits.max_cell_chars * _BYTES_PER_CHAR + _CELL_ALLOWANCE


def xlsx_limit_problem(path: Path, file: str, limits: Limits) -> Finding | None:
    """The first limit the workbook goes over, or None (also None if it is no zip)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # openpyxl reports the damage as file-unreadable
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > limits.max_decompressed_bytes:
            found = f"it expands from {path.stat().st_size:,} to {total:,} bytes once unzipped"
            return limit_finding(
                file, "max_decompressed_bytes", limits.max_decompressed_bytes, found
            )
        for member in members:
            name = member.filename.lower()
            try:
                if name.endswith("sharedstrings.xml"):
                    problem = _scan_strings(archive, member, file, limits)
                elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    problem = _scan_sheet(archive, member, file, limits)
                else:
                    continue
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                return None  # a damaged member: openpyxl reports it
            if problem is not None:
                return problem
    return None


def _scan_strings(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file: str, limits: Limits
) -> Finding | None:
    """Count shared strings (``<si>``) and look for one longer than a cell may be."""
    bound, strings, offset, last = _cell_bound(limits), 0, 0, 0
    with archive.open(member) as stream:
        chunk = stream.read(_CHUNK)
        declared = _UNIQUE_COUNT.search(chunk[:4096])
        if declared is not None and int(declared.group(1)) > limits.max_shared_strings:
            found = f"its shared-strings table declares {int(declared.group(1)):,} strings"
            return limit_finding(file, "max_shared_strings", limits.max_shared_strings, found)
        while chunk:
            strings += chunk.count(b"<si>") + chunk.count(b"<si ")
            if strings > limits.max_shared_strings:
                most = limits.max_shared_strings
                found = f"its shared-strings table holds more than {most:,} strings"
                return limit_finding(file, "max_shared_strings", most, found)
            start = max(chunk.rfind(b"<si>"), chunk.rfind(b"<si "))
            last = offset + start if start >= 0 else last
            offset += len(chunk)
            if offset - last > bound:
                return _long_cell(file, limits, offset - last)
            chunk = stream.read(_CHUNK)
    return None


def _scan_sheet(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file: str, limits: Limits
) -> Finding | None:
    """Count rows (``<row>``) and look for a cell longer than a cell may be."""
    bound, rows, offset, last = _cell_bound(limits), 0, 0, 0
    max_rows = min(limits.max_rows, EXCEL_MAX_ROWS) + 1  # and the header row
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            rows += chunk.count(b"<row>") + chunk.count(b"<row ")
            if rows > max_rows:
                name = "max_rows"
                if limits.max_rows > EXCEL_MAX_ROWS:  # a fact of the format, not a setting
                    detail = (
                        f"a sheet has more than the {EXCEL_MAX_ROWS:,} rows an Excel worksheet "
                        "can hold; save data this large as CSV or Parquet"
                    )
                    return finding("limit-exceeded", file=file, detail=detail)
                found = f"a sheet has more than {limits.max_rows:,} data rows"
                return limit_finding(file, name, limits.max_rows, found)
            start = max(chunk.rfind(b"<c "), chunk.rfind(b"<c>"), chunk.rfind(b"<row"))
            last = offset + start if start >= 0 else last
            offset += len(chunk)
            if offset - last > bound:
                return _long_cell(file, limits, offset - last)
    return None


def _long_cell(file: str, limits: Limits, size: int) -> Finding:
    found = f"a cell's text runs to more than {size:,} bytes"
    return limit_finding(file, "max_cell_chars", limits.max_cell_chars, found)
