"""Rules across sheets: a record type comes from the sheet named for it."""

from __future__ import annotations

from peerbench.intake.propose_sheet import propose_sheet
from peerbench.intake.propose_workbook import one_home_per_record_type
from peerbench.schema.instruments.registry import default_registry

DEFS = list(default_registry())


def test_a_stray_date_on_a_people_sheet_is_where_the_age_is_taken() -> None:
    members = propose_sheet(
        "Members",
        ["Member No.", "DOB", "Gender", "Date joined"],
        [["M1", "01/02/1960", "F", "03/04/2025"]],
        DEFS,
        sheet="Members",
    )
    attendance = propose_sheet(
        "Attendance",
        ["Member No.", "First session", "Date left", "Status"],
        [["M1", "03/04/2025", "", "Still coming"]],
        DEFS,
        sheet="Attendance",
    )
    assert members.block("engagements") is not None  # before the rule
    one_home_per_record_type([members, attendance])
    assert [b.stem for b in members.blocks] == ["participants"]
    assert members.date_of_birth_at is not None
    assert members.date_of_birth_at.value == "Date joined"
    assert [b.stem for b in attendance.blocks] == ["engagements"]


def test_a_one_row_per_person_sheet_keeps_its_blocks() -> None:
    clients = propose_sheet(
        "Clients",
        ["ID", "Gender", "First session", "Last session", "Sessions attended"],
        [["1", "F", "2025-01-01", "2025-02-01", "4"]],
        DEFS,
        sheet="Clients",
    )
    sessions = propose_sheet(
        "Sessions",
        ["ID", "Start date", "Reason for leaving"],
        [["1", "2025-01-01", "Finished"]],
        DEFS,
        sheet="Sessions",
    )
    one_home_per_record_type([clients, sessions])
    assert [b.stem for b in clients.blocks] == ["participants", "engagements"]


def test_a_date_of_birth_with_no_date_to_take_the_age_at_is_a_todo() -> None:
    people = propose_sheet(
        "People", ["ID", "DOB", "Sex"], [["1", "01/02/1960", "F"]], DEFS, sheet="People"
    )
    one_home_per_record_type([people])
    assert any(todo.startswith("date_of_birth: no start") for todo in people.todos)
