"""Benchmark tables against an independent pandas computation (outcomes, reach, sustainment)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource, compute_tables, instrument_parameters
from peerbench.aggregate.scoring import score_outcomes
from peerbench.aggregate.subjects import participant_outcomes
from peerbench.schema.codelists import ETHNICITY_GROUP
from tests.aggregate.conftest import MakeOutcomes

FOLLOW_UPS = ["month_3", "month_6", "month_12", "end"]
KEYS = ["participant_key", "service_id", "instrument"]


@pytest.fixture(scope="module")
def computed(synth_tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    services = synth_tables["service"].column("service_id").to_pylist()
    networks = pa.table(
        {"service_id": services, "network": [f"n{i % 2}" for i in range(len(services))]}
    )
    source = BenchmarkSource.from_tables(synth_tables)
    return compute_tables(source, networks=networks, include_paired=True)


@pytest.fixture(scope="module")
def expected_pairs(synth_tables: dict[str, pa.Table]) -> pd.DataFrame:
    """Pairs computed with pandas from the scored table: earliest baseline, last follow-up.

    Participants' questionnaires only: peer workers' own (subject = peer_worker) are
    measured by the workforce benchmarks, never paired here."""
    outcomes = BenchmarkSource.from_tables(synth_tables).read("outcome")
    scored = score_outcomes(participant_outcomes(outcomes)).to_pandas()
    ordered = scored.sort_values(["date_administered", "record_id"])
    base = ordered[ordered.timepoint == "baseline"].groupby(KEYS, as_index=False).first()
    follow = ordered[ordered.timepoint.isin(FOLLOW_UPS)]
    last = follow.groupby([*KEYS, "timepoint"], as_index=False).last()
    pairs = base.merge(last, on=KEYS, suffixes=("_b", "_f"))
    direction = instrument_parameters().to_pandas().set_index("instrument").direction
    pairs["change"] = (pairs.score_f - pairs.score_b) * pairs.instrument.map(direction)
    pairs["period"] = pairs["_period_b"]
    renamed: pd.DataFrame = pairs.rename(columns={"timepoint_f": "timepoint"})
    return renamed


def _frame(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas()
    return frame


def test_pairs_match_pandas(computed: dict[str, pa.Table], expected_pairs: pd.DataFrame) -> None:
    mine = _frame(computed["paired"]).sort_values([*KEYS, "timepoint"]).reset_index(drop=True)
    theirs = expected_pairs.sort_values([*KEYS, "timepoint"]).reset_index(drop=True)
    assert len(mine) == len(theirs) > 1000
    assert list(mine.participant_key) == list(theirs.participant_key)
    np.testing.assert_allclose(mine.baseline_score, theirs.score_b)
    np.testing.assert_allclose(mine.follow_up_score, theirs.score_f)
    np.testing.assert_allclose(mine.change.astype(float), theirs.change.astype(float))


def test_service_outcomes_match_pandas(
    computed: dict[str, pa.Table], expected_pairs: pd.DataFrame
) -> None:
    group = ["service_id", "instrument", "period", "timepoint"]
    theirs = expected_pairs.groupby(group).change.agg(["size", "mean", "std"]).reset_index()
    mine = _frame(computed["service_outcomes"])
    mine = mine[mine.n_paired > 0].merge(theirs, on=group, how="outer", indicator=True)
    assert (mine["_merge"] == "both").all()
    assert (mine.n_paired == mine["size"]).all()
    np.testing.assert_allclose(mine.mean_change.astype(float), mine["mean"], atol=1e-9)
    np.testing.assert_allclose(mine.sd_change.astype(float), mine["std"], atol=1e-9)
    # A few services, spelled out: n_paired and mean change at month_3.
    for service in sorted(set(mine.service_id))[:3]:
        pairs = expected_pairs[
            (expected_pairs.service_id == service) & (expected_pairs.timepoint == "month_3")
        ]
        rows = mine[(mine.service_id == service) & (mine.timepoint == "month_3")]
        assert rows.n_paired.sum() == len(pairs)


@pytest.mark.parametrize("level", ["overall", "network"])
def test_pooled_outcomes_equal_a_direct_computation_from_participants(
    computed: dict[str, pa.Table], synth_tables: dict[str, pa.Table], level: str
) -> None:
    """Pooling per-service n, mean and SD gives what the participants give directly."""
    paired, baselines = _frame(computed["paired"]), _frame(computed["baselines"])
    services = synth_tables["service"].column("service_id").to_pylist()
    if level == "network":  # as the `computed` fixture assigns them
        network = {s: f"n{i % 2}" for i, s in enumerate(services)}
        by, table = ["network"], _frame(computed["network_outcomes"])
        for frame in (paired, baselines):
            frame["network"] = frame.service_id.map(network)
    else:
        by, table = [], _frame(computed["overall_outcomes"])
    keys = [*by, "instrument", "period"]
    base = baselines.groupby(keys).baseline_score.agg(["size", "mean", "std"])
    pairs = paired.groupby([*keys, "timepoint"]).agg(
        n=("change", "size"),
        follow_up=("follow_up_score", "mean"),
        change=("change", "mean"),
        sd=("change", "std"),
        improved=("reliably_improved", "sum"),
    )
    mine = table.set_index([*keys, "timepoint"])
    at_base = mine.join(base, on=keys)
    assert (at_base.n_baseline == at_base["size"]).all()
    np.testing.assert_allclose(at_base.baseline_mean, at_base["mean"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        at_base.baseline_sd.astype(float), at_base["std"].astype(float), rtol=1e-9, atol=1e-9
    )
    joined = mine[mine.n_paired > 0].join(pairs, how="outer")
    assert (joined.n_paired == joined.n).all() and len(joined) > 10
    for ours, theirs in [("follow_up_mean", "follow_up"), ("mean_change", "change")]:
        np.testing.assert_allclose(
            joined[ours].astype(float), joined[theirs].astype(float), rtol=1e-9, atol=1e-9
        )
    np.testing.assert_allclose(
        joined.sd_change.astype(float), joined.sd.astype(float), rtol=1e-9, atol=1e-9
    )
    rc = joined[joined.n_reliably_improved.notna()]
    assert (rc.n_reliably_improved == rc.improved).all() and len(rc) > 0


def test_baseline_counts_and_coverage(
    computed: dict[str, pa.Table], synth_tables: dict[str, pa.Table]
) -> None:
    paired = _frame(computed["baselines"])
    counts = paired.groupby(["service_id", "instrument", "period"]).size()
    table = _frame(computed["service_outcomes"])
    assert (table.groupby(["service_id", "instrument", "period"]).size() == 4).all()
    joined = table.join(counts.rename("expected"), on=["service_id", "instrument", "period"])
    assert (joined.n_baseline == joined.expected).all()
    np.testing.assert_allclose(table.coverage, table.n_paired / table.n_baseline)


def test_counts_are_zero_or_null_when_nobody_was_followed_up(
    computed: dict[str, pa.Table],
) -> None:
    table = _frame(computed["service_outcomes"])
    empty = table[table.n_paired == 0]
    assert len(empty) > 0
    phq9 = empty[empty.instrument == "PHQ9"]
    assert (phq9.n_reliably_improved == 0).all() and (phq9.n_recovered == 0).all()
    ucla = table[table.instrument == "UCLA3"]
    assert ucla.n_reliably_improved.isna().all() and ucla.n_recovered.isna().all()


def test_flag_counts_add_up(computed: dict[str, pa.Table]) -> None:
    table = _frame(computed["service_outcomes"])
    rc = table[table.instrument.isin(["PHQ9", "GAD7", "CORE10", "SWEMWBS", "WEMWBS"])]
    total = rc.n_reliably_improved + rc.n_no_reliable_change + rc.n_reliably_deteriorated
    assert (total == rc.n_paired).all()
    case = table[table.instrument.isin(["PHQ9", "GAD7"])]
    assert (case.n_recovered <= case.n_case_baseline).all()
    assert (case.n_reliably_recovered <= case.n_recovered).all()
    assert case.n_recovered.sum() > 0


def test_network_and_overall_pool_the_services(computed: dict[str, pa.Table]) -> None:
    services = _frame(computed["service_outcomes"])
    overall = _frame(computed["overall_outcomes"])
    networks = _frame(computed["network_outcomes"])
    keys = ["instrument", "period", "timepoint"]
    for pooled in (overall, networks.groupby(keys, as_index=False)[["n_paired"]].sum()):
        summed = services.groupby(keys).n_paired.sum()
        assert (
            pooled.set_index(keys).n_paired == summed.reindex(pooled.set_index(keys).index)
        ).all()
    # Pooled mean change is the n-weighted mean of the service means.
    nonzero = services[services.mean_change.notna()]
    weighted = (nonzero.mean_change * nonzero.n_paired).groupby(
        [nonzero[k] for k in keys]
    ).sum() / nonzero.groupby(keys).n_paired.sum()
    mine = overall[overall.mean_change.notna()].set_index(keys).mean_change
    np.testing.assert_allclose(mine, weighted.reindex(mine.index), atol=1e-9)


def test_reach_matches_pandas(
    computed: dict[str, pa.Table], synth_tables: dict[str, pa.Table]
) -> None:
    engagements = _frame(BenchmarkSource.from_tables(synth_tables).read("engagement"))
    group = engagements.groupby(["service_id", "_period"])
    expected = pd.DataFrame(
        {
            "participants": group.participant_key.nunique(),
            "engagements": group.size(),
            "median_sessions": group.sessions_attended.median(),
            "n_completed": group.end_reason.apply(lambda s: int((s == "completed").sum())),
            "n_ended": group.end_reason.apply(lambda s: int((s != "ongoing").sum())),
        }
    )
    mine = _frame(computed["reach"]).set_index(["service_id", "period"])
    expected.index.names = ["service_id", "period"]
    expected = expected.reindex(mine.index)
    assert len(mine) == len(group)
    for column in ("participants", "engagements", "n_completed", "n_ended"):
        assert (mine[column] == expected[column]).all(), column
    np.testing.assert_allclose(mine.median_sessions, expected.median_sessions.astype(float))
    ended = mine[mine.n_ended > 0]
    np.testing.assert_allclose(ended.share_completed, ended.n_completed / ended.n_ended)
    assert mine.organisation_id.notna().all()


def test_demographics_roll_up_ethnicity(
    computed: dict[str, pa.Table], synth_tables: dict[str, pa.Table]
) -> None:
    source = BenchmarkSource.from_tables(synth_tables)
    episodes = _frame(source.read("engagement"))[["participant_key", "service_id", "_period"]]
    traits = _frame(source.read("participant"))[["participant_key", "service_id", "ethnicity"]]
    people = episodes.drop_duplicates().merge(
        traits, on=["participant_key", "service_id"], how="left"
    )
    groups = {e.value: g.value for e, g in ETHNICITY_GROUP.items()}
    people["group"] = people.ethnicity.map(groups).fillna("not_recorded")
    expected = people.groupby(["_period", "group"]).size()
    pooled = _frame(computed["population_demographics"])
    ethnic = pooled[pooled.dimension == "ethnic_group"].set_index(["period", "category"]).n
    assert set(ethnic.index.get_level_values(1)) <= {*groups.values(), "not_recorded"}
    assert (ethnic.sort_index().to_numpy() == expected.sort_index().to_numpy()).all()
    shares = _frame(computed["demographics"]).groupby(["service_id", "period", "dimension"]).share
    np.testing.assert_allclose(shares.sum(), 1.0)


def _sustainment(make: MakeOutcomes, services: pa.Table, rows: list[Any]) -> dict[str, Any]:
    source = BenchmarkSource.from_tables({"outcome": make(rows), "service": services})
    table = compute_tables(source)["sustainment"]
    return {r["horizon"]: r for r in table.to_pylist()}


def test_sustainment_on_a_hand_made_case(make_outcomes: MakeOutcomes, services: pa.Table) -> None:
    high, low, mid = [2] * 7, [0] * 7, [1] * 7  # GAD7 14, 0, 7: threshold 4
    rows = [
        # p1 improves at month_3, still improved at month_6 and month_12.
        ("a1", "p1", "GAD7", "baseline", "2025-01-10", high),
        ("a2", "p1", "GAD7", "month_3", "2025-04-10", low),
        ("a3", "p1", "GAD7", "month_6", "2025-07-10", mid),
        ("a4", "p1", "GAD7", "month_12", "2026-01-10", low),
        # p2 improves at month_3, relapses by month_6, lost before month_12.
        ("b1", "p2", "GAD7", "baseline", "2025-01-10", high),
        ("b2", "p2", "GAD7", "month_3", "2025-04-10", low),
        ("b3", "p2", "GAD7", "month_6", "2025-07-10", [2, 2, 2, 2, 2, 1, 1]),
        # p3 has no month_3; improved at end, followed up at month_12 only.
        ("c1", "p3", "GAD7", "baseline", "2025-01-10", high),
        ("c2", "p3", "GAD7", "end", "2025-03-10", mid),
        ("c3", "p3", "GAD7", "month_12", "2026-01-10", low),
        # p4 did not improve at month_3: not eligible.
        ("d1", "p4", "GAD7", "baseline", "2025-01-10", high),
        ("d2", "p4", "GAD7", "month_3", "2025-04-10", high),
        ("d3", "p4", "GAD7", "month_6", "2025-07-10", low),
    ]
    result = _sustainment(make_outcomes, services, rows)
    six, twelve = result["month_6"], result["month_12"]
    assert (six["n_eligible"], six["n_followed_up"], six["n_sustained"]) == (3, 2, 1)
    assert six["share_sustained"] == 0.5 and six["retention"] == pytest.approx(2 / 3)
    assert (twelve["n_eligible"], twelve["n_followed_up"], twelve["n_sustained"]) == (3, 2, 2)
    assert twelve["share_sustained"] == 1.0
