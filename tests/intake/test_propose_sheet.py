"""One sheet's proposal from its headers and cells: blocks, columns, values, TODOs."""

from __future__ import annotations

from peerbench.intake.propose_labels import age_band_table
from peerbench.intake.propose_model import SheetProposal
from peerbench.intake.propose_sheet import propose_sheet
from peerbench.schema.instruments.registry import default_registry

DEFS = list(default_registry())


def _propose(key: str, headers: list[str], rows: list[list[str]]) -> SheetProposal:
    return propose_sheet(key, headers, rows, DEFS, file="f.xlsx", sheet=key)


def _columns(proposal: SheetProposal, stem: str) -> dict[str, str]:
    block = proposal.block(stem)
    assert block is not None, f"no {stem} block"
    return {header: said.value for header, said in block.columns.items()}


WIDE_HEADERS = [
    "Client ID ",
    "Name",
    "DOB",
    "Gender",
    "First session",
    "Last session",
    "Mobile",
    *[f"Q{n} start" for n in range(1, 15)],
    "Start total",
    *[f"Q{n} (3 months)" for n in range(1, 15)],
    "3m total",
    "3 month date",
    "Notes",
]
WIDE_ROWS = [
    [
        "C001",
        "Ann Smith",
        "03/04/1980",
        "Woman",
        "14/01/2025",
        "20/04/2025",
        "07700 900123",
        *["4"] * 14,
        "56",
        *["5"] * 14,
        "70",
        "15/04/2025",
        "likes tea",
    ],
    [
        "C002",
        "Bob Jones",
        "13/11/1975",
        "M",
        "15/01/2025",
        "",
        "07700 900456",
        *["3"] * 14,
        "42",
        *[""] * 14,
        "",
        "",
        "",
    ],
]


def test_one_row_per_person_feeds_participants_engagements_and_wide_outcomes() -> None:
    proposal = _propose("Clients", WIDE_HEADERS, WIDE_ROWS)
    assert [b.stem for b in proposal.blocks] == ["participants", "engagements", "outcomes"]
    assert proposal.id_column is not None and proposal.id_column.value == "Client ID"
    assert set(proposal.identifiers) == {"Name", "Mobile"}
    assert proposal.date_of_birth is not None and proposal.date_of_birth.value == "DOB"
    assert set(proposal.skip) == {"Notes"}
    assert _columns(proposal, "participants") == {"Gender": "sex"}
    assert _columns(proposal, "engagements") == {
        "First session": "start_date",
        "Last session": "end_date",
    }
    outcomes = proposal.block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert (outcomes.instrument.value, outcomes.instrument.confidence) == ("WEMWBS", "likely")
    baseline, month_3 = outcomes.timepoints["baseline"], outcomes.timepoints["month_3"]
    assert (baseline.pattern, baseline.total) == ("Q{n} start", "Start total")
    assert baseline.date is not None and baseline.date.value == "First session"
    assert baseline.date.confidence == "unsure"
    assert any("baseline" in t and "'First session' is used" in t for t in outcomes.todos)
    assert (month_3.pattern, month_3.total) == ("Q{n} (3 months)", "3m total")
    assert month_3.date is not None and month_3.date.value == "3 month date"
    assert proposal.date_formats["First session"][0] == "dd/mm/yyyy"


def test_required_fields_nothing_provides_are_todos() -> None:
    proposal = _propose("Clients", WIDE_HEADERS, WIDE_ROWS)
    participants, engagements = proposal.block("participants"), proposal.block("engagements")
    assert participants is not None and engagements is not None
    assert any("consent_research" in todo for todo in participants.todos)
    assert any("end_reason" in todo for todo in engagements.todos)
    assert not any("age_band" in todo for todo in participants.todos)  # from DOB


