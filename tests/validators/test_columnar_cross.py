"""Checks across records and files."""

from __future__ import annotations

from typing import Any

from peerbench.validators.engine import Options, table_source, validate_sources
from peerbench.validators.report import Report
from tests.validators.columnar.tables import (
    KEY,
    OTHER_KEY,
    TODAY,
    Flat,
    flat,
    text_table,
    valid_row,
)


def run_files(*files: tuple[str, str, list[dict[str, Any]]]) -> Report:
    """Validate several (file name, record type, rows) as one run."""
    sources = [table_source(text_table(rows), rt, file=name) for name, rt, rows in files]
    return validate_sources(sources, Options(today=TODAY)).report


def by_file(report: Report) -> list[tuple[str | None, int | None, str | None, str]]:
    return [(f.file, f.row, f.column, f.code) for f in report.sorted_findings()]


def test_duplicate_key_points_at_first_row() -> None:
    rows = [
        valid_row("outcome", record_id="a"),
        valid_row("outcome", record_id="b"),
        valid_row("outcome", record_id="a"),
        valid_row("outcome", record_id="a"),
    ]
    report = run_files(("outcomes.csv", "outcome", rows))
    assert report.flatten() == [
        (4, "record_id", "duplicate-key"),
        (5, "record_id", "duplicate-key"),
    ]
    assert report.findings[0].value == "2"
    assert report.findings[0].message == "record_id 'a' appears more than once (also on row 2)."


def test_composite_duplicate_key() -> None:
    rows = [
        valid_row("participant"),
        valid_row("participant", service_id="other"),
        valid_row("participant"),
    ]
    assert flat(rows, "participant") == [(4, "participant_key", "duplicate-key")]


def test_duplicates_across_files() -> None:
    report = run_files(
        ("a.csv", "outcome", [valid_row("outcome", record_id="x")]),
        ("b.csv", "outcome", [valid_row("outcome", record_id="x")]),
    )
    assert by_file(report) == [("b.csv", 2, "record_id", "duplicate-key")]
    assert "(first in a.csv)" in report.findings[0].message


def test_unknown_reference_only_when_the_type_is_in_the_run() -> None:
    outcomes = [
        valid_row("outcome", record_id="1"),
        valid_row("outcome", record_id="2", participant_key=OTHER_KEY),
        valid_row("outcome", record_id="3", service_id="elsewhere"),
    ]
    assert run_files(("outcomes.csv", "outcome", outcomes)).flatten() == []
    participants = [
        valid_row("participant"),
        valid_row("participant", participant_key=OTHER_KEY, service_id="elsewhere"),
    ]
    report = run_files(
        ("participants.csv", "participant", participants), ("outcomes.csv", "outcome", outcomes)
    )
    assert by_file(report) == [
        # OTHER_KEY is known, but only at service 'elsewhere'.
        ("outcomes.csv", 3, "participant_key", "unknown-reference"),
        ("outcomes.csv", 4, "participant_key", "unknown-reference"),
    ]


def test_unknown_service_and_organisation() -> None:
    report = run_files(
        ("organisations.csv", "organisation", [valid_row("organisation")]),
        (
            "services.csv",
            "service",
            [valid_row("service"), valid_row("service", service_id="s2", organisation_id="x")],
        ),
        ("participants.csv", "participant", [valid_row("participant", service_id="nope")]),
    )
    assert by_file(report) == [
        ("participants.csv", 2, "service_id", "unknown-reference"),
        ("services.csv", 3, "organisation_id", "unknown-reference"),
    ]
    assert report.findings[0].message == (
        "organisation_id 'x' does not match any organisation_id in organisations."
    )


def outcome(record_id: str, timepoint: str, date: str, **changes: Any) -> dict[str, Any]:
    return valid_row(
        "outcome",
        record_id=record_id,
        timepoint=timepoint,
        date_administered=date,
        days_since_start=None,
        **changes,
    )


def test_follow_up_before_baseline() -> None:
    rows = [
        outcome("1", "baseline", "2025-03-01"),
        outcome("2", "month_3", "2025-02-01"),
        outcome(
            "3", "month_3", "2025-02-01", instrument="GAD7", items=[1] * 7, total_score=7
        ),  # another instrument: no baseline to compare with
        outcome("4", "end", "2025-05-01"),
    ]
    report_rows = flat(rows, "outcome")
    assert report_rows == [(3, "date_administered", "follow-up-before-baseline")]


