"""Derived outcome record ids, and deriving them again after pseudonymisation."""

from __future__ import annotations

import pyarrow as pa

from peerbench.intake.wide import occasion_of, outcome_record_id, rederive_record_ids


def test_only_derived_ids_are_derived_again() -> None:
    table = pa.table(
        {
            "record_id": ["old1", "kept", "old3"],
            "participant_key": ["k1", "k2", "k3"],
            "instrument": ["WEMWBS", "WEMWBS", "PHQ9"],
            "timepoint": ["baseline", "baseline", "other"],
            "date_administered": [None, None, "2026-05-01"],
        }
    )
    out = rederive_record_ids(table, [True, False, True])
    assert out.column("record_id").to_pylist() == [
        outcome_record_id("k1", "WEMWBS", "baseline"),
        "kept",
        outcome_record_id("k3", "PHQ9", "other", "2026-05-01"),
    ]
    assert out.column_names == table.column_names
    assert rederive_record_ids(table, [False] * 3) is table


def test_occasion_only_for_other() -> None:
    assert occasion_of("baseline", "2026-01-01", None) == ""
    assert occasion_of("other", "2026-01-01", "30") == "2026-01-01"
    assert occasion_of("other", None, "30") == "30"
