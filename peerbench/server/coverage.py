"""Network coverage: each member's submission status by quarter, from the metadata database.

``GET /v1/networks/{id}/coverage``, ``peerbench admin coverage`` and the portal's network
home all show :func:`network_coverage`, so they agree. Only metadata is read (submissions,
pool versions, memberships); no pooled data file is opened.

A member's cells carry submission facts only while the network may see the member
(inside its agreement window on ``as_of``, :func:`peerbench.server.tenancy.network_member_ids`);
outside the window every cell is ``outside_agreement``, so the network learns nothing
about an organisation whose agreement has not started or has ended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server.db.models import Organisation, PoolVersion, Submission, SubmissionStatus
from peerbench.server.submissions import quarter_of
from peerbench.server.tenancy import get_network, list_members, network_member_ids

MAX_QUARTERS = 40
"""At most this many quarters (the most recent), ten years, are shown."""


class CellStatus(StrEnum):
    """What a network knows about one member's quarter."""

    SUBMITTED = "submitted"
    """An accepted submission is current for the quarter (earlier ones it replaced are
    counted as ``superseded``)."""
    IN_PROGRESS = "in_progress"
    """The latest submission is still being checked; nothing accepted yet."""
    REJECTED = "rejected"
    """The latest submission had errors in the data; nothing accepted yet."""
    FAILED = "failed"
    """The server could not process the latest submission; nothing accepted yet."""
    MISSING = "missing"
    """Nothing submitted for a quarter that has ended inside the agreement window."""
    NOT_DUE = "not_due"
    """Nothing submitted yet for a quarter that has not ended."""
    OUTSIDE_AGREEMENT = "outside_agreement"
    """The quarter lies outside the agreement, or the network may not see the member
    on this day (nothing is said about its submissions)."""


CELL_LABELS: dict[CellStatus, str] = {
    CellStatus.SUBMITTED: "Submitted",
    CellStatus.IN_PROGRESS: "Being checked",
    CellStatus.REJECTED: "Rejected (errors in the data)",
    CellStatus.FAILED: "Failed (server problem; safe to resend)",
    CellStatus.MISSING: "Missing",
    CellStatus.NOT_DUE: "Not due yet",
    CellStatus.OUTSIDE_AGREEMENT: "Outside the agreement",
}
"""Reader-facing words for each status (pages and the CLI)."""

CELL_MEANINGS: dict[CellStatus, str] = {
    CellStatus.SUBMITTED: "An accepted submission is in the pool for this quarter; a later "
    "one replaces an earlier one.",
    CellStatus.IN_PROGRESS: "A submission is being checked; nothing is accepted yet.",
    CellStatus.REJECTED: "The latest submission had errors in the data; the member can fix "
    "them and send it again.",
    CellStatus.FAILED: "The server could not process the latest submission; it is safe to "
    "send it again.",
    CellStatus.MISSING: "Nothing has been accepted for a quarter that has ended inside the "
    "agreement.",
    CellStatus.NOT_DUE: "The quarter has not ended yet.",
    CellStatus.OUTSIDE_AGREEMENT: "The quarter is outside the agreement, or the network may "
    "not see this member today; nothing about its submissions is shown.",
}
"""What each status means, one sentence each."""


@dataclass(frozen=True)
class CoverageCell:
    """One member's quarter."""

    period: str
    status: CellStatus
    submission_id: str | None = None
    """The current accepted submission (``submitted`` only)."""
    rows: int | None = None
    """Rows in the current accepted submission."""
    superseded: int = 0
    """Accepted submissions for the quarter that a later one replaced."""
    attempts: int = 0
    """Submissions of any status for the quarter."""


@dataclass(frozen=True)
class MemberCoverage:
    """One member: its agreement and its cells, oldest quarter first."""

    organisation_id: str
    name: str
    agreement_reference: str
    agreement_start: dt.date
    agreement_end: dt.date | None
    visible: bool
    """Whether the network may see the member's data on ``as_of``."""
    cells: list[CoverageCell] = field(default_factory=list)


