"""Scoring before Ibis and the parameters table (peerbench/aggregate/scoring.py, parameters.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.aggregate.parameters import PARAMETERS_SCHEMA, instrument_parameters
from peerbench.aggregate.scoring import (
    ENGINE_SCHEMA,
    SCORED_SCHEMA,
    read_scored,
    score_outcomes,
    write_scored,
)
from peerbench.aggregate.sources import BenchmarkSource
from peerbench.aggregate.subjects import participant_outcomes, participant_rows
from peerbench.schema.instruments import default_registry, score_items
from tests.aggregate.conftest import MakeOutcomes


def _scored(outcomes: pa.Table) -> pa.Table:
    return score_outcomes(BenchmarkSource.from_tables({"outcome": outcomes}).read("outcome"))


def _by_code(scored: pa.Table) -> dict[tuple[str, str], float]:
    rows = scored.select(["record_id", "instrument", "score"]).to_pylist()
    return {(r["record_id"], r["instrument"]): r["score"] for r in rows}


def test_ons4_becomes_one_pseudo_instrument_per_question(make_outcomes: MakeOutcomes) -> None:
    scored = _scored(make_outcomes([("m1", "p1", "ONS4", "baseline", "2025-01-10", [7, 8, 6, 3])]))
    assert _by_code(scored) == {
        ("m1", "ONS4.life_satisfaction"): 7.0,
        ("m1", "ONS4.worthwhile"): 8.0,
        ("m1", "ONS4.happiness"): 6.0,
        ("m1", "ONS4.anxiety"): 3.0,
    }
    assert scored.schema.equals(SCORED_SCHEMA)


def test_totals_licensed_scores_and_dropped_rows(make_outcomes: MakeOutcomes) -> None:
    outcomes = make_outcomes(
        [
            ("m1", "p1", "PHQ9", "baseline", "2025-01-10", [1, 2, 3, 0, 1, 2, 3, 0, 1]),
            ("m2", "p1", "PHQ9", "month_3", "2025-04-10", [1, 2, 3]),  # wrong length
            ("m3", "p1", "PAM13", "baseline", "2025-01-10", None),
            ("m4", "p1", "PAM13", "month_3", "2025-04-10", None),  # no licensed score
            ("m5", "p1", "LOCAL1", "baseline", "2025-01-10", [1]),  # not registered
            ("m6", "p1", "SWEMWBS", "baseline", "2025-01-10", [3] * 7),  # raw 21 → 19.25
        ],
        licensed_score=[None, None, 61.2, None, None, None],
    )
    assert _by_code(_scored(outcomes)) == {
        ("m1", "PHQ9"): 13.0,
        ("m3", "PAM13"): 61.2,
        ("m6", "SWEMWBS"): 19.25,
    }


def test_synth_scores_match_score_items_per_instrument(
    synth_tables: dict[str, pa.Table],
) -> None:
    outcomes = BenchmarkSource.from_tables(synth_tables).read("outcome")
    scored = score_outcomes(outcomes)
    registry = default_registry()
    for code in ("PHQ9", "WEMWBS", "CORE10", "SWEMWBS"):
        rows = outcomes.filter(pc.equal(outcomes.column("instrument"), code))
        expected = score_items(registry.get(code), rows.column("items")).score
        mine = scored.filter(pc.equal(scored.column("instrument"), code))
        keep = pc.is_valid(expected)
        assert (
            mine.column("record_id").to_pylist()
            == rows.filter(keep).column("record_id").to_pylist()
        )
        np.testing.assert_array_equal(
            mine.column("score").to_numpy(), expected.filter(keep).to_numpy()
        )
    # Lineage travels with every scored row.
    assert scored.column("_period").null_count == 0


def test_scored_parquet_round_trip(tmp_path: Path, make_outcomes: MakeOutcomes) -> None:
    scored = _scored(make_outcomes([("m1", "p1", "GAD7", "baseline", "2025-01-10", [1] * 7)]))
    assert read_scored(write_scored(scored, tmp_path / "x" / "scored.parquet")).equals(scored)


def test_parameters_table_from_the_registry() -> None:
    params = instrument_parameters()
    assert params.schema.equals(PARAMETERS_SCHEMA)
    rows = {r["instrument"]: r for r in params.to_pylist()}
    assert rows["PHQ9"] == {
        "instrument": "PHQ9",
        "direction": -1,
        "rc_threshold": 6.0,
        "case_threshold": 10.0,
        "case_rule": "at_or_above",
        "score_min": 0.0,
        "score_max": 27.0,
    }
    assert rows["REQOL10"]["case_rule"] == "below"
    assert rows["WEMWBS"]["direction"] == 1
    assert rows["ONSLONELY"]["direction"] is None
    assert rows["ONS4.anxiety"]["direction"] == -1
    assert rows["ONS4.happiness"]["direction"] == 1
    assert rows["ONS4.anxiety"]["rc_threshold"] is None
    assert "ONS4" not in rows  # per-item: no total
    assert "EQ5D5L" not in rows and "EQ5D5L.vas" in rows  # no value set: no index


@pytest.fixture(scope="module")
def synth_outcomes(synth_tables: dict[str, pa.Table]) -> pa.Table:
    """Every 37th synth outcome row: many instruments, subscales and dropped rows."""
    outcomes = BenchmarkSource.from_tables(synth_tables).read("outcome")
    return outcomes.take(pa.array(range(0, outcomes.num_rows, 37)))


@settings(max_examples=25, derandomize=True, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=200), st.booleans())
def test_scoring_masked_rows_equals_scoring_the_filtered_table(
    synth_outcomes: pa.Table, mask: list[bool], with_nulls: bool
) -> None:
    outcomes = synth_outcomes.slice(0, len(mask))
    rows = pa.array(
        [None if with_nulls and i % 7 == 0 else m for i, m in enumerate(mask)], pa.bool_()
    )
    expected = score_outcomes(outcomes.filter(pc.fill_null(rows, False)))
    assert _renumbered(score_outcomes(outcomes, rows=rows)).equals(_renumbered(expected))
    compact = score_outcomes(outcomes, rows=rows, compact=True)
    assert compact.schema.equals(ENGINE_SCHEMA)
    plain = expected.drop_columns(["record_id", "date_administered"])
    decoded = compact.cast(plain.schema)
    assert _renumbered(decoded).equals(_renumbered(plain))


def _renumbered(scored: pa.Table) -> pa.Table:
    """``scored`` with its surrogate keys numbered afresh: ``person`` by first appearance,
    ``seq`` by dense rank. Both are only keys (same person, same order), so two tables that
    agree after this agree for every aggregation."""
    person = scored.column("person").to_numpy()
    _, first, inverse = np.unique(person, return_index=True, return_inverse=True)
    by_appearance = np.argsort(np.argsort(first))
    seq = pc.rank(scored.column("seq"), sort_keys="ascending", tiebreaker="dense")
    for name, values in (("person", by_appearance[inverse]), ("seq", seq.to_numpy())):
        index = scored.schema.get_field_index(name)
        scored = scored.set_column(index, name, pa.array(values.astype(np.int64)))
    return scored


def test_compact_scores_equal_the_plain_ones_and_survive_the_cache(
    synth_outcomes: pa.Table, tmp_path: Path
) -> None:
    plain = score_outcomes(synth_outcomes)
    compact = score_outcomes(synth_outcomes, compact=True)
    assert compact.schema.equals(ENGINE_SCHEMA)
    for name in ("participant_key", "service_id", "instrument", "timepoint", "_period"):
        assert pa.types.is_dictionary(compact.schema.field(name).type)
    assert compact.nbytes < plain.nbytes / 2
    wanted = plain.drop_columns(["record_id", "date_administered"])
    assert compact.cast(wanted.schema).equals(wanted)
    assert read_scored(write_scored(compact, tmp_path / "compact.parquet")).equals(compact)


def test_participant_rows_mask_selects_what_participant_outcomes_keeps(
    synth_tables: dict[str, pa.Table],
) -> None:
    outcomes = BenchmarkSource.from_tables(synth_tables).read("outcome")
    mask = participant_rows(outcomes)
    assert mask is not None  # synth writes some workers' own questionnaires
    assert _renumbered(score_outcomes(outcomes, rows=mask)).equals(
        _renumbered(score_outcomes(participant_outcomes(outcomes)))
    )