def test_with_an_age_column_the_date_of_birth_serves_rows_without_an_age() -> None:
    proposal = _propose("Clients", ["ID", "DOB", "Age"], [["1", "01/02/1980", "45"]])
    assert proposal.date_of_birth is not None and proposal.date_of_birth.value == "DOB"
    assert "for rows without 'Age'" in proposal.date_of_birth.reason
    participants = proposal.block("participants")
    assert participants is not None
    assert participants.values["age_band"] == age_band_table()


def test_a_long_sheet_of_questionnaires_maps_items_to_item_columns() -> None:
    headers = ["Ref", "Date", "Stage", *[f"Q{n}" for n in range(1, 8)], "Total"]
    rows = [
        ["A1", "2025-01-14", "Start", "0", "1", "2", "3", "0", "1", "2", "9"],
        ["A1", "2025-04-14", "Intake", "1", "1", "1", "1", "1", "1", "1", "7"],
    ]
    proposal = _propose("Scores", headers, rows)
    assert [b.stem for b in proposal.blocks] == ["outcomes"]
    columns = _columns(proposal, "outcomes")
    assert columns["Stage"] == "timepoint"
    assert columns["Date"] == "date_administered"
    assert columns["Q3"] == "item_3" and columns["Total"] == "total_score"
    outcomes = proposal.block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert outcomes.instrument.value == "GAD7"  # a 0 rules out SWEMWBS
    assert outcomes.values == {"timepoint": {"Intake": "baseline"}}  # "Start" is a synonym
    assert proposal.date_formats["Date"][0] == "iso"


def test_ambiguous_instrument_is_a_todo_naming_the_others() -> None:
    headers = ["ID", "Date", "Stage", *[f"Item {n}" for n in range(1, 11)]]
    rows = [["1", "2025-01-14", "baseline", *["2"] * 10]]
    outcomes = _propose("Scores", headers, rows).block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert outcomes.instrument.confidence == "unsure"
    assert any("CORE10" in t and "REQOL10" in t for t in outcomes.todos)


def test_labels_not_in_a_code_list_are_todos_and_close_ones_mapped() -> None:
    proposal = _propose("People", ["ID", "Gender"], [["1", "Femal"], ["2", "Non-binary"]])
    participants = proposal.block("participants")
    assert participants is not None
    assert participants.values == {"sex": {"Femal": "female"}}
    assert any("check 'Femal', mapped to the nearest code" in t for t in participants.todos)
    assert any("'Non-binary'" in todo for todo in participants.todos)


def test_unknown_columns_are_listed_and_a_unique_reference_column_is_the_local_id() -> None:
    proposal = _propose(
        "People", ["Who", "Gender", "Colour"], [["P1", "F", "red"], ["P2", "M", "blue"]]
    )
    assert proposal.id_column is not None and proposal.id_column.value == "Who"
    assert proposal.id_column.confidence == "likely"
    assert proposal.unknown == ["Colour"]


def test_a_column_of_phone_numbers_is_an_identifier_whatever_its_header() -> None:
    proposal = _propose(
        "People",
        ["ID", "Extra", "Gender"],
        [["1", "07700 900123", "F"], ["2", "07700 900456", "M"]],
    )
    assert "Extra" in proposal.identifiers
    assert proposal.identifiers["Extra"].confidence == "likely"


def test_month_first_dates_are_never_given_a_format() -> None:
    proposal = _propose(
        "Sessions", ["ID", "Start date"], [["1", "01/14/2025"], ["2", "02/03/2025"]]
    )
    assert proposal.date_formats["Start date"][0] is None


def test_a_sheet_nothing_matches_has_no_block_and_says_so() -> None:
    proposal = _propose("Sheet1", ["Colour", "Size"], [["red", "big"]])
    assert proposal.blocks == []
    assert any("nothing on this sheet" in todo for todo in proposal.todos)


