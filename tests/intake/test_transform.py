"""apply_mapping: a coordinator's spreadsheet, through one YAML file, to standard tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from peerbench.intake.grid import Grid, read_grids
from peerbench.intake.mapping import MappingFile, parse_mapping
from peerbench.intake.transform import Mapped, apply_mapping
from peerbench.intake.wide import outcome_record_id, rederive_record_ids
from peerbench.schema.instruments import InstrumentRegistry, default_registry
from peerbench.schema.instruments.registry import parse_definition
from peerbench.schema.pseudonym import participant_key
from peerbench.validators.engine import validate_table

SECRET = b"k" * 32
TODAY = dt.date(2026, 12, 1)
WEMWBS_WORDS = ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"]


def _grid(rows: list[list[str]], file: str = "clients.csv", sheet: str | None = None) -> Grid:
    width = max(len(row) for row in rows)
    return Grid(
        file=file,
        sheet=sheet,
        rows=[row + [""] * (width - len(row)) for row in rows],
        row_numbers=list(range(1, len(rows) + 1)),
    )


def _mapping(data: dict[str, object]) -> MappingFile:
    return parse_mapping(data, "mapping.yaml")


def _column(mapped: Mapped, record_type: str, name: str) -> list[str | None]:
    values: list[str | None] = mapped.tables[record_type].table.column(name).to_pylist()
    return values


def _codes(mapped: Mapped) -> list[str]:
    return [f.code for f in mapped.findings]


def _pseudonymised(table: pa.Table, derived: list[bool]) -> pa.Table:
    """What prepare does before validating: keys pseudonymised, record ids derived again."""
    keys = [participant_key(k, SECRET) for k in table.column("participant_key").to_pylist()]
    index = table.column_names.index("participant_key")
    table = table.set_column(index, "participant_key", pa.array(keys, pa.string()))
    return rederive_record_ids(table, derived)


# ----------------------------------------------------------------- answers as words


def test_wemwbs_words_in_any_case_and_spacing() -> None:
    header = ["ID", "Date", *(f"Q{n}" for n in range(1, 15))]
    answers = ["often", " RARELY ", "None  of the time", "All\u00a0of the time", "Some of the time"]
    answers += ["4", "5", "1", "2", "3", "Often", "often", "3", "2"]
    mapping = _mapping(
        {
            "version": 2,
            "constants": {"service_id": "walk-and-talk"},
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "WEMWBS",
                        "columns": {"Date": "date_administered"}
                        | {f"Q{n}": f"item_{n}" for n in range(1, 15)},
                        "constants": {"timepoint": "baseline"},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid([header, ["C1", "01/03/2026", *answers]])], mapping)
    items = [_column(mapped, "outcome", f"item_{n}")[0] for n in range(1, 15)]
    assert items == ["4", "2", "1", "5", "3", "4", "5", "1", "2", "3", "4", "4", "3", "2"]
    assert _column(mapped, "outcome", "date_administered") == ["2026-03-01"]
    assert "answer-unknown" not in _codes(mapped)
    table = mapped.tables["outcome"]
    report = validate_table(_pseudonymised(table.table, table.derived_ids), "outcome", today=TODAY)
    assert report.valid, [f.message for f in report.findings]


def test_phq9_words_and_a_local_word() -> None:
    words = ["Not at all", "several days", "MORE THAN HALF THE DAYS", "Nearly every day"]
    words += ["not really", "Several  days", "0", "1", "2"]
    rows = [["ID", "Instrument", *(f"Item {n}" for n in range(1, 10))], ["C1", "phq-9", *words]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "clients.csv": {
                    "id_column": "ID",
                    "outcomes": {
                        "columns": {"Instrument": "instrument"}
                        | {f"Item {n}": f"item_{n}" for n in range(1, 10)},
                        "answers": {"Not really": 0},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "outcome", "instrument") == ["PHQ9"]
    items = [_column(mapped, "outcome", f"item_{n}")[0] for n in range(1, 10)]
    assert items == ["0", "1", "2", "3", "0", "1", "0", "1", "2"]


def test_unknown_word_is_kept_and_reported_at_its_row() -> None:
    rows = [["Title"], ["ID", "Q1"], ["C1", "Rarly"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {"instrument": "WEMWBS", "columns": {"Q1": "item_1"}},
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "outcome", "item_1") == ["Rarly"]
    [unknown] = [f for f in mapped.findings if f.code == "answer-unknown"]
    assert (unknown.row, unknown.column, unknown.value) == (3, "Q1", "Rarly")
    assert "WEMWBS (numbers 1-5, or: None of the time, Rarely" in unknown.message


def test_custom_instrument_registered_with_labels() -> None:
    registry = InstrumentRegistry()
    registry.register(
        parse_definition(
            "code: MYCHECK\nname: Our check\nversion: '1'\nlicence: ours\nsource: us\n"
            "item_count: 2\nresponse_min: 0\nresponse_max: 2\n"
            "response_labels: {Not yet: 0, A bit: 1, A lot: 2}\n"
            "scoring: {method: sum}\nscore_min: 0\nscore_max: 4\ndirection: higher_is_better\n",
            "mycheck.yaml",
        )
    )
    rows = [["ID", "A", "B"], ["C1", "a LOT", "not yet"], ["C2", "A bit", "1"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "MYCHECK",
                        "columns": {"A": "item_1", "B": "item_2"},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping, registry)
    assert _column(mapped, "outcome", "item_1") == ["2", "1"]
    assert _column(mapped, "outcome", "item_2") == ["0", "1"]


# ----------------------------------------------------------------- wide layouts

WIDE_HEADER = ["Client ID", "Name", "Start date", *(f"Q{n} start" for n in range(1, 15))]
WIDE_HEADER += ["Start total", "3m date", *(f"Q{n} 3m" for n in range(1, 15))]


def _wide_rows() -> list[list[str]]:
    first = [WEMWBS_WORDS[(n * 3) % 5] for n in range(14)]
    second = [str(1 + (n % 5)) for n in range(14)]
    return [
        WIDE_HEADER,
        ["C1", "Ann Smith", "01/03/2026", *first, "", "01/06/2026", *second],
        ["C2", "Bob Jones", "02/03/2026", *first[:13], "", "", "", *[""] * 14],
        ["C3", "Cat Lee", "", *[""] * 14, "45", "", *[""] * 14],
        ["C4", "Dan Roe", "", *[""] * 14, "", "", *[""] * 14],
    ]


WIDE_MAPPING: dict[str, object] = {
    "version": 2,
    "date_format": "dd/mm/yyyy",
    "constants": {"service_id": "walk-and-talk"},
    "sheets": {
        "*": {
            "id_column": "Client ID",
            "identifiers": ["Name"],
            "outcomes": {
                "instrument": "WEMWBS",
                "timepoints": {
                    "baseline": {
                        "items": "Q{n} start",
                        "total": "Start total",
                        "date": "Start date",
                    },
                    "month_3": {"items": [f"Q{n} 3m" for n in range(1, 15)], "date": "3m date"},
                },
            },
        }
    },
}


def test_wide_layout_gives_one_outcome_per_timepoint_answered() -> None:
    mapped = apply_mapping([_grid(_wide_rows())], _mapping(WIDE_MAPPING))
    table = mapped.tables["outcome"]
    assert table.table.num_rows == 4  # C1 twice, C2 and C3 once, C4 (nothing) never
    assert _column(mapped, "outcome", "participant_key") == ["C1", "C1", "C2", "C3"]
    assert _column(mapped, "outcome", "timepoint") == [
        "baseline",
        "month_3",
        "baseline",
        "baseline",
    ]
    assert [o.row for o in table.origins] == [2, 2, 3, 4]
    assert _column(mapped, "outcome", "date_administered") == [
        "2026-03-01",
        "2026-06-01",
        "2026-03-02",
        None,
    ]
    expected_first = [str(1 + (n * 3) % 5) for n in range(14)]
    for n in range(1, 15):
        column = _column(mapped, "outcome", f"item_{n}")
        assert column[0] == expected_first[n - 1]
        assert column[1] == str(1 + ((n - 1) % 5))
        assert column[2] == (expected_first[n - 1] if n < 14 else None)
        assert column[3] is None
    assert _column(mapped, "outcome", "total_score") == [None, None, None, "45"]
    assert table.derived_ids == [True] * 4
    assert _column(mapped, "outcome", "record_id")[0] == outcome_record_id(
        "C1", "WEMWBS", "baseline"
    )
    assert "Name" not in table.table.column_names
    assert mapped.dropped_columns == {"clients.csv": ["Name"]}


def test_wide_records_validate_once_pseudonymised() -> None:
    mapped = apply_mapping([_grid(_wide_rows())], _mapping(WIDE_MAPPING))
    table = mapped.tables["outcome"]
    prepared = _pseudonymised(table.table, table.derived_ids)
    ids = prepared.column("record_id").to_pylist()
    key = participant_key("C1", SECRET)
    assert ids[0] == outcome_record_id(key, "WEMWBS", "baseline")
    assert len(set(ids)) == 4
    report = validate_table(prepared, "outcome", today=TODAY)
    codes = {f.code for f in report.findings}
    assert "type-invalid" not in codes
    assert "duplicate-key" not in codes


def test_record_id_is_deterministic_and_keyed() -> None:
    one = outcome_record_id("abc", "wemwbs", "baseline")
    assert one == outcome_record_id("abc", "WEMWBS", "baseline")
    assert len(one) == 32
    assert one != outcome_record_id("abd", "WEMWBS", "baseline")
    assert one != outcome_record_id("abc", "WEMWBS", "month_3")
    assert outcome_record_id("abc", "X", "other", "2026-01-01") != outcome_record_id(
        "abc", "X", "other", "2026-02-01"
    )


def test_missing_pattern_items_are_one_finding() -> None:
    rows = [["ID", "Q1 start", "Q2 start"], ["C1", "3", "4"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "SWEMWBS",
                        "timepoints": {"baseline": {"items": "Q{n} start"}},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    [missing] = [f for f in mapped.findings if f.code == "mapping-column-missing"]
    assert missing.message == (
        "The mapping names column Q{n} start, but the sheet has no such column for items 3-7."
    )


# ----------------------------------------------------------------- several record types


def test_one_sheet_feeds_participants_engagements_and_outcomes() -> None:
    rows = [
        ["Ref", "Gender", "Age", "Condition", "First session", "Last session", "Total"],
        ["C1", "Woman", "45 to 54", "Mental health", "01/03/2026", "30/06/2026", "50"],
        ["C2", "m", "18-24", "mental health", "02/03/2026", "", ""],
    ]
    mapping = _mapping(
        {
            "version": 2,
            "constants": {"service_id": "walk-and-talk"},
            "sheets": {
                "clients": {
                    "id_column": "Ref",
                    "participants": {
                        "columns": {
                            "Gender": "sex",
                            "Age": "age_band",
                            "Condition": "primary_condition",
                        },
                        "constants": {"consent_research": "yes"},
                    },
                    "engagements": {
                        "columns": {"First session": "start_date", "Last session": "end_date"},
                        "constants": {"end_reason": "completed"},
                    },
                    "outcomes": {
                        "instrument": "WEMWBS",
                        "columns": {"Total": "total_score", "First session": "date_administered"},
                        "constants": {"timepoint": "baseline"},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert sorted(mapped.tables) == ["engagement", "outcome", "participant"]
    assert _column(mapped, "participant", "sex") == ["female", "male"]
    assert _column(mapped, "participant", "age_band") == ["45_54", "18_24"]
    assert _column(mapped, "participant", "primary_condition") == ["mental_health"] * 2
    assert _column(mapped, "participant", "service_id") == ["walk-and-talk"] * 2
    assert "end_reason" not in mapped.tables["participant"].table.column_names
    assert _column(mapped, "engagement", "start_date") == ["2026-03-01", "2026-03-02"]
    assert _column(mapped, "engagement", "end_date") == ["2026-06-30", None]
    # C2's row has a date but no answers or total: a questionnaire date alone is a record.
    assert _column(mapped, "outcome", "participant_key") == ["C1", "C2"]
    participants = mapped.tables["participant"]
    report = validate_table(
        _pseudonymised(participants.table, participants.derived_ids), "participant", today=TODAY
    )
    assert report.valid, [f.message for f in report.findings]


def test_several_sheets_of_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "group.xlsx"
    workbook = openpyxl.Workbook()
    people = workbook.active
    assert people is not None
    people.title = "People"
    people.append(["Client ID", "Sex"])
    people.append(["C1", "F"])
    scores = workbook.create_sheet("Scores")
    scores.append(["Client ID", "When", "Total"])
    scores.append(["C1", dt.date(2026, 3, 1), 44])
    workbook.create_sheet("Notes").append(["anything"])
    workbook.save(path)
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "People": {"id_column": "Client ID", "participants": {"columns": {"Sex": "sex"}}},
                "Scores": {
                    "id_column": "Client ID",
                    "outcomes": {
                        "instrument": "WEMWBS",
                        "columns": {"When": "date_administered", "Total": "total_score"},
                    },
                },
            },
        }
    )
    mapped = apply_mapping(read_grids(path), mapping)
    assert _column(mapped, "participant", "sex") == ["female"]
    assert _column(mapped, "outcome", "date_administered") == ["2026-03-01"]
    assert _column(mapped, "outcome", "total_score") == ["44"]
    assert mapped.tables["outcome"].origins[0].sheet == "Scores"
    unmapped = [f for f in mapped.findings if f.code == "mapping-sheet-unmapped"]
    assert [f.file for f in unmapped] == [f"{path}#Notes"]


# ----------------------------------------------------------------- rows and columns


def _messy_rows() -> list[list[str]]:
    return [
        ["Peer group, spring 2026", "", "", "", ""],
        ["", "", "", "", ""],
        ["Client ID ", "Name", "Gender", "Phone", "Notes"],
        ["C1", "Ann Smith", "F", "07700 900123", "walks"],
        ["", "", "", "", ""],
        ["C2", "Bob Jones", "M", "", ""],
        ["TOTAL", "", "", "", ""],
    ]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(",".join(r) + "\r\n" for r in rows), encoding="cp1252")
    return path


def _write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "clients"
    for row in rows:
        sheet.append([cell or None for cell in row])
    workbook.save(path)
    return path


def test_csv_and_xlsx_of_the_same_content_map_the_same(tmp_path: Path) -> None:
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "clients": {
                    "id_column": "client id",
                    "identifiers": ["Name"],
                    "participants": {"columns": {"Gender": "sex"}},
                }
            },
        }
    )
    results = []
    for path in (
        _write_csv(tmp_path / "clients.csv", _messy_rows()),
        _write_xlsx(tmp_path / "clients.xlsx", _messy_rows()),
    ):
        mapped = apply_mapping(read_grids(path), mapping)
        table = mapped.tables["participant"]
        assert table.table.to_pylist() == [
            {"participant_key": "C1", "sex": "female"},
            {"participant_key": "C2", "sex": "male"},
        ]
        assert [o.row for o in table.origins] == [4, 6]
        layout = [f for f in mapped.findings if f.code.startswith("layout-")]
        results.append([(f.code, f.message) for f in layout])
        dropped = next(iter(mapped.dropped_columns.values()))
        assert dropped == ["Name", "Phone"]  # declared, and detected by its content
        [unused] = [f for f in mapped.findings if f.code == "mapping-columns-unmapped"]
        assert unused.message == "Column 'Notes' is not in the mapping, so not used."
    assert results[0] == results[1]
    assert results[0] == [
        ("layout-title-rows", "Title row 1 above the header skipped."),
        ("layout-blank-rows", "Blank row 5 skipped."),
        ("layout-summary-rows", "Total or summary row 7 skipped (totals, not people)."),
    ]


def test_skipped_columns_are_not_reported() -> None:
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "Client ID",
                    "identifiers": ["Name", "Phone"],
                    "skip": ["notes"],
                    "participants": {"columns": {"Gender": "sex"}},
                }
            },
        }
    )
    mapped = apply_mapping([_grid(_messy_rows())], mapping)
    assert "mapping-columns-unmapped" not in _codes(mapped)


def test_mapped_column_missing_from_the_sheet() -> None:
    mapping = _mapping(
        {"version": 2, "sheets": {"*": {"participants": {"columns": {"Sex at birth": "sex"}}}}}
    )
    mapped = apply_mapping([_grid([["Gender"], ["F"]])], mapping)
    [missing] = [f for f in mapped.findings if f.code == "mapping-column-missing"]
    assert missing.column == "Sex at birth"


def test_headers_that_are_field_names_need_no_mapping() -> None:
    rows = [["participant_key", "sex", "age_band"], ["C1", "Female", "45 to 54"]]
    mapping = _mapping({"version": 2, "sheets": {"*": {"participants": {}}}})
    mapped = apply_mapping([_grid(rows)], mapping)
    assert mapped.tables["participant"].table.to_pylist() == [
        {"participant_key": "C1", "age_band": "45_54", "sex": "female"}
    ]


def test_version_1_mapping_applies_to_files_named_after_record_types() -> None:
    mapping = parse_mapping({"columns": {"Client ID": "participant_key", "Gender": "sex"}}, "m")
    grids = [_grid([["Client ID", "Gender"], ["C1", "F"]], file="participants.csv")]
    grids.append(_grid([["x"], ["1"]], file="export.csv"))
    mapped = apply_mapping(grids, mapping)
    assert mapped.tables["participant"].table.to_pylist() == [
        {"participant_key": "C1", "sex": "female"}
    ]
    assert "record-type-unknown" in _codes(mapped)


def test_constant_fills_only_empty_cells() -> None:
    rows = [["ID", "Service"], ["C1", "drop-in"], ["C2", ""]]
    mapping = _mapping(
        {
            "version": 2,
            "constants": {"service_id": "walk-and-talk"},
            "sheets": {
                "*": {"id_column": "ID", "participants": {"columns": {"Service": "service_id"}}}
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "participant", "service_id") == ["drop-in", "walk-and-talk"]


# ----------------------------------------------------------------- date of birth


@pytest.mark.parametrize(
    ("born", "band"),
    [
        ("01/03/2008", "18_24"),  # 18th birthday on the assessment date
        ("02/03/2008", "under_18"),  # one day short of 18
        ("01/03/1951", "75_plus"),
        ("02/03/1951", "65_74"),
        ("29/02/2008", "18_24"),  # a leap-day birthday is reached on 1 March (2026)
        ("1976-03-01", "45_54"),
    ],
)
def test_date_of_birth_to_age_band_at_the_assessment_date(born: str, band: str) -> None:
    rows = [["ID", "DOB", "First session"], ["C1", born, "01/03/2026"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "date_of_birth": {"column": "DOB"},
                    "participants": {},
                    "engagements": {"columns": {"First session": "start_date"}},
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "participant", "age_band") == [band]
    assert "DOB" not in mapped.tables["participant"].table.column_names
    assert mapped.dropped_columns == {"clients.csv": ["DOB"]}
    assert all(born not in str(f.to_dict()) for f in mapped.findings)


def test_date_of_birth_at_a_column_or_fixed_date() -> None:
    rows = [["ID", "DOB", "Assessed"], ["C1", "15/06/2000", "14/06/2025"]]
    sheet: dict[str, object] = {"id_column": "ID", "participants": {}}
    at_column = _mapping(
        {
            "version": 2,
            "sheets": {"*": sheet | {"date_of_birth": {"column": "DOB", "at": "Assessed"}}},
        }
    )
    assert _column(apply_mapping([_grid(rows)], at_column), "participant", "age_band") == ["18_24"]
    fixed = _mapping(
        {
            "version": 2,
            "sheets": {"*": sheet | {"date_of_birth": {"column": "DOB", "at": "2018-06-14"}}},
        }
    )
    mapped = apply_mapping([_grid(rows)], fixed)
    assert _column(mapped, "participant", "age_band") == ["under_18"]
    assert "mapping-columns-unmapped" in _codes(mapped)  # 'Assessed' is not used then


@pytest.mark.parametrize(
    ("born", "detail"),
    [
        ("not known", "(it is not a date)"),
        ("01/01/2030", "(it is after the assessment date)"),
    ],
)
def test_unusable_date_of_birth_is_reported_without_its_value(born: str, detail: str) -> None:
    rows = [["ID", "DOB", "Start"], ["C1", born, "01/03/2026"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "date_of_birth": {"column": "DOB", "at": "Start"},
                    "participants": {},
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    [problem] = [f for f in mapped.findings if f.code == "date-of-birth-unusable"]
    assert (problem.row, problem.column, problem.value) == (2, "DOB", None)
    assert detail in problem.message
    assert born not in problem.message
    assert "age_band" not in mapped.tables["participant"].table.column_names


def test_no_date_to_take_the_age_at() -> None:
    rows = [["ID", "DOB"], ["C1", "01/01/1990"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {"id_column": "ID", "date_of_birth": {"column": "DOB"}, "participants": {}}
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    [problem] = [f for f in mapped.findings if f.code == "date-of-birth-unusable"]
    assert "no assessment date" in problem.message


def test_formula_in_a_used_cell_is_reported_but_not_in_a_total_row(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ID", "A", "B", "Total"])
    sheet.append(["C1", 1, 2, "=B2+C2"])
    sheet.append(["TOTAL", "=SUM(B2)", "=SUM(C2)", "=SUM(D2)"])
    workbook.save(path)
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "UCLA3",
                        "columns": {"A": "item_1", "B": "item_2", "Total": "total_score"},
                    },
                }
            },
        }
    )
    mapped = apply_mapping(read_grids(path), mapping)
    formulas = [(f.row, f.column) for f in mapped.findings if f.code == "formula-in-cell"]
    assert formulas == [(2, "Total")]


def test_default_registry_is_used() -> None:
    rows = [["ID", "Q1"], ["C1", "Hardly ever"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {"instrument": "UCLA3", "columns": {"Q1": "item_1"}},
                }
            },
        }
    )
    assert default_registry().answer_code("UCLA3", "Hardly ever") == 1
    assert _column(apply_mapping([_grid(rows)], mapping), "outcome", "item_1") == ["1"]


def test_long_layout_gives_one_participant_and_one_age_band_per_person() -> None:
    rows = [
        ["ID", "DOB", "Stage", "Date", "Total"],
        ["C1", "02/03/2008", "Start", "01/03/2026", "40"],  # 17 on the first date
        ["C1", "02/03/2008", "3 months", "01/06/2026", "48"],  # 18 by the second
        ["C2", "01/01/1990", "Start", "01/03/2026", "50"],
    ]
    mapping = _mapping(
        {
            "version": 2,
            "constants": {"service_id": "walk-and-talk"},
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "date_of_birth": {"column": "DOB"},
                    "participants": {"constants": {"consent_research": "no", "sex": "female"}},
                    "outcomes": {
                        "instrument": "WEMWBS",
                        "columns": {
                            "Stage": "timepoint",
                            "Date": "date_administered",
                            "Total": "total_score",
                        },
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    participants = mapped.tables["participant"]
    assert _column(mapped, "participant", "participant_key") == ["C1", "C2"]
    assert _column(mapped, "participant", "age_band") == ["under_18", "35_44"]
    assert [o.row for o in participants.origins] == [2, 4]
    assert _column(mapped, "outcome", "timepoint") == ["baseline", "month_3", "baseline"]
    report = validate_table(
        _pseudonymised(participants.table, participants.derived_ids), "participant", today=TODAY
    )
    assert report.valid, [f.message for f in report.findings]


def test_differing_repeats_are_kept_for_the_validators() -> None:
    rows = [["ID", "Gender"], ["C1", "F"], ["C1", "M"], ["C1", "F"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {"*": {"id_column": "ID", "participants": {"columns": {"Gender": "sex"}}}},
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "participant", "sex") == ["female", "male"]
    assert [o.row for o in mapped.tables["participant"].origins] == [2, 3]


def test_not_answered_markers_are_empty_items() -> None:
    rows = [
        ["ID", "Q1 start", "Q2 start", "Q3 start", "Q1 end", "Q2 end", "Q3 end"],
        ["C1", "Often", "n/a", " N/A ", "-", "missing", "n.a."],
    ]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "UCLA3",
                        "timepoints": {
                            "baseline": {"items": "Q{n} start"},
                            "end": {"items": "Q{n} end"},
                        },
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert mapped.tables["outcome"].table.num_rows == 1  # 'end' holds no answer at all
    assert [_column(mapped, "outcome", f"item_{n}")[0] for n in (1, 2, 3)] == ["3", None, None]
    assert "answer-unknown" not in _codes(mapped)


def test_field_named_headers_in_a_wide_sheet_do_not_make_extra_records() -> None:
    rows = [
        ["ID", "Service ID", "Total score", "Q1 start", "Q2 start", "Q3 start"],
        ["C1", "drop-in", "9", "Often", "Often", "Often"],
    ]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "skip": ["Total score"],
                    "outcomes": {
                        "instrument": "UCLA3",
                        "timepoints": {"baseline": {"items": "Q{n} start"}},
                    },
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert mapped.tables["outcome"].table.to_pylist() == [
        {
            "record_id": outcome_record_id("C1", "UCLA3", "baseline"),
            "participant_key": "C1",
            "service_id": "drop-in",  # 'Service ID' is the field's own name
            "instrument": "UCLA3",
            "timepoint": "baseline",
            "item_1": "3",
            "item_2": "3",
            "item_3": "3",
        }
    ]
    unskipped = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "id_column": "ID",
                    "outcomes": {
                        "instrument": "UCLA3",
                        "timepoints": {"baseline": {"items": "Q{n} start"}},
                    },
                }
            },
        }
    )
    again = apply_mapping([_grid(rows)], unskipped)
    assert again.tables["outcome"].table.num_rows == 1  # no second, per-row record
    assert "mapping-columns-unmapped" in _codes(again)  # 'Total score' is reported instead


def test_a_mapped_participant_key_serves_every_block_of_the_sheet() -> None:
    rows = [["Ref", "Gender", "Start"], ["C1", "F", "01/03/2026"]]
    mapping = _mapping(
        {
            "version": 2,
            "sheets": {
                "*": {
                    "participants": {"columns": {"Ref": "participant_key", "Gender": "sex"}},
                    "engagements": {"columns": {"Start": "start_date"}},
                }
            },
        }
    )
    mapped = apply_mapping([_grid(rows)], mapping)
    assert _column(mapped, "participant", "participant_key") == ["C1"]
    assert _column(mapped, "engagement", "participant_key") == ["C1"]


def test_version_1_with_a_record_type_leaves_files_of_other_types_alone() -> None:
    mapping = parse_mapping(
        {"record_type": "participants", "columns": {"Client ID": "participant_key"}}, "m"
    )
    grids = [
        _grid([["Client ID", "sex"], ["C1", "F"]], file="export.csv"),
        _grid([["Client ID", "participant_key"], ["x", "C2"]], file="engagements.csv"),
    ]
    mapped = apply_mapping(grids, mapping)
    assert mapped.tables["participant"].table.to_pylist() == [
        {"participant_key": "C1", "sex": "female"}
    ]
    assert _column(mapped, "engagement", "participant_key") == ["C2"]