def test_timepoint_out_of_window() -> None:
    rows = [
        outcome("1", "baseline", "2025-01-01"),
        outcome("2", "month_3", "2025-01-20"),  # 19 days
        outcome("3", "month_3", "2025-04-01"),  # 90 days
        outcome("4", "month_6", "2025-12-01"),  # 334 days
        outcome("5", "month_12", "2025-12-31"),
    ]  # 364 days
    report = flat(rows, "outcome")
    assert report == [
        (3, "timepoint", "timepoint-out-of-window"),
        (5, "timepoint", "timepoint-out-of-window"),
    ]


def test_attribute_conflict() -> None:
    rows = [
        valid_row("participant"),
        valid_row("participant", sex="male"),
        valid_row("participant", participant_key=OTHER_KEY),
        valid_row("participant", participant_key=OTHER_KEY, ethnicity=""),
    ]
    expected: Flat = [
        (3, "participant_key", "duplicate-key"),
        (3, "sex", "attribute-conflict"),
        (5, "participant_key", "duplicate-key"),
    ]
    assert flat(rows, "participant") == expected
    assert KEY != OTHER_KEY


def test_attribute_conflict_across_services() -> None:
    """One person keeps their key in every service of an organisation."""
    rows = [
        valid_row("participant", service_id="s-one"),
        valid_row("participant", service_id="s-two", sex="male"),
        valid_row("participant", service_id="s-three"),
        valid_row("participant", participant_key=OTHER_KEY, service_id="s-two", sex="male"),
    ]
    report = run_files(
        ("services.csv", "service", [valid_row("service", service_id=s) for s in _SERVICES]),
        ("participants.csv", "participant", rows),
    )
    conflicts = [f for f in report.findings if f.code == "attribute-conflict"]
    assert [(f.file, f.row, f.column) for f in conflicts] == [("participants.csv", 3, "sex")]
    first_sex = valid_row("participant")["sex"]
    assert conflicts[0].value == "male"
    assert conflicts[0].message.endswith(f"('male' vs '{first_sex}' on row 2).")
    assert "duplicate-key" not in report.by_code


def test_attribute_conflict_names_other_file() -> None:
    report = run_files(
        ("a.csv", "participant", [valid_row("participant", service_id="s-one")]),
        ("b.csv", "participant", [valid_row("participant", service_id="s-two", sex="male")]),
    )
    conflicts = [f for f in report.findings if f.code == "attribute-conflict"]
    assert [(f.file, f.row, f.column, f.value) for f in conflicts] == [("b.csv", 2, "sex", "male")]
    assert "a.csv row 2" in conflicts[0].message


_SERVICES = ("s-one", "s-two", "s-three")


def test_a_workers_questionnaire_references_peer_workers_not_participants() -> None:
    """Standard 1.2: an outcome whose subject is peer_worker names a worker, not a participant."""
    worker = valid_row("peer_worker", worker_key=OTHER_KEY)
    outcomes = [
        valid_row("outcome", record_id="1"),  # a participant's: KEY is in participants
        valid_row("outcome", record_id="2", participant_key=OTHER_KEY, subject="peer_worker"),
        valid_row("outcome", record_id="3", participant_key=KEY, subject="peer_worker"),
        valid_row("outcome", record_id="4", participant_key=OTHER_KEY, subject="participant"),
    ]
    report = run_files(
        ("participants.csv", "participant", [valid_row("participant")]),
        ("peer_workers.csv", "peer_worker", [worker]),
        ("outcomes.csv", "outcome", outcomes),
    )
    assert by_file(report) == [
        ("outcomes.csv", 4, "participant_key", "unknown-reference"),  # KEY is no worker
        ("outcomes.csv", 5, "participant_key", "unknown-reference"),  # OTHER_KEY no participant
    ]
    messages = [f.message for f in report.sorted_findings()]
    assert "worker_key and service_id in peer_workers" in messages[0]
    assert "participant_key and service_id in participants" in messages[1]


def test_worker_and_referral_rules() -> None:
    workers = [
        valid_row("peer_worker", end_date="2024-01-01", end_reason="new_role"),  # before start
        valid_row("peer_worker", worker_key=OTHER_KEY, end_reason="own_health"),  # no end date
    ]
    referrals = [
        valid_row("referral", first_contact_date="2024-12-31"),  # before the referral
        valid_row("referral", participant_key=OTHER_KEY, first_contact_date=None),  # started
        valid_row(
            "referral", referral_date="2025-02-01", uptake="declined", first_contact_date=None
        ),
    ]
    report = run_files(
        ("peer_workers.csv", "peer_worker", workers), ("referrals.csv", "referral", referrals)
    )
    assert [(f, r, c) for f, r, c, _code in by_file(report)] == [
        ("peer_workers.csv", 2, "end_date"),
        ("peer_workers.csv", 3, "end_date"),
        ("referrals.csv", 2, "first_contact_date"),
        ("referrals.csv", 3, "first_contact_date"),
    ]
