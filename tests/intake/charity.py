"""A small charity's own spreadsheet, as a volunteer coordinator keeps it (test fixture).

One workbook. Sheet "Clients", one row per person: a title row, a header with a
trailing space, names, dates of birth and phone numbers, SWEMWBS answers typed as words
at the start and at three months (a wide layout), a blank row and a TOTAL row. Sheet
"About us": the organisation and its one service. The mapping is the one a coordinator
ends up with after ``peerbench map`` and one edit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

WORDS = ("None of the time", "Rarely", "Some of the time", "Often", "All of the time")

HEADER = [
    "Client ID ",
    "Name",
    "Date of birth",
    "Gender",
    "Phone",
    "First session",
    "Last session",
    "Sessions",
    "Status",
    "Start date",
    *[f"Q{n} start" for n in range(1, 8)],
    "3 month date",
    *[f"Q{n} 3m" for n in range(1, 8)],
]


def _answers(start: int) -> list[str]:
    return [WORDS[(start + n) % 5] for n in range(7)]


PEOPLE = [
    # id, name, dob, gender, phone, first, last, sessions, start answers, 3m answers
    ("WT001", "Ann Smith", dt.date(1970, 4, 3), "F", "07700 900123", 1, 3, 12),
    ("WT002", "Bob Jones", dt.date(1985, 11, 12), "M", "07700 900456", 2, 4, 9),
    ("WT003", "Cath Patel", dt.date(1958, 1, 30), "F", "", 1, 2, 6),
    ("WT004", "Dev Khan", dt.date(2001, 7, 19), "M", "0113 496 0000", 3, None, 4),
]


def build_workbook(path: Path) -> Path:
    """Write the spreadsheet to ``path`` (an ``.xlsx``)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clients"
    sheet.append(["Walk and Talk wellbeing group: spring 2026"])  # a title row
    sheet.append([])
    sheet.append(HEADER)
    for key, name, dob, gender, phone, first, last, sessions in PEOPLE:
        start = dt.date(2026, first, 10)
        end = None if last is None else dt.date(2026, last + 3, 10)
        follow_up = None if last is None else dt.date(2026, first + 3, 12)
        answers = _answers(first + sessions)
        later = [None] * 7 if last is None else _answers(first + sessions + 1)
        status = "Still coming" if last is None else "Finished"
        person = [key, name, dob, gender, phone or None, start, end, sessions, status]
        sheet.append([*person, start, *answers, follow_up, *later])
    sheet.append([])
    sheet.append(["TOTAL", None, None, None, None, None, None, 31])
    about = book.create_sheet("About us")
    about.append(ABOUT_HEADER)
    about.append(ABOUT)
    book.save(path)
    return path


ABOUT_HEADER = [
    "Organisation ID", "Organisation", "Type", "Region", "Service ID", "Service",
    "Focus", "Format", "Run by", "Structure",
]  # fmt: skip
ABOUT = [
    "walk-talk-leeds", "Walk and Talk Leeds", "Charity", "Yorkshire", "walk-and-talk",
    "Walk and Talk group", "Mental health", "Group", "Volunteer peers", "Structured",
]  # fmt: skip


MAPPING = """\
version: 2
date_format: dd/mm/yyyy
constants:
  service_id: walk-and-talk
sheets:
  Clients:
    id_column: Client ID
    identifiers: [Name, Phone]
    date_of_birth:
      column: Date of birth
      at: First session
    participants:
      columns: {Gender: sex}
      values: {sex: {F: female, M: male}}
      constants: {consent_research: "yes"}
    engagements:
      columns:
        First session: start_date
        Last session: end_date
        Sessions: sessions_attended
        Status: end_reason
      values: {end_reason: {Finished: completed, Still coming: ongoing}}
    outcomes:
      instrument: SWEMWBS
      timepoints:
        baseline: {items: "Q{n} start", date: Start date}
        month_3: {items: "Q{n} 3m", date: 3 month date}
  About us:
    organisations:
      columns:
        Organisation ID: organisation_id
        Organisation: name
        Type: organisation_type
        Region: region
    services:
      columns:
        Service ID: service_id
        Organisation ID: organisation_id
        Service: name
        Focus: condition_focus
        Format: delivery_format
        Run by: facilitator_model
        Structure: structure
"""
