"""Date of birth to age band, at source: the date of birth itself never leaves the sheet.

``age_band`` is the age at the start of support (code list ``AgeBand``). The age is
taken, in completed years (a birthday on that date counts), at the mapping's
``date_of_birth.at`` (a column or a fixed date), else the row's engagement
``start_date``, else the earliest ``date_administered`` among the row's outcomes.
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

__all__ = ["at_date", "set_age_band"]


def at_date(
    row: list[str], at_index: int | None, records: list[RowRecord], date_format: str | None
) -> dt.date | None:
    """The date to take the age at: the ``at`` column, else the row's engagement start
    date (``age_band`` is the age at the start of support), else its earliest outcome."""
    if at_index is not None:
        return parse_date(row[at_index], date_format)
    for record_type, name in (("engagement", "start_date"), ("outcome", "date_administered")):
        dates = [
            parsed
            for record in records
            if record.record_type == record_type
            and (parsed := parse_date(record.values.get(name) or "", "iso")) is not None
        ]
        if dates:
            return min(dates)
    return None


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
