"""Peer workers' own wellbeing rows: SWEMWBS, baseline then follow-ups, keyed to workers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow.compute as pc

from peerbench.aggregate.subjects import worker_outcomes
from peerbench.schema.instruments import default_registry, score_items
from peerbench.synth import SyntheticDataset


def test_worker_rows_point_at_workers_and_follow_their_baseline(
    small: SyntheticDataset,
) -> None:
    rows = worker_outcomes(small["outcome"])
    assert rows.num_rows > 0
    assert set(rows["instrument"].to_pylist()) == {"SWEMWBS"}
    assert set(rows["timepoint"].to_pylist()) == {"baseline", "month_6", "month_12"}
    assert all(r.startswith("w-") for r in rows["record_id"].to_pylist())
    periods: dict[tuple[str, str], dict[str, Any]] = {}
    for w in sorted(small["peer_worker"].to_pylist(), key=lambda w: w["start_date"]):
        periods.setdefault((w["worker_key"], w["service_id"]), w)  # a worker answers once
    baseline: dict[str, Any] = {}
    for row in rows.to_pylist():
        worker = periods[(row["participant_key"], row["service_id"])]
        assert row["date_administered"] >= worker["start_date"]
        if worker["end_date"] is not None:  # in post when answering
            assert row["date_administered"] <= worker["end_date"]
        if row["timepoint"] == "baseline":
            baseline[row["participant_key"]] = row["date_administered"]
        else:
            assert row["date_administered"] > baseline[row["participant_key"]]
    assert pc.max(rows["date_administered"]).as_py() <= small.config.as_of


def test_a_share_of_workers_answer_and_totals_are_the_registry_score(
    medium: SyntheticDataset,
) -> None:
    rows = worker_outcomes(medium["outcome"])
    workers = medium["peer_worker"].num_rows
    baselines = pc.sum(pc.equal(rows["timepoint"], "baseline")).as_py()
    assert 0.25 < baselines / workers < 0.55  # half the services ask, 80% answer
    follow_ups = rows.num_rows - baselines
    assert 0.3 < follow_ups / baselines < 1.2
    definition = default_registry().get("SWEMWBS")
    scored = score_items(definition, rows["items"]).score.to_numpy(zero_copy_only=False)
    given = rows["total_score"].to_numpy(zero_copy_only=False)
    both = ~np.isnan(given)
    assert np.allclose(scored[both], given[both])
    assert 15 < np.nanmean(given) < 30  # SWEMWBS metric score, population mean about 23.6
