"""NHS Talking Therapies joint caseness (PHQ-9 and GAD-7 together), SPEC §12.3."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute
from peerbench.benchmarking.joint import TALKING_THERAPIES, joint_summary
from peerbench.benchmarking.outcome_stats import outcome_rows
from peerbench.benchmarking.rows import PooledOutcomeRow
from peerbench.io.tabular import conform
from peerbench.stats import classify_individuals, outcome_rates

# person → ((PHQ-9 start, end), (GAD-7 start, end)); None: no questionnaire / no follow-up.
PEOPLE: dict[str, tuple[Any, Any]] = {
    "p1": ((15, 5), (10, 4)),  # case → neither: recovered; both improve: reliably recovered
    "p2": ((12, 11), (6, 2)),  # PHQ-9 still a case: not recovered; GAD-7 improves by 4
    "p3": ((5, 4), (5, 3)),  # never a case, no reliable change
    "p4": ((10, 9), (9, 7)),  # case → neither (recovered), change too small to be reliable
    "p5": ((8, 16), (12, 6)),  # PHQ-9 worse by 8, GAD-7 better by 6: neither; still a case
    "p6": ((4, 11), (3, 5)),  # not a case at the start; PHQ-9 worse by 7: deteriorated
    "p7": ((14, 4), None),  # PHQ-9 only: not a joint pair
    "p8": ((13, None), (9, None)),  # both baselines, no follow-up: a joint baseline only
}


def _items(total: int, count: int) -> list[int]:
    """``count`` items scored 0–3 that add up to ``total``."""
    items = [0] * count
    for i in range(total):
        items[i % count] += 1
    assert max(items) <= 3
    return items


def _rows(person: str, code: str, scores: Any, count: int) -> list[dict[str, Any]]:
    out = []
    for timepoint, score, day in (("baseline", scores[0], 10), ("end", scores[1], 100)):
        if score is None:
            continue
        out.append(
            {
                "record_id": f"{person}-{code}-{timepoint}",
                "participant_key": person,
                "service_id": "s1",
                "instrument": code,
                "timepoint": timepoint,
                "date_administered": dt.date(2025, 1, 1) + dt.timedelta(days=day),
                "items": _items(score, count),
            }
        )
    return out


def _hand_made() -> BenchmarkResult:
    outcomes: list[dict[str, Any]] = []
    for person, (phq, gad) in PEOPLE.items():
        outcomes += _rows(person, "PHQ9", phq, 9)
        if gad is not None:
            outcomes += _rows(person, "GAD7", gad, 7)
    services = pa.table(
        {
            "service_id": ["s1"],
            "organisation_id": ["org-a"],
            "name": ["Service 1"],
            "condition_focus": ["mental_health"],
            "delivery_format": ["group"],
            "facilitator_model": ["volunteer_peers"],
            "structure": ["ad_hoc"],
        }
    )
    tables = {
        "outcome": conform(pa.Table.from_pylist(outcomes), "outcome"),
        "service": conform(services, "service"),
    }
    return compute(BenchmarkSource.from_tables(tables), BenchmarkOptions(min_n=2))


def test_hand_calculated_joint_counts() -> None:
    result = _hand_made()
    row = next(
        r for r in result.pooled if r.instrument == TALKING_THERAPIES and r.timepoint == "end"
    )
    assert (row.n_baseline, row.n_paired) == (7, 6)
    assert (row.n_improved, row.n_unchanged, row.n_deteriorated) == (2, 3, 1)
    assert (row.n_case_baseline, row.n_recovered, row.n_reliably_recovered) == (4, 2, 1)
    assert row.recovery_rate == pytest.approx(2 / 4)
    assert row.reliable_recovery_rate == pytest.approx(1 / 4)
    assert row.share_improved == pytest.approx(2 / 6)
    assert row.coverage == pytest.approx(6 / 7)
    # Two questionnaires have no common scale: no means or effect sizes.
    assert row.mean_change is None and row.hedges_g is None and "mean_change" not in row.suppressed
    service = next(
        r for r in result.outcomes if r.instrument == TALKING_THERAPIES and r.timepoint == "end"
    )
    assert (service.n_paired, service.n_recovered) == (6, 2)
    # Beside the per-instrument rows, which read PHQ-9 alone (p1, p2, p4, p7 cases).
    phq9 = next(r for r in result.pooled if r.instrument == "PHQ9" and r.timepoint == "end")
    assert (phq9.n_paired, phq9.n_case_baseline, phq9.n_recovered) == (7, 4, 3)
    # No row for timepoints nobody reached beyond n_paired = 0.
    month_3 = next(
        r for r in result.pooled if r.instrument == TALKING_THERAPIES and r.timepoint == "month_3"
    )
    assert (month_3.n_baseline, month_3.n_paired) == (7, 0)


def test_joint_recovery_agrees_with_classify_individuals() -> None:
    joint = [(p, g) for p, g in PEOPLE.values() if g is not None and p[1] is not None]
    phq = np.array([p for p, _ in joint], dtype=float)
    gad = np.array([g for _, g in joint], dtype=float)
    case_0 = (phq[:, 0] >= 10) | (gad[:, 0] >= 8)
    case_1 = (phq[:, 1] >= 10) | (gad[:, 1] >= 8)
    out = classify_individuals(
        phq[:, 0], phq[:, 1], "higher_is_worse", threshold=6,
        case_baseline=case_0, case_follow_up=case_1,
    )  # fmt: skip
    rates = out.rates()
    assert (rates.finished, rates.not_case_at_baseline, rates.recovered) == (6, 2, 2)


def _pairs(n: int, **flags: np.ndarray) -> pd.DataFrame:
    """``n`` people with a PHQ-9 and a GAD-7 pair; ``flags`` name ``<flag>_<phq|gad>``."""
    frames = []
    for code, suffix in (("PHQ9", "phq"), ("GAD7", "gad")):
        frame = pd.DataFrame(
            {
                "participant_key": [f"p{i}" for i in range(n)],
                "service_id": "s1",
                "period": "all",
                "timepoint": "end",
                "instrument": code,
            }
        )
        for flag in ("reliably_improved", "reliably_deteriorated", "case_baseline",
                     "case_follow_up"):  # fmt: skip
            frame[flag] = flags.get(f"{flag}_{suffix}", np.zeros(n, dtype=bool))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _pooled(pairs: pd.DataFrame) -> PooledOutcomeRow:
    baselines = pairs[["participant_key", "service_id", "instrument", "period"]].drop_duplicates()
    summary = joint_summary(pairs, baselines)
    summary = summary[summary["timepoint"] == "end"]
    moments = pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ("instrument", "period", "timepoint")}
        | {"sd_pair_baseline": pd.Series(dtype=float), "r": pd.Series(dtype=float)}
    )
    (row,) = outcome_rows(summary, moments, (), PooledOutcomeRow, min_n=10, thresholds={})
    return row


def test_published_worked_figures_recovery() -> None:
    # NHS Talking Therapies: 23,291 recovered of 48,111 finished, 2,957 not at caseness.
    n, not_case, recovered = 48_111, 2_957, 23_291
    index = np.arange(n)
    case_phq = index >= not_case  # cases by PHQ-9 (GAD-7 below its cut-off)
    still_case = case_phq & (index >= not_case + recovered)
    row = _pooled(
        _pairs(n, case_baseline_phq=case_phq, case_follow_up_gad=still_case)
    )  # a remaining case by GAD-7 at the end is still a case
    assert (row.n_paired, row.n_case_baseline, row.n_recovered) == (n, n - not_case, recovered)
    assert round((row.recovery_rate or 0) * 100, 1) == 51.6
    assert row.recovery_rate == pytest.approx(
        outcome_rates(
            finished=n, not_case_at_baseline=not_case, recovered=recovered, reliably_improved=0
        ).recovery_rate
    )


def test_published_worked_figures_reliable_improvement() -> None:
    # 39,417 of 57,060 reliably improved on either measure with no reliable deterioration.
    n, improved = 57_060, 39_417
    index = np.arange(n)
    on_phq = index < 30_000
    on_gad = (index >= 20_000) & (index < improved)  # 10,000 improve on both
    # 500 improve on PHQ-9 but reliably deteriorate on GAD-7: not improved (nor worse).
    mixed = (index >= improved) & (index < improved + 500)
    worse = (index >= improved + 500) & (index < improved + 800)
    row = _pooled(
        _pairs(
            n,
            reliably_improved_phq=on_phq | mixed,
            reliably_improved_gad=on_gad,
            reliably_deteriorated_gad=mixed | worse,
        )
    )
    assert (row.n_improved, row.n_deteriorated) == (improved, 300)
    assert row.n_unchanged == n - improved - 300
    assert round((row.share_improved or 0) * 100, 1) == 69.1


def test_joint_rows_pass_disclosure_control(reference_public: BenchmarkResult) -> None:
    rows = [r for r in reference_public.outcomes if r.instrument == TALKING_THERAPIES]
    assert rows
    policy_min = 10
    for row in rows:
        for field in ("n_paired", "n_case_baseline", "n_recovered", "n_improved"):
            value = getattr(row, field)
            assert value is None or (value % 5 == 0 and not 1 <= value <= 7), (row, field)
        if row.recovery_rate is not None:
            assert row.n_case_baseline is not None and row.n_case_baseline >= policy_min
            assert row.recovery_rate == pytest.approx((row.n_recovered or 0) / row.n_case_baseline)
    assert any(r.suppressed for r in rows)
    pooled = [r for r in reference_public.pooled if r.instrument == TALKING_THERAPIES]
    assert {r.timepoint for r in pooled} == {"month_3", "month_6", "month_12", "end"}
    assert all(r.recovery_rate is not None for r in pooled)


def test_one_joining_serves_every_grouping() -> None:
    """The people with both baselines are joined once and summarised three ways, each
    equal to a summary that joins them itself."""
    from peerbench.benchmarking.joint import JointPeople, summarise

    rng = np.random.default_rng(5)
    pairs = _pairs(60, reliably_improved_phq=rng.random(60) < 0.4)
    person = pairs["participant_key"].str[1:].astype(int)
    pairs.loc[(person % 3 == 0).to_numpy(), "service_id"] = "s2"
    baselines = pairs[["participant_key", "service_id", "instrument", "period"]].drop_duplicates()
    mapping = pd.DataFrame({"service_id": ["s1", "s2"], "network": ["n1", "n2"]})
    people = JointPeople.of(pairs, baselines)
    for by, networks in ((("service_id",), None), ((), None), (("network",), mapping)):
        expected = joint_summary(pairs, baselines, by, networks)
        pd.testing.assert_frame_equal(summarise(people, by, networks), expected)
    assert summarise(people, ("service_id",))["n_paired"].sum() == 60  # each person once
