"""Participant-level pairs on hand-made tables (peerbench/aggregate/paired.py)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, compute_tables
from tests.aggregate.conftest import MakeOutcomes, OutcomeRow

PHQ9_15 = [2, 2, 2, 2, 2, 2, 1, 1, 1]
PHQ9_8 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
PHQ9_5 = [1, 1, 1, 1, 1, 0, 0, 0, 0]
PHQ9_12 = [2, 2, 2, 2, 1, 1, 1, 1, 0]


def _pairs(make: MakeOutcomes, services: pa.Table, rows: list[OutcomeRow]) -> list[dict[str, Any]]:
    source = BenchmarkSource.from_tables({"outcome": make(rows), "service": services})
    pairs: list[dict[str, Any]] = compute_tables(source, include_paired=True)["paired"].to_pylist()
    return pairs


def _one(pairs: list[dict[str, Any]], **match: str) -> dict[str, Any]:
    found = [p for p in pairs if all(p[k] == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def test_earliest_baseline_and_last_follow_up(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m2", "p1", "PHQ9", "baseline", "2025-01-20", PHQ9_5),
            ("m1", "p1", "PHQ9", "baseline", "2025-01-10", PHQ9_15),  # earliest
            ("m3", "p1", "PHQ9", "month_3", "2025-04-10", PHQ9_12),
            ("m4", "p1", "PHQ9", "month_3", "2025-04-20", PHQ9_8),  # last at month_3
        ],
    )
    pair = _one(pairs, participant_key="p1", timepoint="month_3")
    assert (pair["baseline_score"], pair["follow_up_score"]) == (15.0, 8.0)
    assert pair["period"] == "2025-Q1"
    assert pair["organisation_id"] == "org-a"


def test_same_day_ties_break_on_record_id(make_outcomes: MakeOutcomes, services: pa.Table) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("b", "p1", "PHQ9", "baseline", "2025-01-10", PHQ9_5),
            ("a", "p1", "PHQ9", "baseline", "2025-01-10", PHQ9_15),  # lowest id wins
            ("y", "p1", "PHQ9", "end", "2025-04-10", PHQ9_8),
            ("z", "p1", "PHQ9", "end", "2025-04-10", PHQ9_12),  # highest id wins
        ],
    )
    pair = _one(pairs, timepoint="end")
    assert (pair["baseline_score"], pair["follow_up_score"]) == (15.0, 12.0)


def test_follow_up_without_baseline_is_ignored(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", "PHQ9", "month_3", "2025-04-10", PHQ9_8),
            ("m2", "p2", "GAD7", "baseline", "2025-01-10", [1] * 7),
            ("m3", "p2", "PHQ9", "month_3", "2025-04-10", PHQ9_8),  # baseline was GAD7
        ],
    )
    assert pairs == []


def test_higher_is_worse_change_is_oriented(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", "PHQ9", "baseline", "2025-01-10", PHQ9_15),
            ("m2", "p1", "PHQ9", "month_3", "2025-04-10", PHQ9_8),
            ("m3", "p1", "PHQ9", "month_6", "2025-07-10", PHQ9_12),
            ("m4", "p2", "PHQ9", "baseline", "2025-01-10", PHQ9_5),
            ("m5", "p2", "PHQ9", "month_3", "2025-04-10", PHQ9_12),
        ],
    )
    improved = _one(pairs, participant_key="p1", timepoint="month_3")
    assert improved["change"] == 7.0  # 15 → 8 on a higher-is-worse scale
    assert improved["reliably_improved"] is True
    assert improved["reliably_deteriorated"] is False
    assert (improved["case_baseline"], improved["case_follow_up"]) == (True, False)
    assert improved["recovered"] is True
    assert improved["reliably_recovered"] is True
    partial = _one(pairs, participant_key="p1", timepoint="month_6")
    assert partial["change"] == 3.0
    assert partial["reliably_improved"] is False
    assert partial["recovered"] is False  # still ≥ 10
    assert partial["reliably_recovered"] is False
    worse = _one(pairs, participant_key="p2")
    assert worse["change"] == -7.0
    assert worse["reliably_deteriorated"] is True
    assert worse["case_baseline"] is False
    assert worse["recovered"] is False


@pytest.mark.parametrize(
    ("code", "before", "after", "improved"),
    [
        ("GAD7", [2] * 7, [2, 2, 2, 1, 1, 1, 1], True),  # 14 → 10: exactly the threshold 4
        ("GAD7", [2] * 7, [2, 2, 2, 2, 1, 1, 1], False),  # 14 → 11
        ("WEMWBS", [3] * 14, [4] * 6 + [3] * 8, False),  # 42 → 48, threshold 8
        ("WEMWBS", [3] * 14, [4] * 8 + [3] * 6, True),  # 42 → 50
    ],
)
def test_reliable_change_threshold(
    make_outcomes: MakeOutcomes,
    services: pa.Table,
    code: str,
    before: list[int],
    after: list[int],
    improved: bool,
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", code, "baseline", "2025-01-10", before),
            ("m2", "p1", code, "end", "2025-04-10", after),
        ],
    )
    assert _one(pairs, instrument=code)["reliably_improved"] is improved


def test_no_threshold_or_caseness_leaves_flags_null(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", "UCLA3", "baseline", "2025-01-10", [3, 3, 3]),
            ("m2", "p1", "UCLA3", "end", "2025-04-10", [1, 2, 1]),
        ],
    )
    pair = _one(pairs, instrument="UCLA3")
    assert pair["change"] == 5.0  # 9 → 4, lonelier is worse
    for flag in ("reliably_improved", "case_baseline", "recovered", "reliably_recovered"):
        assert pair[flag] is None, flag


def test_reqol_caseness_is_below_the_cut_off(
    make_outcomes: MakeOutcomes, services: pa.Table
) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", "REQOL10", "baseline", "2025-01-10", [2] * 10),  # 20 < 24: case
            ("m2", "p1", "REQOL10", "end", "2025-04-10", [3] * 10),  # 30: not a case
        ],
    )
    pair = _one(pairs, instrument="REQOL10")
    assert (pair["case_baseline"], pair["case_follow_up"], pair["recovered"]) == (
        True,
        False,
        True,
    )
    assert pair["reliably_recovered"] is None  # REQOL10 has no threshold


def test_ons4_subscales_pair_separately(make_outcomes: MakeOutcomes, services: pa.Table) -> None:
    pairs = _pairs(
        make_outcomes,
        services,
        [
            ("m1", "p1", "ONS4", "baseline", "2025-01-10", [4, 5, 3, 8]),
            ("m2", "p1", "ONS4", "month_3", "2025-04-10", [6, 5, 7, 2]),
        ],
    )
    changes = {p["instrument"]: p["change"] for p in pairs}
    assert changes == {
        "ONS4.life_satisfaction": 2.0,
        "ONS4.worthwhile": 0.0,
        "ONS4.happiness": 4.0,
        "ONS4.anxiety": 6.0,  # 8 → 2: less anxious is better
    }
