"""Plain rows for the organisation pages: periods offered, each period's state, uploads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from peerbench.server.db.models import PortalUpload, Submission, SubmissionStatus
from peerbench.server.submissions import quarter_of

UPLOAD_STATES = {
    "staged": "Waiting for you to confirm the columns",
    "mapped": "Waiting for you to confirm the columns",
    "checked": "Checked: see the result",
}


def periods_offered(earliest: str, today: dt.date, count: int = 8) -> list[str]:
    """The current quarter and the ones before it (never before ``earliest``), newest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out: list[str] = []
    while len(out) < count:
        period = f"{year:04d}-Q{quarter}"
        if period < earliest:
            break
        out.append(period)
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out


@dataclass(frozen=True)
class PeriodRow:
    """One quarter on the home page: what the pool holds for it."""

    period: str
    status: str
    submission_id: str | None
    rows: int | None


def period_rows(periods: Sequence[str], submissions: Sequence[Submission]) -> list[PeriodRow]:
    """For each period, the newest accepted version, else the newest attempt, else missing."""
    out = []
    for period in periods:
        mine = [s for s in submissions if s.period == period]  # newest first
        accepted = [s for s in mine if s.status == SubmissionStatus.ACCEPTED.value]
        chosen = accepted[0] if accepted else (mine[0] if mine else None)
        if chosen is None:
            out.append(PeriodRow(period, "missing", None, None))
        else:
            out.append(PeriodRow(period, chosen.status, chosen.id, chosen.rows))
    return out


@dataclass(frozen=True)
class UploadRow:
    """An upload in progress."""

    id: str
    period: str
    files: str
    state: str
    created_at: dt.datetime


def upload_rows(uploads: Sequence[PortalUpload]) -> list[UploadRow]:
    """Uploads in progress, as the home page lists them."""
    return [
        UploadRow(
            u.id,
            u.period,
            ", ".join(u.file_names),
            UPLOAD_STATES.get(u.status, u.status),
            u.created_at,
        )
        for u in uploads
    ]


def current_quarter(today: dt.date) -> str:
    """The quarter ``today`` is in (the latest a submission may be for)."""
    return quarter_of(today)
