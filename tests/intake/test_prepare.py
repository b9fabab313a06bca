"""``peerbench.intake.prepare``: mapped tables to standard files, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from openpyxl import load_workbook

from peerbench.intake import prepare as prepare_module
from peerbench.intake.mapping import load_mapping
from peerbench.intake.prepare import PrepareError, Staged, prepare, write_prepared
from peerbench.schema.pseudonym import participant_key
from peerbench.validators.source import RowOrigins
from tests.intake.charity import MAPPING, PEOPLE, build_workbook

TODAY = dt.date(2026, 11, 16)
SECRET = bytes(range(32))
SERVICE = "walk-and-talk"


def _origins(rows: list[int], sheet: str = "clients.xlsx#Clients") -> RowOrigins:
    return RowOrigins((sheet,), np.zeros(len(rows), dtype=np.int32), np.array(rows, dtype=np.int64))


def _staged(sex: str = "female") -> dict[str, Staged]:
    participants = pa.table(
        {
            "participant_key": ["C001", "C002"],
            "service_id": [SERVICE, SERVICE],
            "age_band": ["35_44", "45_54"],
            "sex": ["male", sex],
            "consent_research": ["yes", "yes"],
        }
    )
    items = {f"item_{n}": ["3", "4"] for n in range(1, 8)}
    outcomes = pa.table(
        {
            "record_id": ["r1", "r2"],
            "participant_key": ["C001", "C001"],
            "service_id": [SERVICE, SERVICE],
            "instrument": ["SWEMWBS", "SWEMWBS"],
            "timepoint": ["baseline", "month_3"],
            "date_administered": ["2026-01-10", "2026-04-10"],
            **items,
        }
    )
    # The two outcomes come from ONE wide row (row 7): both point there.
    return {
        "participant": Staged(participants, _origins([4, 7])),
        "outcome": Staged(outcomes, _origins([7, 7])),
    }


def test_writes_pseudonymised_standard_files_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "prepared"
    result = write_prepared(_staged(), SECRET, out, today=TODAY)
    assert result.valid, [f.to_dict() for f in result.report.findings]
    assert [(f.record_type, f.path.name, f.rows) for f in result.files] == [
        ("participant", "participants.csv", 2),
        ("outcome", "outcomes.csv", 2),
    ]
    assert result.rows == 4
    assert "engagement" in result.not_collected and "participant" not in result.not_collected
    assert sorted(p.name for p in out.iterdir()) == [
        "datapackage.json",
        "outcomes.csv",
        "participants.csv",
        "peerbench.json",
    ]
    manifest = json.loads((out / "peerbench.json").read_text(encoding="utf-8"))
    assert manifest["prepared_by"] == "peerbench prepare"
    assert manifest["files"]["outcomes.csv"] == {"record_type": "outcome", "rows": 2}
    text = (out / "participants.csv").read_text(encoding="utf-8")
    assert "C001" not in text and "C002" not in text  # local ids never written
    assert participant_key("C001", SECRET) in text
    assert participant_key("C001", SECRET) in (out / "outcomes.csv").read_text(encoding="utf-8")
    # Nothing is left beside the folder.
    assert [p.name for p in tmp_path.iterdir()] == ["prepared"]


def test_the_prepared_folder_is_a_valid_frictionless_package(tmp_path: Path) -> None:
    from frictionless import validate

    out = tmp_path / "prepared"
    assert write_prepared(_staged(), SECRET, out, today=TODAY).valid
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert sorted(task.name for task in report.tasks) == ["outcomes", "participants"]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    outcomes = next(r for r in package["resources"] if r["name"] == "outcomes")
    assert outcomes["schema"]["foreignKeys"][0]["reference"]["resource"] == "participants"
    # A wrong value in the written file is caught by frictionless too.
    path = out / "participants.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"female"', '"woman"'), "utf-8")
    assert not validate(str(out / "datapackage.json")).valid


def test_findings_point_at_the_original_rows(tmp_path: Path) -> None:
    out = tmp_path / "prepared"
    result = write_prepared(_staged(sex="Woman?"), SECRET, out, today=TODAY)
    assert not result.valid
    rows = [(f.code, f.file, f.row) for f in result.report.findings if f.row is not None]
    assert rows == [("code-invalid", "clients.xlsx#Clients", 7)]
    # The files are still written, so the coordinator can look at them.
    assert (out / "participants.csv").is_file()


def test_a_repeated_record_names_the_first_copy_at_its_own_row(tmp_path: Path) -> None:
    staged = _staged()
    outcomes = staged["outcome"].table
    repeated = pa.concat_tables([outcomes, outcomes.slice(0, 1)])
    origins = RowOrigins(
        ("clients.xlsx#Clients", "clients.xlsx#Later"),
        np.array([0, 0, 1], dtype=np.int32),
        np.array([7, 7, 12], dtype=np.int64),
    )
    staged["outcome"] = Staged(repeated, origins)
    result = write_prepared(staged, SECRET, tmp_path / "prepared", today=TODAY)
    [duplicate] = [f for f in result.report.findings if f.code == "duplicate-key"]
    # The repeat is at Later row 12; its first copy at Clients row 7 (the generated
    # file's rows 2 and 4 are never shown).
    assert (duplicate.file, duplicate.row, duplicate.value) == ("clients.xlsx#Later", 12, "7")
    assert "(first in clients.xlsx#Clients)" in duplicate.message


def test_only_standard_fields_are_written(tmp_path: Path) -> None:
    staged = _staged()
    people = staged["participant"]
    staged["participant"] = Staged(
        people.table.append_column("Name", pa.array(["Ann Smith", "Bob Jones"])), people.origins
    )
    result = write_prepared(staged, SECRET, tmp_path / "out", today=TODAY)
    assert result.notes == ["participants.csv: columns outside the standard were not written: Name"]
    assert "Ann" not in (tmp_path / "out" / "participants.csv").read_text(encoding="utf-8")


def test_a_folder_prepare_did_not_write_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(PrepareError, match="did not write"):
        write_prepared(_staged(), SECRET, out, today=TODAY)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_second_run_replaces_the_first(tmp_path: Path) -> None:
    out = tmp_path / "prepared"
    write_prepared(_staged(), SECRET, out, today=TODAY)
    staged = _staged()
    del staged["outcome"]
    result = write_prepared(staged, SECRET, out, today=TODAY)
    assert [f.path.name for f in result.files] == ["participants.csv"]
    assert sorted(p.name for p in out.iterdir()) == [
        "datapackage.json",
        "participants.csv",
        "peerbench.json",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["prepared"]


def test_nothing_is_half_written_when_a_step_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "prepared"
    write_prepared(_staged(), SECRET, out, today=TODAY)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(prepare_module, "validate_sources", broken)
    with pytest.raises(OSError, match="disk full"):
        write_prepared(_staged(sex="male"), SECRET, out, today=TODAY)
    # The earlier folder is untouched and no temporary folder is left.
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["prepared"]


# The whole path, from a charity's own workbook ---------------------------------------------


def _charity(tmp_path: Path, edit: Callable[[Path], None] | None = None) -> tuple[Path, Path]:
    book = build_workbook(tmp_path / "clients.xlsx")
    if edit is not None:
        edit(book)
    mapping = tmp_path / "clients.mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return book, mapping


def test_prepare_a_charity_workbook(tmp_path: Path) -> None:
    book, mapping = _charity(tmp_path)
    out = tmp_path / "prepared"
    result = prepare([book], load_mapping(mapping), SECRET, out, today=TODAY)
    assert result.valid, [f.to_dict() for f in result.report.findings]
    counts = {f.record_type: f.rows for f in result.files}
    # Four people (no blank or TOTAL row among them); one of them has no 3-month answers.
    assert counts == {
        "organisation": 1,
        "service": 1,
        "participant": 4,
        "engagement": 4,
        "outcome": 7,
    }
    assert result.not_collected == ["service_use", "feedback", "peer_worker", "referral"]
    assert result.dropped == {f"{book}#Clients": ["Name", "Date of birth", "Phone"]}
    from frictionless import validate

    package = validate(str(out / "datapackage.json"))
    assert package.valid, package.flatten(["taskName", "rowNumber", "fieldName", "type"])
    # No identifier value (names, birth dates, phone numbers, local ids) is written.
    written = "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))
    for person in PEOPLE:
        key, name, dob, _gender, phone = person[:5]
        for value in (key, *name.split(), dob.isoformat(), phone):
            if value:
                assert value not in written, value
    # Answers typed as words became the instrument's codes, in item order.
    outcomes = pacsv.read_csv(out / "outcomes.csv").to_pylist()
    first = next(r for r in outcomes if r["timepoint"] == "baseline")
    assert [first[f"item_{n}"] for n in range(1, 8)] == [4, 5, 1, 2, 3, 4, 5]
    # Record ids of the wide layout come from the pseudonym, never the local id.
    assert first["participant_key"] == participant_key("WT001", SECRET)


def test_findings_of_a_workbook_point_at_its_own_rows(tmp_path: Path) -> None:
    def typo(book: Path) -> None:
        workbook = load_workbook(book)
        workbook["Clients"]["D6"] = "Female?"  # Cath's gender, row 6 in Excel
        workbook.save(book)

    book, mapping = _charity(tmp_path, typo)
    result = prepare([book], load_mapping(mapping), SECRET, tmp_path / "out", today=TODAY)
    assert not result.valid
    errors = [(f.code, f.file, f.row, f.value) for f in result.report.findings if f.row]
    assert errors == [("code-invalid", f"{book}#Clients", 6, "Female?")]


def test_a_mapping_that_makes_no_record_is_not_valid(tmp_path: Path) -> None:
    book, _mapping = _charity(tmp_path)
    nothing = tmp_path / "other.yaml"
    nothing.write_text("version: 2\nsheets:\n  Elsewhere: {participants: {}}\n", encoding="utf-8")
    result = prepare([book], load_mapping(nothing), SECRET, tmp_path / "out", today=TODAY)
    assert result.files == [] and not result.valid
    (empty,) = [f for f in result.report.findings if f.code == "file-empty"]
    assert empty.file == str(book)
    assert empty.message == "The file has no data rows the mapping made into a record."
