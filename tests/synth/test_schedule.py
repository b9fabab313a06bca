"""Timepoints, attrition, dates and trimming to an exact row count."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peerbench.synth import SyntheticDataset


def _completion(dataset: SyntheticDataset, timepoint: str, due_days: int) -> float:
    """Share of participants with a baseline, due for ``timepoint``, who have one."""
    outcomes = dataset["outcome"]
    first_start = (
        dataset["engagement"]
        .group_by(["participant_key", "service_id"])
        .aggregate([("start_date", "min")])
    )
    cutoff = dataset.config.as_of - dt.timedelta(days=due_days)
    due = first_start.filter(pc.less_equal(first_start.column("start_date_min"), cutoff))
    due_keys = set(due.column("participant_key").to_pylist())
    by_tp: dict[str, set[str]] = {}
    for tp in ("baseline", timepoint):
        rows = outcomes.filter(pc.equal(outcomes.column("timepoint"), tp))
        by_tp[tp] = set(rows.column("participant_key").to_pylist()) & due_keys
    return len(by_tp[timepoint]) / len(by_tp["baseline"])


@pytest.mark.parametrize(
    ("timepoint", "due", "low", "high"),
    [("month_3", 112, 0.55, 0.75), ("month_6", 212, 0.42, 0.60), ("month_12", 410, 0.22, 0.40)],
)
def test_attrition_is_realistic(
    medium: SyntheticDataset, timepoint: str, due: int, low: float, high: float
) -> None:
    assert low <= _completion(medium, timepoint, due) <= high


def test_follow_ups_are_never_before_their_baseline(medium: SyntheticDataset) -> None:
    outcomes = medium["outcome"].drop_columns(["items"])
    keys = ["participant_key", "service_id", "instrument"]
    base = outcomes.filter(pc.equal(outcomes.column("timepoint"), "baseline"))
    base = base.group_by(keys).aggregate([("date_administered", "max")])
    joined = outcomes.join(base, keys, join_type="inner")
    assert pc.all(
        pc.greater_equal(joined.column("date_administered"), joined.column("date_administered_max"))
    ).as_py()


def test_other_timepoints_have_days_since_start(medium: SyntheticDataset) -> None:
    outcomes = medium["outcome"]
    other = outcomes.filter(pc.equal(outcomes.column("timepoint"), "other"))
    assert other.num_rows > 0
    assert other.column("days_since_start").null_count == 0


def test_days_since_start_matches_the_engagement(small: SyntheticDataset) -> None:
    outcomes = small["outcome"].drop_columns(["items"])
    outcomes = outcomes.filter(pc.is_valid(outcomes.column("days_since_start")))
    starts = (
        small["engagement"]
        .group_by(["participant_key", "service_id"])
        .aggregate([("start_date", "min")])
    )
    joined = outcomes.join(starts, ["participant_key", "service_id"])
    days = (
        pc.cast(joined.column("date_administered"), pa.int32()).to_numpy()
        - pc.cast(joined.column("start_date_min"), pa.int32()).to_numpy()
    )
    assert np.array_equal(days, joined.column("days_since_start").to_numpy())


def test_baseline_within_fourteen_days_of_start(small: SyntheticDataset) -> None:
    outcomes = small["outcome"]
    base = outcomes.filter(
        pc.and_(
            pc.equal(outcomes.column("timepoint"), "baseline"),
            pc.is_valid(outcomes.column("days_since_start")),
        )
    )
    days = base.column("days_since_start").to_numpy()
    assert days.min() >= 0 and days.max() <= 14


def test_online_and_ad_hoc_lose_more_people(medium: SyntheticDataset) -> None:
    services = medium["service"].select(["service_id", "structure"])
    outcomes = medium["outcome"].drop_columns(["items"]).join(services, "service_id")
    share = {}
    for structure in ("structured_programme", "ad_hoc"):
        rows = outcomes.filter(pc.equal(outcomes.column("structure"), structure))
        tp = rows.column("timepoint")
        share[structure] = (
            pc.sum(pc.equal(tp, "month_3")).as_py() / pc.sum(pc.equal(tp, "baseline")).as_py()
        )
    assert share["structured_programme"] > share["ad_hoc"]
