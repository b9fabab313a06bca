"""The plain-text report: verdict, a line per file, findings by file with hints, counts."""

from __future__ import annotations

from peerbench.validators.catalogue import entry
from peerbench.validators.render_text import render_text
from peerbench.validators.report import FileSummary, Report


def _report(max_findings: int = 100) -> Report:
    report = Report(max_findings=max_findings)
    outcomes = FileSummary("outcomes.csv", "outcome", "csv", rows=120)
    services = FileSummary("services.csv", "service", "csv", rows=4)
    report.files += [outcomes, services]
    report.add(
        "code-invalid",
        file="outcomes.csv",
        rows=[4, 9],
        column="timepoint",
        values=["3 months later", "x"],
        summary=outcomes,
    )
    report.add(
        "date-invalid",
        file="outcomes.csv",
        rows=[5],
        column="date_administered",
        values=["31/02/2025"],
        summary=outcomes,
    )
    report.add("column-unknown", file="services.csv", column="manager", summary=services)
    return report


def test_verdict_and_file_lines() -> None:
    text = render_text(_report())
    lines = text.splitlines()
    assert lines[0].startswith("NOT VALID: 3 errors and 1 warning in 2 files.")
    assert "outcomes.csv: 120 rows read as outcome; 3 errors, no warnings" in lines
    assert "services.csv: 4 rows read as service; no errors, 1 warning" in lines


def test_findings_listed_with_rows_columns_and_codes() -> None:
    lines = render_text(_report()).splitlines()
    row_4 = next(line for line in lines if line.strip().startswith("4 "))
    assert "timepoint" in row_4 and "code-invalid" in row_4 and "'3 months later'" in row_4
    assert any(line.strip().startswith("5 ") and "date-invalid" in line for line in lines)
    # A file-level finding has no row.
    assert any(line.strip().startswith("- ") and "manager" in line for line in lines)


def test_each_hint_once_per_file() -> None:
    text = render_text(_report())
    hint = entry("code-invalid").hint
    assert text.count(hint) == 1
    assert entry("date-invalid").hint in text
    assert entry("column-unknown").hint in text


def test_counts_per_code() -> None:
    lines = render_text(_report()).splitlines()
    start = lines.index("Problems by kind")
    counts = {line.split()[0]: line.split()[2] for line in lines[start + 2 :] if line.strip()}
    assert counts == {"code-invalid": "2", "column-unknown": "1", "date-invalid": "1"}


def test_capped_listing_says_how_many_more() -> None:
    text = render_text(_report(max_findings=2))
    assert "… and 2 more not listed. Use --max-errors to list more." in text


def test_valid_report() -> None:
    report = Report()
    report.files.append(FileSummary("services.csv", "service", "csv", rows=4))
    text = render_text(report)
    assert text.startswith("VALID: 1 file checked and no errors found.")
    assert "Problems by kind" not in text


def test_quality_scores_line() -> None:
    report = _report()
    report.extras["quality"] = {
        "score": {
            "overall": 81.5,
            "completeness": 92.25,
            "validity": 97.0,
            "follow_up_coverage": None,
        }
    }
    assert (
        render_text(report)
        .rstrip()
        .endswith(
            "Data quality: 81.5 out of 100 overall (completeness 92.25, validity 97, "
            "follow-up not assessed)."
        )
    )


def test_notes_are_counted_in_the_verdict_and_file_line() -> None:
    report = Report()
    summary = FileSummary("service_use.csv", "service_use", "csv")
    report.files.append(summary)
    report.add("record-type-empty", file="service_use.csv", detail="x", summary=summary)
    text = render_text(report)
    assert text.startswith("VALID: 1 file checked and no errors found (1 note).\n")
    assert "service_use.csv: no rows read as service_use; no errors, no warnings, 1 note" in text
    report.add("column-unknown", file="service_use.csv", column="n", summary=summary)
    assert render_text(report).startswith(
        "VALID: 1 file checked and no errors found (1 warning worth a look; 1 note).\n"
    )
