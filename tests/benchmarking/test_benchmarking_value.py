"""Economic value rows: one organisation's inconsistent service use never fails the rest."""

from __future__ import annotations

from typing import Any

import pandas as pd

from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, DataQualityNote
from peerbench.benchmarking.value import FOLLOW_UP, service_use_rows, usable_service_use


def _rows(service: str, people: int, *, visits: int = 4) -> list[dict[str, Any]]:
    rows = []
    for i in range(people):
        for timepoint, gp in (("baseline", visits), (FOLLOW_UP, visits - 2)):
            rows.append(
                {
                    "participant_key": f"{service}-p{i}",
                    "service_id": service,
                    "timepoint": timepoint,
                    "recall_period_months": 3,
                    "gp_appointments": gp,
                    "ae_attendances": 0,
                    "emergency_admissions": 0,
                    "bed_days": 0,
                    "outpatient_attendances": 0,
                }
            )
    return rows


def test_an_inconsistent_organisation_is_left_out_with_a_note() -> None:
    good = _rows("s-good", 12)
    bad = _rows("s-bad", 12)
    bad.append({**bad[0], "gp_appointments": 9})  # a second, different baseline row
    records = pd.DataFrame(good + bad)
    owners = {"s-good": "org-good", "s-bad": "org-bad"}
    usable, notes = usable_service_use(records, owners)
    assert notes == [
        DataQualityNote(
            "economics", "org-bad", "service use: more than one 'baseline' row for a participant"
        )
    ]
    assert set(usable["service_id"]) == {"s-good"}
    rows = service_use_rows(usable, min_n=10)  # answers, for everyone else
    assert {r.service_id for r in rows} == {None, "s-good"}
    pooled = next(r for r in rows if r.service_id is None)
    assert pooled.n == 12 and pooled.mean is not None and pooled.mean > 0


def test_consistent_records_pass_untouched() -> None:
    records = pd.DataFrame(_rows("s1", 3) + _rows("s2", 3))
    usable, notes = usable_service_use(records, {"s1": "a"})  # s2's owner unknown: itself
    assert notes == [] and usable.equals(records)
    records.loc[0, "recall_period_months"] = 0
    _usable, notes = usable_service_use(records, {"s1": "a"})
    assert [(n.organisation_id, n.reason) for n in notes] == [
        ("a", "service use: recall_period_months must be a positive number")
    ]


def test_notes_survive_the_json_round_trip() -> None:
    note = DataQualityNote("economics", "org-bad", "service use: why")
    result = BenchmarkResult(BenchmarkOptions(), "example", data_quality=(note,))
    data = result.to_dict()
    assert data["data_quality"] == [
        {"table": "economics", "organisation_id": "org-bad", "reason": "service use: why"}
    ]
    assert BenchmarkResult.from_dict(data).data_quality == (note,)
