"""Errors in a user's assumptions file, collected together and named by row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataFileIssue:
    """One problem in an assumptions file.

    Attributes:
        row: Spreadsheet row number (the header is row 1, the first data row is row 2).
        column: The column at fault.
        code: Stable slug (``column-missing``, ``not-a-number``, ``value-missing``,
            ``pattern-invalid``, ``out-of-range``, ``duplicate-item``, ``range-order``).
        message: Plain-English description.
    """

    row: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message} [{self.code}]"


class DataFileError(ValueError):
    """An assumptions file could not be used; ``issues`` lists every problem found."""

    def __init__(self, path: str, issues: list[DataFileIssue]) -> None:
        self.path = path
        self.issues = issues
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{path}: {len(issues)} problem(s):\n{lines}")
