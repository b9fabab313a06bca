"""A small charity's own spreadsheet, as a volunteer coordinator keeps it (test fixture).

One workbook. Sheet "Clients", one row per person: a title row, a header with a
trailing space, names, dates of birth and phone numbers, SWEMWBS answers typed as words
at the start and at three months (a wide layout), a blank row and a TOTAL row. Sheets
"Organisation" and "Service" describe the charity and its one service, once. The mapping
is the one a coordinator ends up with after ``peerbench map`` and one edit (the service
id, which no column holds).
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
    "Sessions attended",
    "Reason left",
    "Consent",
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
        status = "Ongoing" if last is None else "Finished"
        person = [key, name, dob, gender, phone or None, start, end, sessions, status, "Yes"]
        sheet.append([*person, start, *answers, follow_up, *later])
    sheet.append([])
    sheet.append(["TOTAL", None, None, None, None, None, None, 31])
    for title, rows in (("Organisation", ORGANISATION), ("Service", SERVICE)):
        extra = book.create_sheet(title)
        for row in rows:
            extra.append(row)
    book.save(path)
    return path


ORGANISATION_ID = "walk-talk-leeds"
SERVICE_ID = "walk-and-talk"
ORGANISATION = [
    ["Organisation ID", "Name", "Organisation type", "Region"],
    [ORGANISATION_ID, "Walk and Talk Leeds", "Charity", "Yorkshire"],
]
SERVICE = [
    [
        "Service ID", "Organisation ID", "Name", "Condition focus", "Delivery format",
        "Facilitator model", "Structure",
    ],
    [
        SERVICE_ID, ORGANISATION_ID, "Walk and Talk group", "Mental health", "Group",
        "Volunteer peers", "Structured",
    ],
]  # fmt: skip


MAPPING = """\
version: 2
date_format: iso
constants:
  service_id: walk-and-talk
sheets:
  Clients:
    header_row: 3
    id_column: Client ID
    identifiers: [Name, Phone]
    date_of_birth:
      column: Date of birth
    participants:
      columns: {Gender: sex, Consent: consent_research}
    engagements:
      columns:
        First session: start_date
        Last session: end_date
        Sessions attended: sessions_attended
        Reason left: end_reason
    outcomes:
      instrument: SWEMWBS
      timepoints:
        baseline: {items: "Q{n} start", date: Start date}
        month_3: {items: "Q{n} 3m", date: 3 month date}
  Organisation:
    organisations:
      columns:
        Organisation ID: organisation_id
        Name: name
        Organisation type: organisation_type
        Region: region
  Service:
    services:
      columns:
        Service ID: service_id
        Organisation ID: organisation_id
        Name: name
        Condition focus: condition_focus
        Delivery format: delivery_format
        Facilitator model: facilitator_model
        Structure: structure
"""