def test_an_instrument_column_with_other_names_is_a_todo() -> None:
    headers = ["ID", "Date", "Questionnaire", "Stage", *[f"Q{n}" for n in range(1, 8)]]
    rows = [
        ["1", "2025-01-14", "Short Warwick", "Start", *["3"] * 7],
        ["2", "2025-01-14", "swemwbs", "Start", *["3"] * 7],
    ]
    outcomes = _propose("Scores", headers, rows).block("outcomes")
    assert outcomes is not None and outcomes.instrument is None
    assert _columns(_propose("Scores", headers, rows), "outcomes")["Questionnaire"] == "instrument"
    assert any("holds 'Short Warwick', not registry codes" in todo for todo in outcomes.todos)


def test_answers_outside_the_only_instruments_range_leave_it_to_check() -> None:
    headers = ["ID", "Date", "Stage", *[f"Q{n}" for n in range(1, 15)]]
    rows = [["1", "2025-01-14", "Start", *["7"] * 14]]
    outcomes = _propose("Scores", headers, rows).block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert (outcomes.instrument.value, outcomes.instrument.confidence) == ("WEMWBS", "unsure")
    assert any(t.startswith("instrument: check WEMWBS") for t in outcomes.todos)


def test_labels_that_look_like_contact_details_are_never_written() -> None:
    proposal = _propose("People", ["ID", "Gender"], [["1", "F"], ["2", "07700 900123"]])
    participants = proposal.block("participants")
    assert participants is not None
    assert not any("07700" in t for t in participants.todos)
    assert any("1 labels are not in the sex code list" in t for t in participants.todos)


def test_a_column_named_like_the_instrument_holding_scores_is_the_total() -> None:
    headers = ["ID", "Date", "Stage", *[f"PHQ{n}" for n in range(1, 9)], "PHQ9 total"]
    rows = [["1", "2025-01-14", "Start", *["2"] * 8, "17"]]
    proposal = _propose("Scores", headers, rows)
    assert _columns(proposal, "outcomes")["PHQ1"] == "item_1"
    assert _columns(proposal, "outcomes")["PHQ9 total"] == "total_score"
    only_total = _propose(
        "Scores", ["ID", "Date", "Stage", "PHQ9"], [["1", "2025-01-14", "Start", "17"]]
    )
    assert _columns(only_total, "outcomes")["PHQ9"] == "total_score"


def test_numbers_under_timepoint_names_are_wide_totals() -> None:
    proposal = _propose("Scores", ["ID", "Start", "3 months"], [["1", "45", "52"], ["2", "40", ""]])
    outcomes = proposal.block("outcomes")
    assert outcomes is not None
    assert outcomes.timepoints["baseline"].total == "Start"
    assert outcomes.timepoints["month_3"].total == "3 months"
    dated = _propose("Sessions", ["ID", "Start"], [["1", "2025-01-14"]])
    assert _columns(dated, "engagements") == {"Start": "start_date"}


def test_an_unnamed_column_of_end_reasons_is_read_by_its_values() -> None:
    proposal = _propose(
        "Matches",
        ["Ref", "First session", "Column G"],
        [["1", "2025-01-14", "Still attending"], ["2", "2025-01-15", "Finished"]],
    )
    engagements = proposal.block("engagements")
    assert engagements is not None
    said = engagements.columns["Column G"]
    assert (said.value, said.confidence) == ("end_reason", "likely")
    assert "its values" in said.reason
    assert engagements.values == {}  # both are the code list's own words


def test_questionnaires_without_a_date_column_take_the_only_other_date_to_check() -> None:
    headers = ["Client code", "Start", *[f"Q{n}" for n in range(1, 8)]]
    rows = [["SP-1", "29/03/2026", *["1"] * 7], ["SP-2", "07/04/2026", *["2"] * 7]]
    proposal = _propose("export.csv", headers, rows)
    outcomes = proposal.block("outcomes")
    assert outcomes is not None and proposal.block("engagements") is None
    assert outcomes.columns["Start"].value == "date_administered"
    assert outcomes.columns["Start"].confidence == "unsure"
    assert any("'Start' is taken as the date" in todo for todo in outcomes.todos)


