"""The portal's upload checks: standard shape, proposal or saved mapping, grouped findings."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from peerbench.intake.mapping_answers import apply_form
from peerbench.intake.mapping_form import build_form
from peerbench.intake.upload_check import (
    check_standard,
    column_places,
    group_findings,
    is_standard_shape,
    load_mapping_text,
    mapping_fits,
    mapping_yaml,
    needs_key,
    prepare_confirmed,
    propose,
)
from peerbench.template.example import example_workbook_bytes
from peerbench.template.workbook import workbook_bytes
from tests.fixtures.spreadsheets import build_corpus

CORPUS = build_corpus.HERE
RIVERSIDE = CORPUS / "riverside_walking_wemwbs.csv"
TODAY = dt.date(2026, 11, 30)
KEY = bytes(range(32))


def _confirmed(path: Path) -> str:
    proposed = propose([path])
    form = build_form(proposed.mapping, proposed.inputs)
    answers = {"service_id": "walk-and-talk", "date_format": form.date_format}
    for sheet in form.sheets:
        answers |= {row.name: row.value for row in sheet.columns}
    mapping, errors = apply_form(proposed.mapping, form, answers)
    assert errors == [] and mapping is not None
    return mapping_yaml(mapping)


def _with_cell(source: Path, target: Path, old: bytes, new: bytes) -> Path:
    """A copy of ``source`` with the first ``old`` replaced (one spreadsheet cell)."""
    data = source.read_bytes()
    assert old in data
    target.write_bytes(data.replace(old, new, 1))
    return target


def test_standard_shape_is_told_from_a_charitys_own(tmp_path: Path) -> None:
    example = tmp_path / "example.xlsx"
    example.write_bytes(example_workbook_bytes())
    assert is_standard_shape([example])
    assert not is_standard_shape([RIVERSIDE])
    assert not is_standard_shape([example, RIVERSIDE])
    assert not is_standard_shape([])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    assert not is_standard_shape([notes])
    report = check_standard([example], today=TODAY)
    assert report.valid
    assert {f.file for f in report.files} >= {"example.xlsx#outcomes"}  # no server folders


def test_the_blank_template_is_standard_but_not_valid(tmp_path: Path) -> None:
    blank = tmp_path / "template.xlsx"
    blank.write_bytes(workbook_bytes())
    assert is_standard_shape([blank])
    assert not check_standard([blank], today=TODAY).valid


def test_a_saved_mapping_is_used_when_the_headers_are_the_same(tmp_path: Path) -> None:
    saved = _confirmed(RIVERSIDE)
    fresh = propose([RIVERSIDE])
    assert fresh.saved is None and fresh.todos  # the proposer leaves the service to decide
    again = propose([RIVERSIDE], saved=[("broken", "sheets: [1"), ("Walking group", saved)])
    assert again.saved == "Walking group"
    assert again.mapping.constants["service_id"] == "walk-and-talk"
    assert mapping_fits(again.mapping, again.inputs)
    # Next quarter's file with one more column: the saved mapping no longer covers it.
    wider = _with_cell(RIVERSIDE, tmp_path / RIVERSIDE.name, b"Notes", b"Notes,Venue")
    assert propose([wider], saved=[("Walking group", saved)]).saved is None
    # Another file name: the mapping names a sheet that is not there.
    renamed = tmp_path / "walks_q4.csv"
    shutil.copy(RIVERSIDE, renamed)
    assert propose([renamed], saved=[("Walking group", saved)]).saved is None


def test_mapping_yaml_round_trips() -> None:
    text = _confirmed(CORPUS / "mindspace_dropin_wide.xlsx")
    mapping = load_mapping_text(text)
    assert load_mapping_text(mapping_yaml(mapping)) == mapping
    assert needs_key(mapping)
    with pytest.raises(ValueError, match="not valid YAML"):
        load_mapping_text("sheets: [1")


def test_findings_are_grouped_with_row_column_and_fix(tmp_path: Path) -> None:
    """A WEMWBS answer of 9 (1-5 only) is an error at the coordinator's own row, in the
    column they call Q3, with the catalogue's hint."""
    broken = tmp_path / RIVERSIDE.name
    data = RIVERSIDE.read_bytes().decode("cp1252")
    lines = data.split("\r\n") if "\r\n" in data else data.split("\n")
    header_at = next(i for i, line in enumerate(lines) if line.startswith("Client ID"))
    headers = lines[header_at].split(",")
    q3 = headers.index("Q3")
    cells = lines[header_at + 1].split(",")
    cells[q3] = "9"
    lines[header_at + 1] = ",".join(cells)
    broken.write_bytes(("\r\n" if "\r\n" in data else "\n").join(lines).encode("cp1252"))
    mapping = load_mapping_text(_confirmed(RIVERSIDE))
    result = prepare_confirmed([broken], mapping, KEY, tmp_path / "out", today=TODAY)
    assert not result.valid
    proposed = propose([broken])
    groups = group_findings(result.report, column_places(mapping, proposed.inputs))
    first = groups[0]
    assert first.severity == "error"
    place = first.places[0]
    assert (place.file, place.row, place.header, place.field) == (
        RIVERSIDE.name,
        header_at + 2,  # spreadsheet rows count from 1
        "Q3",
        "item_3",
    )
    assert place.letter == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[q3]
    assert first.hint and first.count >= 1
    assert [g.severity for g in groups] == sorted(
        (g.severity for g in groups), key=["error", "warning", "note"].index
    )


def test_an_unreadable_file_gives_findings_not_an_exception(tmp_path: Path) -> None:
    bogus = tmp_path / "clients.xlsx"
    bogus.write_bytes(b"PK\x03\x04 this is not really a workbook")
    proposed = propose([bogus])
    assert proposed.unreadable
    assert proposed.findings and all(f.file == "clients.xlsx" for f in proposed.findings)
