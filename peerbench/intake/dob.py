"""Date of birth to age band, at source: the date of birth itself never leaves the sheet.

``age_band`` is the age at the start of support (code list ``AgeBand``). The age is
taken, in completed years (a birthday on that date counts), at the mapping's
``date_of_birth.at`` (a column, row by row, or a fixed date), else when the person's
support started: the earliest engagement ``start_date`` over all of their rows, else
their earliest outcome ``date_administered``, so every row of one person gives one band.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from peerbench.intake.cells import age_band, age_in_years, parse_date
from peerbench.intake.rows import RowRecord
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

if TYPE_CHECKING:
    from peerbench.intake.transform import Origin

__all__ = ["set_age_band", "start_dates"]


def start_dates(people: list[tuple[str, list[RowRecord]]]) -> dict[str, dt.date]:
    """Per local id, the date support started: the earliest engagement ``start_date`` of
    their records, else their earliest outcome ``date_administered``.

    Args:
        people: ``(local id, the records of one row)`` for each row.
    """
    found: dict[str, dict[str, dt.date]] = {}
    for local_id, records in people:
        for record in records:
            name = {"engagement": "start_date", "outcome": "date_administered"}.get(
                record.record_type
            )
            parsed = None if name is None else parse_date(record.values.get(name) or "", "iso")
            if name is None or parsed is None:
                continue
            earliest = found.setdefault(local_id, {})
            if name not in earliest or parsed < earliest[name]:
                earliest[name] = parsed
    return {
        local_id: dates.get("start_date") or dates["date_administered"]
        for local_id, dates in found.items()
    }


def set_age_band(
    row: list[str],
    dob_index: int,
    at: dt.date | None,
    records: list[RowRecord],
    origin: Origin,
    header: str,
    findings: list[Finding],
) -> None:
    """Put the age band at ``at`` into the row's participant record, or say why not."""
    if not row[dob_index].strip():
        return
    born = parse_date(row[dob_index])
    problem = None
    if born is None:
        problem = " (it is not a date)"
    elif at is None:
        problem = " (this row has no assessment date to take the age at)"
    elif born > at:
        problem = " (it is after the assessment date)"
    band = None if born is None or at is None or born > at else age_band(age_in_years(born, at))
    if problem is not None:
        # The value is never put in the finding: a date of birth is an identifier.
        findings.append(
            finding(
                "date-of-birth-unusable",
                file=origin.display,
                row=origin.row,
                column=header,
                detail=problem,
            )
        )
        return
    for record in records:
        if record.record_type == "participant" and not record.values.get("age_band"):
            record.values["age_band"] = band
