"""Change in service use and its cost: hand-computed examples and assumptions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from peerbench.economics import CostTable, DeflatorSeries, service_use_value
from peerbench.economics.service_use import record_problem, service_use_savings
from peerbench.economics.service_use_records import record_problems

ITEMS = [
    "gp_appointments",
    "ae_attendances",
    "emergency_admissions",
    "bed_days",
    "outpatient_attendances",
]
FLAT = DeflatorSeries(version="flat", source="test", index={2014: 100.0, 2016: 100.0})


def _rows(
    key: str, before: dict[str, int], after: dict[str, int], recall: int = 3
) -> list[dict[str, object]]:
    base = {"participant_key": key, "recall_period_months": recall}
    zero = dict.fromkeys(ITEMS, 0)
    return [
        {**base, **zero, **before, "timepoint": "baseline"},
        {**base, **zero, **after, "timepoint": "month_6"},
    ]


def test_two_fewer_ae_attendances_over_three_months() -> None:
    records = pd.DataFrame(_rows("p1", {"ae_attendances": 3}, {"ae_attendances": 1}))
    result = service_use_value(records, deflators=FLAT, target_price_year=2016)
    ae = next(i for i in result.items if i.field == "ae_attendances")
    assert ae.count_change.mean == pytest.approx(-8.0)  # -2 per 3 months = -8 a year
    assert ae.cost_change.mean == pytest.approx(-8 * 148)
    assert ae.cost_change.low == pytest.approx(-8 * 148 * 1.2)
    assert ae.cost_change.high == pytest.approx(-8 * 148 * 0.8)
    assert result.cost_change.mean == pytest.approx(-1184)
    assert result.saving.mean == pytest.approx(1184)
    per_100 = result.to_dict()["saving_per_100"]
    assert per_100["mean"] == pytest.approx(118_400)
    assert result.cost_change.ci_low is None  # one participant: no interval


def test_every_item_is_costed_and_recall_periods_may_differ() -> None:
    before = {
        "gp_appointments": 4,
        "emergency_admissions": 1,
        "bed_days": 3,
        "outpatient_attendances": 2,
    }
    after = {"gp_appointments": 2}
    rows = _rows("p1", before, after)
    rows[1]["recall_period_months"] = 6  # follow-up asked about 6 months
    result = service_use_value(pd.DataFrame(rows), deflators=FLAT, target_price_year=2016)
    changes = {i.field: i.count_change.mean for i in result.items}
    assert changes == pytest.approx(
        {
            "gp_appointments": 2 * 2 - 4 * 4,
            "ae_attendances": 0,
            "emergency_admissions": -4,
            "bed_days": -12,
            "outpatient_attendances": -8,
        }
    )
    expected = -12 * 39 - 4 * 1590 - 12 * 313 - 8 * 120
    assert result.cost_change.mean == pytest.approx(expected)


def test_price_year_adjustment_and_attribution() -> None:
    records = pd.DataFrame(_rows("p1", {"ae_attendances": 1}, {}))
    series = DeflatorSeries.default()
    result = service_use_value(records, deflators=series, target_price_year=2023, attribution=0.5)
    factor = series.index[2023] / series.index[2016]
    assert result.cost_change.mean == pytest.approx(-4 * 148 * factor * 0.5)
    ae_cost = next(c for c in result.assumptions.unit_costs if c.item == "ae_attendance")
    assert ae_cost.adjusted_cost == pytest.approx(148 * factor)
    assert result.assumptions.attribution == 0.5


def test_only_paired_participants_count() -> None:
    rows = _rows("p1", {"ae_attendances": 2}, {"ae_attendances": 0})
    rows += [_rows("p2", {"ae_attendances": 5}, {})[0]]  # baseline only
    missing = _rows("p3", {"ae_attendances": 1}, {"ae_attendances": 1})
    missing[1]["gp_appointments"] = None  # GP not recorded at follow-up
    result = service_use_value(pd.DataFrame(rows + missing), deflators=FLAT, target_price_year=2016)
    assert result.assumptions.n_paired == 2
    assert result.assumptions.n_complete == 1
    gp = next(i for i in result.items if i.field == "gp_appointments")
    ae = next(i for i in result.items if i.field == "ae_attendances")
    assert (gp.count_change.n, ae.count_change.n) == (1, 2)
    assert ae.count_change.mean == pytest.approx((-8 + 0) / 2)


def test_bootstrap_ci_is_sane_and_repeatable() -> None:
    rng = np.random.default_rng(1)
    rows: list[dict[str, object]] = []
    for i in range(200):
        rows += _rows(
            f"p{i}",
            {"ae_attendances": int(rng.poisson(1.0))},
            {"ae_attendances": int(rng.poisson(0.6))},
        )
    records = pd.DataFrame(rows)
    first = service_use_value(records, deflators=FLAT, target_price_year=2016)
    again = service_use_value(records, deflators=FLAT, target_price_year=2016)
    est = first.cost_change
    assert est.ci_low is not None and est.ci_high is not None and est.mean is not None
    assert est.ci_low < est.mean < est.ci_high
    assert est == again.cost_change
    # Close to the normal-theory interval for a mean of 200 values.
    values = (
        records.pivot(index="participant_key", columns="timepoint", values="ae_attendances")
        .pipe(lambda w: (w["month_6"] - w["baseline"]) * 4 * 148)
        .to_numpy()
    )
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
    assert est.ci_high - est.ci_low == pytest.approx(2 * half, rel=0.15)


def test_assumptions_are_in_to_dict() -> None:
    records = pd.DataFrame(_rows("p1", {"ae_attendances": 3}, {"ae_attendances": 1}))
    data = service_use_value(records, target_price_year=2020).to_dict()
    assumptions = data["assumptions"]
    assert assumptions["cost_table_version"] == "peerbench-default-2024.1"
    assert assumptions["target_price_year"] == 2020
    assert assumptions["deflator_version"] == "peerbench-approx-2024.1"
    assert "12 / recall_period_months" in assumptions["annualisation"]
    assert assumptions["attribution"] == 1.0
    assert "bootstrap" in assumptions["ci_method"]
    items = {c["item"]: c for c in assumptions["unit_costs"]}
    assert items["ae_attendance"]["source"].startswith("NHS Reference Costs 2016/17")
    assert items["ae_attendance"]["price_year"] == 2016
    assert any("bed days" in c for c in assumptions["caveats"])


def test_replacement_costs_and_item_choice() -> None:
    table = CostTable(
        version="mine",
        costs=CostTable.default().costs,
    )
    records = pd.DataFrame(_rows("p1", {"bed_days": 2}, {}))
    result = service_use_value(
        records,
        costs=table,
        deflators=FLAT,
        target_price_year=2016,
        item_costs={"bed_days": "excess_bed_day"},
    )
    assert [i.field for i in result.items] == ["bed_days"]
    assert result.cost_change.mean == pytest.approx(-8 * 313)
    assert result.assumptions.cost_table_version == "mine"


def test_bad_input_is_refused() -> None:
    records = pd.DataFrame(_rows("p1", {}, {}))
    with pytest.raises(ValueError, match="attribution"):
        service_use_value(records, attribution=1.5)
    with pytest.raises(ValueError, match="lack column"):
        service_use_value(records.drop(columns="bed_days"))
    doubled = pd.concat([records, records])
    with pytest.raises(ValueError, match="more than one"):
        service_use_value(doubled)


def test_record_problem_names_what_service_use_value_would_refuse() -> None:
    records = pd.DataFrame(_rows("p1", {}, {}) + _rows("p2", {}, {}))
    assert record_problem(records, ("baseline", "month_6")) is None
    doubled = pd.concat([records, records.iloc[[1]]])  # p1's follow-up twice
    assert record_problem(doubled, ("baseline",)) is None
    assert record_problem(doubled, ("baseline", "month_6")) == (
        "more than one 'month_6' row for a participant"
    )
    zero = records.assign(recall_period_months=[3, 0, 3, 3])
    assert record_problem(zero, ("baseline", "month_6")) == (
        "recall_period_months must be a positive number"
    )
    with pytest.raises(ValueError, match="positive number"):
        service_use_value(zero)


def test_bootstrap_by_level_agrees_with_scipy_on_a_national_sized_pool() -> None:
    # 200,000 annualised count changes with a few dozen levels: resampled by level.
    from scipy import stats

    from peerbench.economics.estimate import bootstrap_ci

    rng = np.random.default_rng(7)
    values = ((rng.poisson(1.2, 200_000) - rng.poisson(1.0, 200_000)) * 4.0).astype(np.float64)
    assert np.unique(values).size * 8 <= values.size
    ours = bootstrap_ci(values, n_boot=2000, seed=1, confidence=0.95)
    assert ours is not None
    theirs = stats.bootstrap(
        (values[:20_000],), np.mean, n_resamples=2000, method="percentile", random_state=2
    ).confidence_interval
    # scipy on a tenth of the people: its interval is sqrt(10) times as wide, same centre.
    width = ours[1] - ours[0]
    assert width == pytest.approx((theirs.high - theirs.low) / np.sqrt(10), rel=0.1)
    assert (ours[0] + ours[1]) / 2 == pytest.approx(values.mean(), abs=width / 10)
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert width == pytest.approx(2 * half, rel=0.05)
    assert bootstrap_ci(values, n_boot=2000, seed=1, confidence=0.95) == ours


def test_bootstrap_by_level_and_by_index_give_the_same_distribution() -> None:
    from peerbench.economics.estimate import bootstrap_ci

    rng = np.random.default_rng(11)
    few = rng.choice([-3.0, 0.0, 2.0, 5.0], size=400, p=[0.2, 0.4, 0.3, 0.1])
    # Jitter far below the levels' spacing makes every value distinct: drawn by index.
    jittered = (few + rng.uniform(-1e-9, 1e-9, size=few.size)).astype(np.float64)
    by_level = bootstrap_ci(few, n_boot=4000, seed=3, confidence=0.9)
    by_index = bootstrap_ci(jittered, n_boot=4000, seed=3, confidence=0.9)
    assert by_level is not None and by_index is not None
    assert by_level != by_index  # two different draws ...
    assert by_level == pytest.approx(by_index, abs=0.05)  # ... of one distribution


def _many_services(seed: int, people: int) -> pd.DataFrame:
    """Shuffled records of several services: shared keys, missing items, unpaired people."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for person in range(people):
        service = f"s{rng.integers(0, 3) + 3 * (person % 2)}"  # p{k}: two services
        for timepoint in ("baseline", "month_6", "month_3"):
            if rng.random() < 0.1:
                continue  # no row at this timepoint: not paired
            counts: dict[str, object] = {f: int(rng.poisson(1.5)) for f in ITEMS}
            if rng.random() < 0.05:
                counts[ITEMS[int(rng.integers(0, len(ITEMS)))]] = None  # not complete
            rows.append(
                {
                    "participant_key": f"p{person // 2}",
                    "service_id": service,
                    "timepoint": timepoint,
                    "recall_period_months": int(rng.choice([1, 3, 6])),
                    **counts,
                }
            )
    rows.append({"participant_key": "lone", "service_id": "s9", "timepoint": "baseline",
                 "recall_period_months": 3, **dict.fromkeys(ITEMS, 1)})  # fmt: skip
    frame = pd.DataFrame(rows)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


