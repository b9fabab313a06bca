"""The preview: the proposed mapping applied as prepare will apply it, with nothing identifying."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from peerbench.intake.propose import propose_mapping
from peerbench.intake.propose_preview import DERIVED_ID, PSEUDONYMISED

WORDS = ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"]


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clients"
    sheet.append(["Walk and Talk 2025"])
    sheet.append(
        ["Client ID", "Name", "Mobile", "DOB", "Gender", "Consent", "First session",
         *[f"Q{n} start" for n in range(1, 15)], "Start total"]
    )  # fmt: skip
    sheet.append(
        ["C001", "Ann Smith", "07700 900123", dt.date(1980, 4, 3), "Woman", "Yes",
         dt.date(2025, 1, 14), *[WORDS[n % 5] for n in range(14)], 42]
    )  # fmt: skip
    sheet.append(
        ["C002", "Bob Jones", "07700 900456", dt.date(1975, 11, 13), "M", "No",
         dt.date(2025, 1, 15), *["Often"] * 14, 56]
    )  # fmt: skip
    book.save(path)
    return path


def test_the_preview_reads_the_records_as_the_standard_would(tmp_path: Path) -> None:
    proposal = propose_mapping([_workbook(tmp_path / "clients.xlsx")])
    text = proposal.preview(rows=2)
    lines = text.splitlines()
    participants = [line for line in lines if "sex=" in line]
    assert len(participants) == 2
    assert all(PSEUDONYMISED in line for line in participants)
    assert "sex=female" in participants[0] and "sex=male" in participants[1]
    assert "age_band=" in participants[0]  # from the date of birth
    outcomes = [line for line in lines if "instrument=WEMWBS" in line]
    assert len(outcomes) == 2
    assert "items=[1 2 3 4 5 1 2 3 4 5 1 2 3 4]" in outcomes[0]
    assert "timepoint=baseline" in outcomes[0] and DERIVED_ID in outcomes[0]
    assert any(line.startswith("Dropped at prepare from") and "Name" in line for line in lines)


def test_the_preview_shows_no_identifying_value(tmp_path: Path) -> None:
    proposal = propose_mapping([_workbook(tmp_path / "clients.xlsx")])
    text = proposal.preview(rows=5)
    for value in ("Ann Smith", "Bob Jones", "07700", "C001", "C002", "1980", "1975"):
        assert value not in text, value
    assert str(tmp_path) not in text and "clients.xlsx#Clients row 3" in text


def test_word_answers_in_a_long_csv_are_read_through_the_instruments_labels(
    tmp_path: Path,
) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        "Ref,Date completed,Stage," + ",".join(f"Q{n}" for n in range(1, 8)) + "\n"
        "R1,14/01/2025,Start,Not at all,Several days,More than half the days,"
        "Nearly every day,0,1,2\n",
        encoding="utf-8",
    )
    proposal = propose_mapping([path])
    text = proposal.preview()
    assert "instrument=GAD7" in text and "timepoint=baseline" in text
    assert "items=[0 1 2 3 0 1 2]" in text
    assert "date_administered=2025-01-14" in text
    assert "R1" not in text
