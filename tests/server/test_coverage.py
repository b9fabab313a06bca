"""Network coverage: members x quarters from submissions, pool versions and agreements."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from peerbench.server import tenancy
from peerbench.server.coverage import (
    CellStatus,
    network_coverage,
    next_quarter,
    quarter_start,
    quarters_between,
)
from peerbench.server.db.models import PoolVersion, Submission
from peerbench.server.db.session import Database

AS_OF = dt.date(2025, 5, 10)  # in 2025-Q2
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _submit(
    session: Session,
    sub_id: str,
    org: str,
    period: str,
    status: str,
    minute: int,
    *,
    current: bool | None = None,
    rows: int = 10,
) -> None:
    """A submission row; accepted ones get a pool version (current or superseded)."""
    session.add(
        Submission(
            id=sub_id,
            organisation_id=org,
            period=period,
            status=status,
            content_hash=sub_id,
            rows=rows,
            created_at=T0 + dt.timedelta(minutes=minute),
        )
    )
    session.flush()
    if current is not None:
        session.add(
            PoolVersion(
                submission_id=sub_id,
                organisation_id=org,
                period=period,
                record_type="outcome",
                path=f"{org}/{period}/{sub_id}.parquet",
                rows=rows,
                is_current=current,
                superseded_by=None if current else "later",
            )
        )
        session.flush()


@pytest.fixture
def setup(db: Database) -> Database:
    """net1: a (2024-10-01 on), b (2025-01-15 to 2025-03-31, ended), c (starts 2025-07-01)."""
    with db.session() as s:
        for org in ("a", "b", "c"):
            tenancy.create_organisation(s, id=org, name=f"Org {org.upper()}")
        tenancy.create_network(s, id="net1", name="North")
        for org, start, end in (
            ("a", dt.date(2024, 10, 1), None),
            ("b", dt.date(2025, 1, 15), dt.date(2025, 3, 31)),
            ("c", dt.date(2025, 7, 1), None),
        ):
            tenancy.add_member(
                s,
                network_id="net1",
                organisation_id=org,
                agreement_reference=f"DSA-{org}",
                agreement_start=start,
                agreement_end=end,
            )
        # a: 2024-Q4 accepted twice (first superseded); 2025-Q1 rejected then failed.
        _submit(s, "sub_a1", "a", "2024-Q4", "accepted", 1, current=False, rows=5)
        _submit(s, "sub_a2", "a", "2024-Q4", "accepted", 2, current=True, rows=12)
        _submit(s, "sub_a3", "a", "2025-Q1", "rejected", 3)
        _submit(s, "sub_a4", "a", "2025-Q1", "failed", 4)
        # b and c submitted, but the network may not see them on AS_OF.
        _submit(s, "sub_b1", "b", "2025-Q1", "accepted", 5, current=True)
        _submit(s, "sub_c1", "c", "2025-Q1", "accepted", 6, current=True)
    return db


def test_quarter_arithmetic() -> None:
    assert next_quarter("2024-Q4") == "2025-Q1"
    assert quarter_start("2025-Q3") == dt.date(2025, 7, 1)
    assert quarters_between("2024-Q3", "2025-Q2") == ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]
    assert quarters_between("2025-Q2", "2025-Q1") == []


def test_cells_say_what_the_network_may_know(setup: Database) -> None:
    with setup.session() as session:
        coverage = network_coverage(session, "net1", as_of=AS_OF)
    assert coverage.quarters == ["2024-Q4", "2025-Q1", "2025-Q2"]
    by_org = {m.organisation_id: m for m in coverage.members}
    assert [m.visible for m in coverage.members] == [True, False, False]
    a = by_org["a"].cells
    assert (a[0].status, a[0].submission_id, a[0].rows, a[0].superseded, a[0].attempts) == (
        CellStatus.SUBMITTED,
        "sub_a2",
        12,
        1,
        2,
    )
    assert (a[1].status, a[1].attempts) == (CellStatus.FAILED, 2)  # the latest attempt
    assert a[2].status is CellStatus.NOT_DUE  # 2025-Q2 has not ended on AS_OF
    # b's agreement ended and c's has not started: nothing about their submissions shows.
    for org in ("b", "c"):
        assert {c.status for c in by_org[org].cells} == {CellStatus.OUTSIDE_AGREEMENT}
        assert all(c.submission_id is None and c.attempts == 0 for c in by_org[org].cells)
    assert (coverage.submitted_in("2024-Q4"), coverage.expected_in("2024-Q4")) == (1, 1)


def test_missing_only_for_ended_quarters_inside_the_window(setup: Database) -> None:
    with setup.session() as session:
        coverage = network_coverage(session, "net1", as_of=dt.date(2025, 12, 1))
    a = {c.period: c.status for c in coverage.members[0].cells}
    assert a["2025-Q2"] is CellStatus.MISSING
    assert a["2025-Q3"] is CellStatus.MISSING
    assert a["2025-Q4"] is CellStatus.NOT_DUE
    c = {cell.period: cell.status for cell in coverage.members[2].cells}
    assert c["2025-Q1"] is CellStatus.SUBMITTED  # visible now its agreement has started
    assert c["2024-Q4"] is CellStatus.OUTSIDE_AGREEMENT
    assert c["2025-Q3"] is CellStatus.MISSING


def test_to_dict_is_json_ready_and_totals_add_up(setup: Database) -> None:
    with setup.session() as session:
        data = network_coverage(session, "net1", as_of=AS_OF).to_dict()
    assert data["as_of"] == "2025-05-10"
    assert data["members"][1]["agreement_end"] == "2025-03-31"
    assert data["members"][0]["cells"][0]["status"] == "submitted"
    assert data["totals"][0] == {"period": "2024-Q4", "submitted": 1, "expected": 1}


def test_max_quarters_keeps_the_most_recent(setup: Database) -> None:
    with setup.session() as session:
        coverage = network_coverage(session, "net1", as_of=AS_OF, max_quarters=2)
    assert coverage.quarters == ["2025-Q1", "2025-Q2"]


def test_unknown_network(setup: Database) -> None:
    with setup.session() as session, pytest.raises(tenancy.NotFoundError):
        network_coverage(session, "nope", as_of=AS_OF)