def test_not_answered_words_are_left_alone_and_unknown_answers_are_todos() -> None:
    headers = ["ID", "Date", "Stage", *[f"SWEMWBS {n}" for n in range(1, 8)]]
    rows = [["1", "2025-01-14", "Start", "Often", "n/a", "Rarely", "4 - Often", "Meh", "-", "5"]]
    outcomes = _propose("Scores", headers, rows).block("outcomes")
    assert outcomes is not None
    assert not any("n/a" in todo or "4 - Often" in todo for todo in outcomes.todos)
    assert any(todo.startswith("answers: 'Meh' are not among") for todo in outcomes.todos)


def test_ids_with_several_parts_and_surname_first_names_are_recognised() -> None:
    proposal = _propose(
        "export.csv",
        ["Member", "Patient", "Gender"],
        [
            ["HC-77-3401", "Notrealle, Tova", "F"],
            ["HC-77-4502", "Madeupton, Wyn", "M"],
            ["HC-77-4502", "Madeupton, Wyn", "M"],
        ],
    )
    assert proposal.id_column is not None and proposal.id_column.value == "Member"
    assert "Patient" in proposal.identifiers


def test_the_sheet_name_names_the_instrument_however_it_is_spelt() -> None:
    headers = ["ID", "Date", "Timepoint", *[f"Item {n}" for n in range(1, 11)]]
    rows = [["1", "2026-01-05", "Start", *["2"] * 10]]
    outcomes = _propose("CORE-10", headers, rows).block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert (outcomes.instrument.value, outcomes.instrument.confidence) == ("CORE10", "certain")
    assert not any("instrument" in todo for todo in outcomes.todos)


def test_an_ambiguous_timepoint_word_is_a_todo_and_a_lone_start_date_is_the_baseline_date() -> None:
    headers = [
        "Mum ID",
        "Start date",
        *[f"T1 Q{n}" for n in range(1, 8)],
        *[f"T2 Q{n}" for n in range(1, 8)],
        "T2 date",
    ]
    rows = [["M1", "01/02/2026", *["3"] * 7, *["4"] * 7, "01/08/2026"]]
    proposal = _propose("Mums", headers, rows)
    outcomes = proposal.block("outcomes")
    assert outcomes is not None
    assert set(outcomes.timepoints) == {"baseline", "end"}
    assert any("end is read from 'T2" in todo for todo in outcomes.todos)
    baseline = outcomes.timepoints["baseline"]
    assert baseline.date is not None and baseline.date.value == "Start date"
    assert proposal.block("engagements") is None  # its one column is the baseline date


def test_a_csv_files_name_names_the_instrument() -> None:
    headers = ["ID", "Date", "Timepoint", *[f"Q{n}" for n in range(1, 8)]]
    rows = [["1", "2026-01-05", "Baseline", *["3"] * 7]]
    proposal = propose_sheet("mens_shed_swemwbs.csv", headers, rows, DEFS, file="f.csv")
    outcomes = proposal.block("outcomes")
    assert outcomes is not None and outcomes.instrument is not None
    assert (outcomes.instrument.value, outcomes.instrument.confidence) == ("SWEMWBS", "certain")


def test_wide_items_with_a_gap_in_their_numbers_are_a_todo() -> None:
    headers = ["ID", *[f"Q{n} start" for n in (1, 2, 4, 5, 6, 7, 8)], "Start date"]
    rows = [["1", *["3"] * 7, "2026-01-05"]]
    outcomes = _propose("Scores", headers, rows).block("outcomes")
    assert outcomes is not None
    assert outcomes.timepoints["baseline"].pattern is None
    assert any("not numbered 1 to 7 (found 1, 2, 4" in todo for todo in outcomes.todos)


def test_start_and_end_on_a_people_sheet_are_the_episodes_dates() -> None:
    proposal = _propose("Clients", ["ID", "Sex", "Start", "End"], [["1", "F", "2026-01-05", ""]])
    assert _columns(proposal, "engagements") == {"Start": "start_date", "End": "end_date"}
    on_scores = _propose("Attendance log", ["ID", "Status"], [["1", "Finished"]])
    assert on_scores.block("engagements") is not None
