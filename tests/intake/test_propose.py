"""Whole proposals: every YAML written loads as a mapping, and holds no data value."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench.intake.mapping import MappingFile, load_mapping
from peerbench.intake.propose import SERVICE_PLACEHOLDER, Proposal, propose_from_sheets
from peerbench.intake.propose_model import SheetInput

WIDE = SheetInput(
    key="Clients",
    file="clients.xlsx",
    sheet="Clients",
    headers=[
        "Client ID ",
        "Full name",
        "D.O.B.",
        "Gender",
        "Consent",
        "First session",
        "Last session",
        *[f"WEMWBS {n} start" for n in range(1, 15)],
        *[f"WEMWBS {n} end" for n in range(1, 15)],
        "End date",
        "Postcode",
    ],
    rows=[
        [
            "C001",
            "Ann Smith",
            "03/04/1980",
            "Woman",
            "Yes",
            "14/01/2025",
            "20/04/2025",
            *["Often"] * 14,
            *["All of the time"] * 14,
            "20/04/2025",
            "LS6 2AB",
        ],
        [
            "C002",
            "Bob Jones",
            "13/11/1975",
            "M",
            "No",
            "15/01/2025",
            "",
            *["Rarely"] * 14,
            *[""] * 14,
            "",
            "ls62ab",
        ],
    ],
    header_row=3,
    notes=["Rows 1-2 above the header: a title, skipped"],
)
LONG = SheetInput(
    key="scores.csv",
    file="scores.csv",
    sheet=None,
    headers=["Ref", "Date completed", "Stage", *[f"Q{n}" for n in range(1, 8)], "Score", "Service"],
    rows=[
        ["R17", "02/03/2025", "Start", "1", "2", "3", "4", "5", "4", "3", "22", "walk-and-talk"],
        ["R17", "01/06/2025", "3 months", "2", "2", "3", "4", "5", "4", "4", "24", "walk-and-talk"],
    ],
)
SESSIONS = SheetInput(
    key="Attendance",
    file="book.xlsx",
    sheet="Attendance",
    headers=["Client ref", "Start date", "End date", "Sessions attended", "Reason for leaving"],
    rows=[
        ["X9", "2025-01-02", "2025-03-04", "6", "Finished"],
        ["X10", "2025-02-01", "", "2", "Still attending"],
    ],
)
NAMED_ONLY = SheetInput(
    key="Sessions",
    file="book.xlsx",
    sheet="Sessions",
    headers=["Client ID", "Date", "Attended"],
    rows=[["X9", "2025-01-02", "Yes"]],
)
EMPTY_LOOKING = SheetInput(
    key="Lookups", file="book.xlsx", sheet="Lookups", headers=["Colour"], rows=[["red"]]
)
IDENTIFYING = [
    "Ann Smith",
    "Bob Jones",
    "03/04/1980",
    "13/11/1975",
    "C001",
    "C002",
    "LS6 2AB",
    "ls62ab",
    "R17",
    "X9",
    "X10",
]


def _load(proposal: Proposal, tmp_path: Path) -> MappingFile:
    path = tmp_path / "mapping.yaml"
    path.write_text(proposal.to_yaml(), encoding="utf-8")
    return load_mapping(path)


@pytest.mark.parametrize(
    "inputs",
    [[WIDE], [LONG], [SESSIONS], [WIDE, SESSIONS, EMPTY_LOOKING], [LONG, SESSIONS], [NAMED_ONLY]],
    ids=["wide", "long", "sessions", "workbook", "two-files", "nothing-matched-yet"],
)
def test_every_proposed_yaml_loads_and_holds_no_data_value(
    inputs: list[SheetInput], tmp_path: Path
) -> None:
    proposal = propose_from_sheets(inputs)
    mapping = _load(proposal, tmp_path)
    assert mapping.version == 2
    assert set(mapping.sheets) == {i.key for i in inputs if i.key != "Lookups"}
    text = proposal.to_yaml()
    for value in IDENTIFYING:
        assert value not in text, value


def test_the_wide_sheet_loads_as_the_standard_would_read_it(tmp_path: Path) -> None:
    mapping = _load(propose_from_sheets([WIDE]), tmp_path)
    sheet = mapping.sheets["Clients"]
    assert sheet.header_row == 3
    assert sheet.id_column == "Client ID"
    assert set(sheet.identifiers) == {"Full name", "Postcode"}
    assert sheet.date_of_birth is not None and sheet.date_of_birth.column == "D.O.B."
    outcomes = sheet.blocks["outcome"]
    assert outcomes.instrument == "WEMWBS"
    assert outcomes.timepoints["baseline"].items == "WEMWBS {n} start"
    assert outcomes.timepoints["end"].date == "End date"
    assert sheet.blocks["participant"].columns == {"Gender": "sex", "Consent": "consent_research"}
    assert mapping.date_format == "dd/mm/yyyy"
    assert mapping.constants == {"service_id": SERVICE_PLACEHOLDER}


def test_a_service_column_means_no_service_constant(tmp_path: Path) -> None:
    proposal = propose_from_sheets([LONG])
    mapping = _load(proposal, tmp_path)
    assert mapping.constants == {}
    block = mapping.sheets["scores.csv"].blocks["outcome"]
    assert block.columns["Service"] == "service_id"
    assert block.columns["Q7"] == "item_7"
    assert block.instrument == "SWEMWBS"
    assert block.values == {}  # Start and 3 months are the timepoint code list's words


def test_code_list_synonyms_need_no_values(tmp_path: Path) -> None:
    mapping = _load(propose_from_sheets([SESSIONS]), tmp_path)
    block = mapping.sheets["Attendance"].blocks["engagement"]
    assert block.columns == {
        "Start date": "start_date",
        "End date": "end_date",
        "Sessions attended": "sessions_attended",
        "Reason for leaving": "end_reason",
    }
    assert block.values == {}
    assert mapping.date_format == "iso"


def test_comments_say_how_sure_each_choice_is_and_todos_are_counted() -> None:
    proposal = propose_from_sheets([WIDE, EMPTY_LOOKING])
    text = proposal.to_yaml()
    assert "Gender: sex" in text and "matched header 'Gender' to sex (certain)" in text
    assert "(likely)" in text
    todos = text.count("# TODO:")
    assert todos == proposal.todo_count() > 0
    assert f"({todos} left)" in text
    assert "sheet 'Lookups' of book.xlsx matched no record type" in text
    assert "Rows 1-2 above the header: a title, skipped" in text


def test_the_summary_names_what_matched_what_is_left_and_the_next_command() -> None:
    proposal = propose_from_sheets([WIDE])
    summary = proposal.summary("my mapping.yaml")
    assert "Clients -> participants, engagements, outcomes" in summary
    assert f"{proposal.todo_count()} TODO lines in my mapping.yaml" in summary
    assert (
        "peerbench prepare clients.xlsx --mapping 'my mapping.yaml' --key-file org.key "
        "--out prepared/" in summary
    )


def test_the_proposal_is_the_same_every_time() -> None:
    assert (
        propose_from_sheets([WIDE, LONG]).to_yaml() == propose_from_sheets([WIDE, LONG]).to_yaml()
    )


def test_the_yaml_names_files_but_never_their_folders() -> None:
    sheet = SheetInput(
        key="Clients",
        file="/home/ann.smith/Desktop/clients.xlsx",
        sheet="Clients",
        headers=["ID", "Gender"],
        rows=[["1", "F"]],
    )
    text = propose_from_sheets([sheet]).to_yaml()
    assert "clients.xlsx" in text
    assert "ann.smith" not in text and "Desktop" not in text


def test_month_first_dates_leave_the_date_format_to_the_coordinator() -> None:
    sheet = SheetInput(
        key="Sessions",
        file="s.csv",
        sheet=None,
        headers=["ID", "Start date", "End date"],
        rows=[["1", "01/14/2025", "02/20/2025"], ["2", "03/02/2025", ""]],
    )
    proposal = propose_from_sheets([sheet])
    assert proposal.date_format is None
    assert any("never guesses month-first dates" in todo for todo in proposal.todos)
