"""A validation report as plain text for people: what was read, what is wrong, how to fix it.

Findings are grouped by file and listed as a table (row, column, kind, problem); each
fix hint is printed once per file after the table rather than on every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from peerbench.validators.catalogue import CATALOGUE
from peerbench.validators.report import FileSummary, Finding, Report

ACROSS_FILES = "All files"
"""Heading for findings that belong to no single file (e.g. checks across files)."""


def plural(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``, ``no errors``."""
    if count == 0:
        return f"no {noun}s"
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def verdict(report: Report) -> str:
    """One sentence saying whether the data passed, in words."""
    files = plural(len(report.files), "file")
    if report.valid:
        said = [f"{plural(report.warnings, 'warning')} worth a look"] if report.warnings else []
        said += [plural(report.notes, "note")] if report.notes else []
        extra = f" ({'; '.join(said)})" if said else ""
        return f"VALID: {files} checked and no errors found{extra}."
    return (
        f"NOT VALID: {plural(report.errors, 'error')} and {plural(report.warnings, 'warning')} "
        f"in {files}. Fix the errors, then check again."
    )


def file_line(summary: FileSummary) -> str:
    """One line per file: what it was read as and how many problems it has."""
    kind = f" as {summary.record_type}" if summary.record_type else ""
    notes = f", {plural(summary.notes, 'note')}" if summary.notes else ""
    return (
        f"{summary.file}: {plural(summary.rows, 'row')} read{kind}; "
        f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}{notes}"
    )


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Left-aligned columns; the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append((indent + "  ".join([*cells, row[-1]])).rstrip())
    return lines


def _file_section(name: str, findings: list[Finding]) -> list[str]:
    rows: list[tuple[str, ...]] = [("Row", "Column", "Kind", "Code", "What's wrong")]
    for finding in findings:
        rows.append(
            (
                "-" if finding.row is None else str(finding.row),
                finding.column or "-",
                finding.severity.value,
                finding.code,
                finding.message,
            )
        )
    lines = [name, *_table(rows)]
    hints = {f.code: f.hint for f in findings}
    lines.append("  How to fix:")
    lines.extend(_table([(code, hint) for code, hint in hints.items()], indent="    "))
    return lines


def _counts_section(report: Report) -> list[str]:
    rows: list[tuple[str, ...]] = [("Code", "Kind", "Count", "Meaning")]
    for code, count in sorted(report.by_code.items(), key=lambda item: (-item[1], item[0])):
        catalogue_entry = CATALOGUE[code]
        rows.append((code, catalogue_entry.severity.value, f"{count:,}", catalogue_entry.title))
    return ["Problems by kind", *_table(rows)]


def _number(value: object) -> str:
    return (
        "not assessed"
        if value is None
        else f"{value:g}"
        if isinstance(value, float)
        else str(value)
    )


def quality_line(report: Report) -> str | None:
    """One sentence with the data-quality scores, if a profile is attached to the report."""
    quality = report.extras.get("quality")
    score = quality.get("score") if isinstance(quality, Mapping) else None
    if not isinstance(score, Mapping):
        return None
    return (
        f"Data quality: {_number(score.get('overall'))} out of 100 overall "
        f"(completeness {_number(score.get('completeness'))}, "
        f"validity {_number(score.get('validity'))}, "
        f"follow-up {_number(score.get('follow_up_coverage'))})."
    )


def render_text(report: Report, *, more_hint: str = "Use --max-errors to list more.") -> str:
    """Render ``report`` as plain text ending in a newline.

    Args:
        report: The validation report.
        more_hint: Said after "… and N more" when the listing was capped.
    """
    lines = [verdict(report), ""]
    lines.extend(file_line(summary) for summary in report.files)
    findings = report.sorted_findings()
    for name, group in groupby(findings, key=lambda f: f.file or ACROSS_FILES):
        lines.append("")
        lines.extend(_file_section(name, list(group)))
    if report.by_code:
        lines.append("")
        lines.extend(_counts_section(report))
    hidden = report.errors + report.warnings + report.notes - len(report.findings)
    if hidden > 0:
        lines.extend(["", f"… and {hidden:,} more not listed. {more_hint}".rstrip()])
    quality = quality_line(report)
    if quality is not None:
        lines.extend(["", quality])
    return "\n".join(lines) + "\n"
