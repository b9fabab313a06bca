"""Reports count errors, warnings and notes apart; notes never make data invalid."""

from __future__ import annotations

from peerbench.validators.catalogue import Severity
from peerbench.validators.report import FileSummary, Report


def _report() -> Report:
    report = Report(max_findings=2)
    summary = FileSummary("service_use.csv", "service_use", "csv")
    report.files.append(summary)
    report.add("record-type-empty", file="service_use.csv", detail="x", summary=summary)
    report.add("column-unknown", file="service_use.csv", column="n", summary=summary)
    report.add(
        "total-answered-sum", file="service_use.csv", rows=[2, 3], detail="y", summary=summary
    )
    return report


def test_notes_are_counted_apart_and_keep_the_report_valid() -> None:
    report = _report()
    assert (report.errors, report.warnings, report.notes) == (0, 1, 3)
    assert (report.files[0].errors, report.files[0].warnings, report.files[0].notes) == (0, 1, 3)
    assert report.valid
    assert report.truncated  # four findings, two listed
    assert [f.severity for f in report.findings] == [Severity.NOTE, Severity.WARNING]


def test_notes_survive_the_json_form() -> None:
    data = _report().to_dict()
    assert data["summary"]["notes"] == 3 and data["files"][0]["notes"] == 3
    again = Report.from_dict(data)
    assert (again.errors, again.warnings, again.notes) == (0, 1, 3)
    assert again.files[0].notes == 3
    assert Report.from_dict({"summary": {}}).notes == 0  # a report stored before notes