@pytest.mark.parametrize(("seed", "people"), [(1, 40), (2, 600), (3, 3000)])
def test_savings_for_every_scope_equal_service_use_value_scope_by_scope(
    seed: int, people: int
) -> None:
    records = _many_services(seed, people)
    options = {"deflators": FLAT, "target_price_year": 2016, "attribution": 0.8}
    scopes = [(None, records)] + [
        (str(s), rows) for s, rows in records.groupby("service_id", sort=True)
    ]
    fast = list(service_use_savings(records, **options))  # type: ignore[arg-type]
    assert [scope for scope, _, _ in fast] == [scope for scope, _ in scopes]
    for (_, saving, assumptions), (_, frame) in zip(fast, scopes, strict=True):
        slow = service_use_value(frame, **options)  # type: ignore[arg-type]
        assert saving == slow.saving  # exactly: same participants, order and draws
        assert assumptions == slow.assumptions
    assert fast[-1][1].n == 0  # the service with nobody paired still has its row


def test_savings_refuse_what_service_use_value_refuses() -> None:
    records = _many_services(4, 40)
    records.loc[0, "recall_period_months"] = 0
    with pytest.raises(ValueError, match="recall_period_months"):
        list(service_use_savings(records))
    with pytest.raises(ValueError, match="attribution"):
        list(service_use_savings(_many_services(4, 40), attribution=2.0))