@dataclass(frozen=True)
class NetworkCoverage:
    """Every member of a network by quarter, on ``as_of``."""

    network_id: str
    network_name: str
    as_of: dt.date
    quarters: list[str]
    members: list[MemberCoverage]

    def submitted_in(self, period: str) -> int:
        """How many members have an accepted submission current for ``period``."""
        return sum(
            c.period == period and c.status is CellStatus.SUBMITTED
            for m in self.members
            for c in m.cells
        )

    def expected_in(self, period: str) -> int:
        """How many members are expected to submit for ``period`` (visible, in window)."""
        return sum(
            c.period == period and c.status is not CellStatus.OUTSIDE_AGREEMENT
            for m in self.members
            for c in m.cells
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        for member in data["members"]:
            member["agreement_start"] = member["agreement_start"].isoformat()
            end = member["agreement_end"]
            member["agreement_end"] = end.isoformat() if end else None
            for cell in member["cells"]:
                cell["status"] = str(cell["status"])
        data["totals"] = [
            {"period": q, "submitted": self.submitted_in(q), "expected": self.expected_in(q)}
            for q in self.quarters
        ]
        return data


def next_quarter(period: str) -> str:
    """The quarter after ``period`` (``2026-Q4`` → ``2027-Q1``)."""
    year, q = int(period[:4]), int(period[-1])
    return f"{year + 1:04d}-Q1" if q == 4 else f"{year:04d}-Q{q + 1}"


def quarter_start(period: str) -> dt.date:
    """The first day of ``period``."""
    return dt.date(int(period[:4]), 3 * (int(period[-1]) - 1) + 1, 1)


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive (empty when first > last)."""
    out: list[str] = []
    period = first
    while period <= last:
        out.append(period)
        period = next_quarter(period)
    return out


def _in_window(period: str, start: dt.date, end: dt.date | None) -> bool:
    """The quarter overlaps the agreement window."""
    q_start = quarter_start(period)
    q_end = quarter_start(next_quarter(period)) - dt.timedelta(days=1)
    return q_end >= start and (end is None or q_start <= end)


def _cell(
    period: str,
    submissions: list[Submission],
    current: dict[str, str],
    *,
    in_window: bool,
    ended: bool,
) -> CoverageCell:
    """The cell for one visible member's quarter (``submissions`` oldest first)."""
    current_id = current.get(period)
    accepted = [s for s in submissions if s.status == SubmissionStatus.ACCEPTED.value]
    superseded = sum(s.id != current_id for s in accepted)
    attempts = len(submissions)
    if current_id is not None:
        rows = next((s.rows for s in submissions if s.id == current_id), None)
        return CoverageCell(period, CellStatus.SUBMITTED, current_id, rows, superseded, attempts)
    if submissions:
        latest = submissions[-1].status
        status = {
            SubmissionStatus.REJECTED.value: CellStatus.REJECTED,
            SubmissionStatus.FAILED.value: CellStatus.FAILED,
        }.get(latest, CellStatus.IN_PROGRESS)
        return CoverageCell(period, status, superseded=superseded, attempts=attempts)
    if not in_window:
        return CoverageCell(period, CellStatus.OUTSIDE_AGREEMENT)
    return CoverageCell(period, CellStatus.MISSING if ended else CellStatus.NOT_DUE)


def network_coverage(
    session: Session, network_id: str, *, as_of: dt.date, max_quarters: int = MAX_QUARTERS
) -> NetworkCoverage:
    """Every member of ``network_id`` by quarter, as the network may see it on ``as_of``.

    Quarters run from the earliest agreement start (or earliest submitted period of a
    visible member, if earlier) to the quarter of ``as_of``, keeping the most recent
    ``max_quarters``. Members are listed whatever their dates, with their agreement.

    Raises:
        peerbench.server.tenancy.NotFoundError: no network has this id.
    """
    network = get_network(session, network_id)
    memberships = list_members(session, network_id)
    visible = set(network_member_ids(session, network_id, as_of=as_of))
    names = {
        org_id: name
        for org_id, name in session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([m.organisation_id for m in memberships])
            )
        )
    }
    by_org: dict[str, dict[str, list[Submission]]] = defaultdict(lambda: defaultdict(list))
    for sub in session.scalars(
        select(Submission)
        .where(Submission.organisation_id.in_(visible))
        .order_by(Submission.created_at, Submission.id)
    ):
        by_org[sub.organisation_id][sub.period].append(sub)
    current: dict[str, dict[str, str]] = defaultdict(dict)
    for org, period, sub_id in session.execute(
        select(PoolVersion.organisation_id, PoolVersion.period, PoolVersion.submission_id)
        .where(PoolVersion.organisation_id.in_(visible), PoolVersion.is_current)
        .distinct()
    ):
        current[org][period] = sub_id

    last = quarter_of(as_of)
    starts = [quarter_of(m.agreement_start) for m in memberships]
    starts += [p for org in by_org.values() for p in org]
    first = min(starts, default=last)
    quarters = quarters_between(min(first, last), last)[-max_quarters:]
    this_quarter = quarter_of(as_of)

    members: list[MemberCoverage] = []
    for m in memberships:
        seen = m.organisation_id in visible
        cells = [
            _cell(
                q,
                by_org[m.organisation_id].get(q, []),
                current[m.organisation_id],
                in_window=_in_window(q, m.agreement_start, m.agreement_end),
                ended=q < this_quarter,
            )
            if seen
            else CoverageCell(q, CellStatus.OUTSIDE_AGREEMENT)
            for q in quarters
        ]
        members.append(
            MemberCoverage(
                organisation_id=m.organisation_id,
                name=names.get(m.organisation_id, m.organisation_id),
                agreement_reference=m.agreement_reference,
                agreement_start=m.agreement_start,
                agreement_end=m.agreement_end,
                visible=seen,
                cells=cells,
            )
        )
    return NetworkCoverage(network.id, network.name, as_of, quarters, members)
