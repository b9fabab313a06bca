"""Validation reports: findings collected lazily, counted in full, listed up to a cap.

Engines hand over findings in bulk (one code, one column, many rows) so a file with a
million bad cells costs one array, not a million objects; only the first
``max_findings`` become :class:`Finding` objects, while counts cover everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peerbench.schema.version import STANDARD_VERSION
from peerbench.validators.catalogue import NULLED_CODES, Severity, entry

DEFAULT_MAX_FINDINGS = 1000


@dataclass(frozen=True)
class Finding:
    """One problem at one place: file, spreadsheet row (header = 1), column, value."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @property
    def hint(self) -> str:
        """How to fix it, from the catalogue."""
        return entry(self.code).hint

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by the CLI, the API and the HTML report."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
        }


@dataclass
class FileSummary:
    """What was read from one file.

    Attributes:
        invalid_cells: Per column, cells that held a value which could not be used (a
            :data:`~peerbench.validators.catalogue.NULLED_CODES` finding): the value was
            given, so the data-quality profile counts it as complete but not valid.
    """

    file: str
    record_type: str | None
    file_format: str | None
    rows: int = 0
    encoding: str | None = None
    errors: int = 0
    warnings: int = 0
    invalid_cells: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "file": self.file,
            "record_type": self.record_type,
            "format": self.file_format,
            "rows": self.rows,
            "encoding": self.encoding,
            "errors": self.errors,
            "warnings": self.warnings,
            "invalid_cells": dict(sorted(self.invalid_cells.items())),
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass
class Report:
    """All findings for one validation run over one or more files."""

    max_findings: int = DEFAULT_MAX_FINDINGS
    files: list[FileSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    by_code: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    warnings: int = 0
    extras: dict[str, Any] = field(default_factory=dict)
    """Further sections (e.g. the data-quality profile) added by other modules."""

    @property
    def valid(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return self.errors == 0

    def add(
        self,
        code: str,
        *,
        file: str | None = None,
        rows: Sequence[int] | None = None,
        column: str | None = None,
        values: Sequence[Any] | None = None,
        detail: str | Sequence[str] = "",
        summary: FileSummary | None = None,
        files: Sequence[str] | None = None,
    ) -> None:
        """Record findings of one code: one per entry of ``rows`` (or one, file-level).

        Args:
            code: A catalogue code.
            file: File name as the user knows it.
            rows: Spreadsheet row numbers (header = 1), one per finding.
            column: Column the findings are in.
            values: Offending values, parallel to ``rows``.
            detail: Text for the message's ``{detail}``: one string for all, or one per row.
            summary: The file's summary, whose counts are updated.
            files: Per finding, the file to name instead of ``file`` (parallel to
                ``rows``): the user's own spreadsheet, for a generated file.
        """
        catalogue_entry = entry(code)
        row_list: Sequence[int | None] = [None] if rows is None else rows
        count = len(row_list)
        if count == 0:
            return
        self._count(code, count, summary)
        if summary is not None and column is not None and code in NULLED_CODES:
            summary.invalid_cells[column] += count
        room = self.max_findings - len(self.findings)
        for i in range(min(room, count)):
            value = None if values is None else _text(values[i])
            text = detail if isinstance(detail, str) else detail[i]
            row = row_list[i]
            self.findings.append(
                Finding(
                    code=code,
                    severity=catalogue_entry.severity,
                    message=catalogue_entry.message.format(
                        column=column or "", value=value or "", detail=text
                    ),
                    file=file if files is None else files[i],
                    row=None if row is None else int(row),
                    column=column,
                    value=value,
                )
            )

    def extend(self, findings: Iterable[Finding], summary: FileSummary | None = None) -> None:
        """Add findings already built with their messages (by the record engine)."""
        for finding in findings:
            self._count(finding.code, 1, summary)
            if summary is not None and finding.column is not None and finding.code in NULLED_CODES:
                summary.invalid_cells[finding.column] += 1
            if len(self.findings) < self.max_findings:
                self.findings.append(finding)

    def _count(self, code: str, count: int, summary: FileSummary | None) -> None:
        self.by_code[code] += count
        if entry(code).severity is Severity.ERROR:
            self.errors += count
            if summary is not None:
                summary.errors += count
        else:
            self.warnings += count
            if summary is not None:
                summary.warnings += count

    @property
    def truncated(self) -> bool:
        """True when more findings exist than are listed."""
        return self.errors + self.warnings > len(self.findings)

    def sorted_findings(self) -> list[Finding]:
        """Listed findings ordered by file, row and column."""
        return sorted(
            self.findings, key=lambda f: (f.file or "", f.row or 0, f.column or "", f.code)
        )

    def flatten(self) -> list[tuple[int | None, str | None, str]]:
        """``(row, column, code)`` triples: the compact form tests assert on."""
        return [(f.row, f.column, f.code) for f in self.sorted_findings()]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, max_findings: int | None = None) -> Report:
        """Rebuild a report from its JSON form (e.g. one stored by the server) to render it.

        Args:
            data: What :meth:`to_dict` returned.
            max_findings: List at most this many of the stored findings (all counts kept).
        """
        summary = data.get("summary", {})
        listed = max(int(summary.get("listed", 0)), 1)
        report = cls(max_findings=listed if max_findings is None else max_findings)
        report.errors = int(summary.get("errors", 0))
        report.warnings = int(summary.get("warnings", 0))
        report.by_code.update({str(k): int(v) for k, v in summary.get("by_code", {}).items()})
        for item in data.get("files", []):
            report.files.append(
                FileSummary(
                    item["file"],
                    item.get("record_type"),
                    item.get("format"),
                    rows=item.get("rows", 0),
                    encoding=item.get("encoding"),
                    errors=item.get("errors", 0),
                    warnings=item.get("warnings", 0),
                    invalid_cells=Counter(
                        {str(k): int(v) for k, v in item.get("invalid_cells", {}).items()}
                    ),
                )
            )
        for item in data.get("findings", [])[: report.max_findings]:
            report.findings.append(
                Finding(
                    item["code"],
                    Severity(item["severity"]),
                    item["message"],
                    item.get("file"),
                    item.get("row"),
                    item.get("column"),
                    item.get("value"),
                )
            )
        known = {"valid", "standard_version", "files", "summary", "findings"}
        report.extras = {k: v for k, v in data.items() if k not in known}
        return report

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (SPEC "Validation report")."""
        return {
            "valid": self.valid,
            "standard_version": STANDARD_VERSION,
            "files": [f.to_dict() for f in self.files],
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "by_code": dict(sorted(self.by_code.items())),
                "listed": len(self.findings),
                "truncated": self.truncated,
            },
            "findings": [f.to_dict() for f in self.sorted_findings()],
            **self.extras,
        }