def test_record_problems_answer_record_problem_group_by_group() -> None:
    records = _many_services(5, 400).astype({"recall_period_months": object})
    groups = records["service_id"].map(lambda s: f"org{int(s[1:]) % 4}")
    bad: dict[str, list[tuple[str, str, Any]]] = {  # what is wrong, where
        "org0": [("baseline", "participant_key", "dup")],
        "org1": [("month_6", "recall_period_months", "x"), ("month_6", "participant_key", "dup")],
        "org2": [("month_3", "recall_period_months", -1)],  # not a compared timepoint
        "org3": [("baseline", "recall_period_months", 0)],
    }
    for org, changes in bad.items():
        for timepoint, column, value in changes:
            at = records.index[(groups == org) & (records["timepoint"] == timepoint)]
            if value == "dup":
                records.loc[at[1], column] = records.loc[at[0], column]
                records.loc[at[1], "service_id"] = records.loc[at[0], "service_id"]
            else:
                records.loc[at[2], column] = value
    expected = {
        str(org): problem
        for org, rows in records.groupby(groups, sort=True)
        if (problem := record_problem(rows, ("baseline", "month_6"))) is not None
    }
    assert set(expected) == {"org0", "org1", "org3"}
    assert expected["org1"].startswith("more than one 'month_6'")  # checked before its recall
    assert record_problems(records, ("baseline", "month_6"), groups) == expected
