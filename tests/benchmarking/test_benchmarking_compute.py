"""``compute``: outcomes, comparisons, case-mix and economics on reference and tiny data."""

from __future__ import annotations

from pathlib import Path

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import (
    ALL_PERIODS,
    BenchmarkOptions,
    BenchmarkResult,
    OutcomeRow,
    compute,
    open_source,
)
from tests.benchmarking.conftest import tiny_tables


def _end(result: BenchmarkResult, service: str) -> OutcomeRow:
    return next(r for r in result.outcomes if r.service_id == service and r.timepoint == "end")


def test_change_is_oriented_so_positive_is_improvement(tiny_raw: BenchmarkResult) -> None:
    row = _end(tiny_raw, "s1")
    # PHQ-9 scores fall (higher is worse), so the change is positive.
    assert row.mean_change is not None and row.mean_change > 0
    assert (row.d_z or 0) > 0 and (row.hedges_g or 0) > 0
    assert (row.change_ci_low or 0) < row.mean_change < (row.change_ci_high or 0)


def test_estimates_below_min_n_are_marked_not_dropped(tiny_raw: BenchmarkResult) -> None:
    small = _end(tiny_raw, "s2")
    assert small.n_paired == 5
    for field in ("mean_change", "d_z", "hedges_g", "share_improved", "change_ci_low"):
        assert getattr(small, field) is None
        assert small.suppressed[field] == "below-min-n"
    assert {f.service_id for f in tiny_raw.forest} == {"s1", "s3"}


def test_min_n_is_an_option(tiny_raw: BenchmarkResult) -> None:
    lowered = compute(BenchmarkSource.from_tables(tiny_tables()), BenchmarkOptions(min_n=5))
    assert _end(lowered, "s2").mean_change is not None


def test_structured_services_improve_more_than_ad_hoc(reference_raw: BenchmarkResult) -> None:
    levels = {
        (s.instrument, s.timepoint, s.level): s.estimate
        for s in reference_raw.subgroups
        if s.attribute == "structure"
    }
    pairs = [
        (levels[(i, t, "structured_programme")], levels[(i, t, "ad_hoc")])
        for (i, t, level) in levels
        if level == "ad_hoc" and (i, t, "structured_programme") in levels
    ]
    better = sum((s or 0.0) > (a or 0.0) for s, a in pairs)
    assert len(pairs) >= 10
    assert better / len(pairs) >= 0.7
    tests = [t for t in reference_raw.subgroup_tests if t.attribute == "structure"]
    assert tests and all(t.df == 1 for t in tests)
    # Too few services per kind to test the difference (SPEC §12.8): withheld, with reason.
    assert all(t.p_value is None and t.suppressed["p_value"] == "too-few-services" for t in tests)


def test_reference_result_has_every_section(reference_raw: BenchmarkResult) -> None:
    assert {r.period for r in reference_raw.outcomes} == {ALL_PERIODS}
    assert len(reference_raw.services) == 28
    for name in (
        "reach",
        "outcomes",
        "pooled",
        "funnel_points",
        "funnels",
        "meta",
        "forest",
        "subgroups",
        "casemix_fit",
        "casemix_services",
        "sustainment",
        "economics",
    ):
        assert reference_raw.section(name), name
    assert {m.method for m in reference_raw.meta} == {"DL", "REML"}
    assert any(m.pi_low is not None for m in reference_raw.meta if m.k >= 3)
    assert {f.metric for f in reference_raw.funnels} == {"mean_change", "reliable_improvement"}
    fit = reference_raw.casemix_fit[0]
    assert fit.formula.startswith("change ~") and fit.r2 is not None


def test_economics_always_carry_assumptions(reference_raw: BenchmarkResult) -> None:
    kinds = {(e.kind, e.quantity) for e in reference_raw.economics}
    assert ("service_use", "saving_per_participant_per_year") in kinds
    assert ("wellby", "wellby_value_per_participant") in kinds
    for row in reference_raw.economics:
        assert row.assumptions["target_price_year"] == row.price_year
        assert "ci_method" in row.assumptions
        if row.mean is not None:
            assert row.low is not None and row.high is not None
    pooled = [e for e in reference_raw.economics if e.service_id is None]
    assert all(e.mean is not None and e.ci_low is not None for e in pooled)


def test_instrument_and_period_options_filter(reference_dir: Path) -> None:
    loaded = open_source(reference_dir)
    result = compute(loaded.source, BenchmarkOptions(instrument="ONS4", period="2025-Q1"))
    assert {r.instrument.split(".")[0] for r in result.outcomes} == {"ONS4"}
    assert {r.period for r in result.outcomes} == {"2025-Q1"}
