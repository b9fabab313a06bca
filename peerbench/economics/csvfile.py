"""Reading small assumptions CSVs with every problem reported by row and column."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

from peerbench.economics.errors import DataFileIssue

Row = dict[str, str]


def read_rows(path: Path, required: tuple[str, ...]) -> tuple[list[Row], list[DataFileIssue]]:
    """The rows of a CSV (UTF-8, header on row 1) and any missing required columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        rows = [
            {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
            for row in reader
        ]
    issues = [
        DataFileIssue(1, name, "column-missing", "required column is missing from the header")
        for name in required
        if name not in header
    ]
    return rows, issues


def number(
    row: Row, column: str, line: int, issues: list[DataFileIssue], *, required: bool = True
) -> float | None:
    """Parse ``row[column]`` as a finite number, recording a problem if it is not one."""
    text = row.get(column, "").replace(",", "").lstrip("£")
    if not text:
        if required:
            issues.append(DataFileIssue(line, column, "value-missing", "a value is required"))
        return None
    try:
        value = float(text)
    except ValueError:
        issues.append(
            DataFileIssue(line, column, "not-a-number", f"{row[column]!r} is not a number")
        )
        return None
    if not math.isfinite(value):
        issues.append(DataFileIssue(line, column, "not-a-number", "must be a finite number"))
        return None
    return value


def file_version(path: Path) -> str:
    """A version string for a user's file: its name and the start of its SHA-256."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"user:{path.name}:{digest}"
