"""peerbench.aggregate.subjects: participants' questionnaires apart from workers' own."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from peerbench.aggregate.lineage import add_lineage
from peerbench.aggregate.subjects import participant_outcomes, worker_outcomes


def test_rows_split_by_subject_and_missing_subject_means_participant() -> None:
    table = pa.table(
        {
            "record_id": ["a", "b", "c", "d"],
            "subject": [None, "participant", "peer_worker", "peer_worker"],
        }
    )
    assert participant_outcomes(table).column("record_id").to_pylist() == ["a", "b"]
    assert worker_outcomes(table).column("record_id").to_pylist() == ["c", "d"]
    before_1_2 = pa.table({"record_id": ["a", "b"]})
    assert participant_outcomes(before_1_2) is before_1_2
    assert worker_outcomes(before_1_2).num_rows == 0


def test_workers_and_referrals_fall_in_the_quarter_of_their_own_date() -> None:
    workers = pa.table(
        {"service_id": ["s"], "start_date": pa.array([dt.date(2025, 5, 1)], pa.date32())}
    )
    referrals = pa.table(
        {"service_id": ["s"], "referral_date": pa.array([dt.date(2025, 12, 31)], pa.date32())}
    )
    assert add_lineage("peer_worker", workers).column("_period").to_pylist() == ["2025-Q2"]
    assert add_lineage("referral", referrals).column("_period").to_pylist() == ["2025-Q4"]
