"""Item responses, scores and the effect model, checked through the instrument registry."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peerbench.schema.instruments import default_registry, score_items
from peerbench.synth import SyntheticDataset
from peerbench.synth.instrument_plan import builtin_codes

SUMMARY = ("SWEMWBS", "WEMWBS", "PHQ9", "GAD7", "CORE10", "REQOL10", "UCLA3", "SEMCD6")


def _rows(dataset: SyntheticDataset, code: str) -> pa.Table:
    outcomes = dataset["outcome"]
    return outcomes.filter(pc.equal(outcomes.column("instrument"), code))


@pytest.mark.parametrize("code", builtin_codes())
def test_items_are_within_each_items_range(medium: SyntheticDataset, code: str) -> None:
    definition = default_registry().get(code)
    rows = _rows(medium, code)
    assert rows.num_rows > 0
    if definition.scoring.method.value == "licensed":
        assert rows.column("items").null_count == rows.num_rows
        return
    matrix = np.array(
        pc.list_flatten(rows.column("items")).to_numpy(zero_copy_only=False), dtype=float
    ).reshape(rows.num_rows, definition.item_count)
    for item in definition.items():
        column = matrix[:, item.number - 1]
        answered = column[~np.isnan(column)]
        assert answered.min() >= item.min and answered.max() <= item.max
        assert answered.min() < answered.max()  # responses vary
    missing = np.isnan(matrix).sum(axis=1)
    assert missing.max() <= definition.missing.max_missing


@pytest.mark.parametrize("code", builtin_codes())
def test_total_score_equals_the_registry_score(medium: SyntheticDataset, code: str) -> None:
    definition = default_registry().get(code)
    rows = _rows(medium, code)
    given = rows.filter(pc.is_valid(rows.column("total_score")))
    if definition.scoring.method.value in ("licensed", "per_item", "profile"):
        assert given.num_rows == 0
        return
    share = given.num_rows / rows.num_rows
    assert 0.35 < share < 0.65
    expected = score_items(definition, given.column("items")).score
    assert expected.equals(given.column("total_score").combine_chunks())


def test_pam_levels_follow_the_registry_cut_points(medium: SyntheticDataset) -> None:
    definition = default_registry().get("PAM13")
    assert definition.levels is not None
    rows = _rows(medium, "PAM13")
    score = rows.column("licensed_score").to_numpy()
    level = rows.column("licensed_level").to_numpy()
    cuts = definition.levels.cut_points
    assert ((score >= 0) & (score <= 100)).all()
    assert (level[score <= cuts[0]] == 1).all()
    assert (level[(score > cuts[0]) & (score <= cuts[1])] == 2).all()
    assert (level[(score > cuts[1]) & (score <= cuts[2])] == 3).all()
    assert (level[score > cuts[2]] == 4).all()


def _standardised_change(dataset: SyntheticDataset) -> pa.Table:
    """Per person and instrument: change baseline → month 3 in baseline-SD units, + = better."""
    registry = default_registry()
    parts = []
    for code in SUMMARY:
        rows = (
            _rows(dataset, code)
            .drop_columns(["items"])
            .append_column(
                "score", score_items(registry.get(code), _rows(dataset, code).column("items")).score
            )
        )
        keys = ["participant_key", "service_id"]
        base = rows.filter(pc.equal(rows.column("timepoint"), "baseline")).select([*keys, "score"])
        follow = rows.filter(pc.equal(rows.column("timepoint"), "month_3")).select([*keys, "score"])
        paired = base.join(follow, keys, join_type="inner", left_suffix="_0", right_suffix="_3")
        paired = paired.filter(
            pc.and_(pc.is_valid(paired.column("score_0")), pc.is_valid(paired.column("score_3")))
        )
        sd = float(np.nanstd(base.column("score").to_numpy(zero_copy_only=False)))
        sign = -1.0 if registry.get(code).direction.value == "higher_is_worse" else 1.0
        change = sign * (paired.column("score_3").to_numpy() - paired.column("score_0").to_numpy())
        parts.append(paired.select(keys).append_column("change", pa.array(change / sd)))
    return pa.concat_tables(parts)


def test_people_improve_on_average(medium: SyntheticDataset) -> None:
    change = _standardised_change(medium).column("change").to_numpy()
    assert change.mean() > 0.2


def test_structured_programmes_improve_more_than_ad_hoc(medium: SyntheticDataset) -> None:
    change = _standardised_change(medium).join(
        medium["service"].select(["service_id", "structure"]), "service_id"
    )
    groups = {}
    for structure in ("structured_programme", "ad_hoc"):
        rows = change.filter(pc.equal(change.column("structure"), structure))
        groups[structure] = rows.column("change").to_numpy()
    a, b = groups["structured_programme"], groups["ad_hoc"]
    assert len(a) > 300 and len(b) > 300
    welch_t = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert welch_t > 3.0, (a.mean(), b.mean(), welch_t)


def test_worse_baseline_improves_more(medium: SyntheticDataset) -> None:
    """Regression to the mean: people starting in the worst third improve the most."""
    rows = _rows(medium, "PHQ9").drop_columns(["items"])
    scored = score_items(default_registry().get("PHQ9"), _rows(medium, "PHQ9").column("items"))
    rows = rows.append_column("score", scored.score)
    keys = ["participant_key", "service_id"]
    base = rows.filter(pc.equal(rows.column("timepoint"), "baseline")).select([*keys, "score"])
    follow = rows.filter(pc.equal(rows.column("timepoint"), "month_3")).select([*keys, "score"])
    paired = base.join(follow, keys, join_type="inner", left_suffix="_0", right_suffix="_3")
    start = paired.column("score_0").to_numpy()
    fall = start - paired.column("score_3").to_numpy()
    high, low = np.quantile(start, [2 / 3, 1 / 3])
    assert fall[start >= high].mean() > fall[start <= low].mean()


def test_mode_and_version_are_mixed(small: SyntheticDataset) -> None:
    outcomes = small["outcome"]
    modes = set(pc.drop_null(outcomes.column("mode")).to_pylist())
    assert modes == {"self_paper", "self_online", "assisted"}
    assert 0 < outcomes.column("instrument_version").null_count < outcomes.num_rows
