"""A proposal with its TODOs answered makes files the validators accept (VALID).

The steps ``prepare`` takes are done by hand here (apply the mapping, pseudonymise the
local id, derive record ids from the pseudonymous key, write CSV, validate), so the
test says whether what ``map`` proposes is right, not whether ``prepare`` is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pcsv

from peerbench.intake.grid import read_grids
from peerbench.intake.mapping import load_mapping
from peerbench.intake.propose import SERVICE_PLACEHOLDER, propose_mapping
from peerbench.intake.transform import apply_mapping
from peerbench.intake.wide import rederive_record_ids
from peerbench.schema.pseudonym import participant_keys
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import validate
from peerbench.validators.render_text import render_text

SECRET = b"k" * 32
GAD = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    people = book.active
    assert people is not None
    people.title = "People"
    people.append(["Ref", "Full name", "Gender", "Age group", "Consent given (Y/N)", "Email"])
    scores = book.create_sheet("Questionnaires")
    scores.append(["Ref", "Date completed", "Stage", *[f"Q{n}" for n in range(1, 8)], "Total"])
    sessions = book.create_sheet("Attendance")
    sessions.append(["Ref", "First session", "Last session", "No. of sessions attended",
                     "Reason for leaving"])  # fmt: skip
    for i in range(6):
        ref = f"P{i + 1:02d}"
        people.append([ref, f"Person {i} Example", ["Woman", "Man", "F"][i % 3],
                       ["25 to 34", "45-54", "75+"][i % 3], "Y" if i % 2 else "N",
                       f"p{i}@example.org"])  # fmt: skip
        start = dt.date(2025, 2, 1 + i)
        answers = [GAD[(i + n) % 4] for n in range(7)]
        total = sum(GAD.index(a) for a in answers)
        scores.append([ref, start, "Start", *answers, total])
        scores.append([ref, start + dt.timedelta(days=91), "3 months", *["Several days"] * 7, 7])
        sessions.append([ref, start, start + dt.timedelta(days=100), 8, "Finished"])
    people.append([])
    people.append(["Total", "", "", "", "", ""])
    path = path / "peer-support.xlsx"
    book.save(path)
    return path


def _prepare_by_hand(mapping_path: Path, source: Path, out: Path) -> list[Path]:
    mapped = apply_mapping(read_grids(source), load_mapping(mapping_path))
    out.mkdir()
    written = []
    for record_type, mapped_table in mapped.tables.items():
        table = mapped_table.table
        index = table.column_names.index("participant_key")
        keys = participant_keys(table.column("participant_key").to_pylist(), SECRET)
        table = table.set_column(index, "participant_key", pa.array(keys))
        if record_type == "outcome":
            table = rederive_record_ids(table, mapped_table.derived_ids)
        path = out / f"{RECORD_TYPES[record_type].file_stem}.csv"
        pcsv.write_csv(table, path)
        written.append(path)
    return written


def test_one_edit_of_the_proposal_gives_valid_files(tmp_path: Path) -> None:
    source = _workbook(tmp_path)
    proposal = propose_mapping([source])
    text = proposal.to_yaml()
    assert proposal.todo_count() == 1  # the service id, which no sheet holds
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(text.replace(f'"{SERVICE_PLACEHOLDER}"', "peer-walks"), "utf-8")
    files = _prepare_by_hand(mapping_path, source, tmp_path / "prepared")
    report = validate(files, today=dt.date(2026, 1, 1))
    assert report.valid, render_text(report)
    assert sorted(p.name for p in files) == ["engagements.csv", "outcomes.csv", "participants.csv"]
    outcomes = pcsv.read_csv(tmp_path / "prepared" / "outcomes.csv")
    assert outcomes.num_rows == 12
    assert set(outcomes.column("instrument").to_pylist()) == {"GAD7"}
    assert pcsv.read_csv(tmp_path / "prepared" / "participants.csv").num_rows == 6


def test_the_placeholder_service_id_is_never_valid(tmp_path: Path) -> None:
    source = _workbook(tmp_path)
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(propose_mapping([source]).to_yaml(), "utf-8")
    files = _prepare_by_hand(mapping_path, source, tmp_path / "prepared")
    report = validate(files, today=dt.date(2026, 1, 1))
    assert not report.valid
    assert {f.column for f in report.findings if f.severity.value == "error"} == {"service_id"}
