"""Comparisons only where the data can carry them: the minimum number of services."""

from __future__ import annotations

from typing import Any

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import (
    BenchmarkOptions,
    BenchmarkResult,
    FunnelPoint,
    FunnelSummary,
    MetaRow,
    SubgroupLevel,
    SubgroupTest,
    compute,
    controlled,
)
from peerbench.benchmarking.sufficiency import (
    TOO_FEW_SERVICES,
    group_key,
    min_services,
    smallest_groups,
    withheld,
    withhold_thin,
)
from peerbench.benchmarking.text import render_text
from peerbench.disclosure import DisclosurePolicy
from tests.benchmarking.conftest import tiny_tables

KEY: dict[str, Any] = {"instrument": "PHQ9", "period": "all", "timepoint": "end"}


def _level(attribute: str, level: str, k: int) -> SubgroupLevel:
    return SubgroupLevel(
        **KEY, measure="hedges_g", attribute=attribute, level=level, k=k, estimate=0.3
    )


def _test(attribute: str, k: int) -> SubgroupTest:
    return SubgroupTest(
        **KEY,
        measure="hedges_g",
        attribute=attribute,
        k=k,
        levels=2,
        q_between=4.1,
        df=1,
        p_value=0.04,
    )


def _made() -> BenchmarkResult:
    funnels = (
        FunnelSummary(
            **KEY, metric="mean_change", target=2.0, k=4, phi=1.3, tau2=0.2, adjusted=True
        ),
        FunnelSummary(**KEY, metric="reliable_improvement", target=0.4, k=5, phi=1.0, tau2=0.0),
    )
    points = tuple(
        FunnelPoint(
            **KEY,
            metric=s.metric,
            service_id=f"s{i}",
            n=20,
            value=1.0,
            se=0.5,
            precision=4.0,
            z=0.1,
            limit_95_low=0.0,
            limit_95_high=3.0,
            limit_998_low=-1.0,
            limit_998_high=4.0,
            flag="within",
        )
        for s in funnels
        for i in range(s.k)
    )
    return BenchmarkResult(
        options=BenchmarkOptions(),
        generated_from="made",
        funnels=funnels,
        funnel_points=points,
        meta=(
            MetaRow(
                **KEY,
                measure="hedges_g",
                method="DL",
                k=4,
                estimate=0.3,
                i2=0.5,
                q=6.0,
                q_p=0.1,
                tau2=0.01,
            ),
            MetaRow(
                **{**KEY, "timepoint": "month_3"},
                measure="hedges_g",
                method="DL",
                k=5,
                estimate=0.3,
                i2=0.5,
                q=6.0,
                q_p=0.1,
            ),
        ),
        subgroups=(
            _level("structure", "ad_hoc", 5),
            _level("structure", "structured_programme", 6),
            _level("condition_focus", "cancer", 1),
            _level("condition_focus", "mental_health", 9),
        ),
        subgroup_tests=(_test("structure", 11), _test("condition_focus", 10)),
    )


def test_every_compared_group_needs_the_minimum() -> None:
    out = withhold_thin(_made(), 5)
    tests = {t.attribute: t for t in out.subgroup_tests}
    # One cancer service against nine: no test, but both groups' own estimates stay.
    assert tests["condition_focus"].p_value is None and tests["condition_focus"].q_between is None
    assert tests["condition_focus"].suppressed == {
        "q_between": TOO_FEW_SERVICES,
        "p_value": TOO_FEW_SERVICES,
    }
    assert tests["condition_focus"].df == 1  # counts of groups are not withheld
    assert all(level.estimate == 0.3 for level in out.subgroups)
    assert tests["structure"].p_value == 0.04 and not tests["structure"].suppressed
    assert smallest_groups(out.subgroups)[("PHQ9", "all", "end", "hedges_g", "structure")] == 5


def test_i2_and_funnel_limits_need_the_minimum() -> None:
    out = withhold_thin(_made(), 5)
    thin, enough = out.meta
    assert (thin.i2, thin.q, thin.q_p) == (None, None, None)
    assert thin.estimate == 0.3 and thin.tau2 == 0.01  # the pooled estimate stays
    assert set(thin.suppressed) == {"i2", "q", "q_p"}
    assert enough.i2 == 0.5 and not enough.suppressed
    small, big = out.funnels
    assert withheld(small) and small.phi is None and small.tau2 is None and not small.adjusted
    assert small.target == 2.0 and not withheld(big)
    for point in out.funnel_points:
        if point.metric == "mean_change":
            assert point.flag is None and point.limit_95_low is None and point.z is None
            assert point.value == 1.0 and point.suppressed["flag"] == TOO_FEW_SERVICES
        else:
            assert point.flag == "within" and not point.suppressed


def test_withholding_is_idempotent_and_the_minimum_is_a_setting() -> None:
    once = withhold_thin(_made(), 5)
    assert withhold_thin(once, 5) == once
    lax = withhold_thin(_made(), 2)
    assert all(t.p_value is not None for t in lax.subgroup_tests if t.attribute == "structure")
    assert DisclosurePolicy().min_services == 5
    with pytest.raises(ValueError, match="min_services"):
        DisclosurePolicy(min_services=1)


def test_compute_and_controlled_apply_the_policy() -> None:
    source = BenchmarkSource.from_tables(tiny_tables())
    raw = compute(source, generated_from="tiny")
    # Three services (two with enough people): nothing may be compared at the default.
    assert raw.meta and all(withheld(m) for m in raw.meta)
    assert all(withheld(t) for t in raw.subgroup_tests)
    assert all(m.estimate is not None for m in raw.meta)
    lax = DisclosurePolicy(min_services=2)
    relaxed = compute(source, BenchmarkOptions(disclosure_policy=lax), generated_from="tiny")
    assert all(m.i2 is not None for m in relaxed.meta)
    assert min_services(relaxed) == 2
    # Controlling with a stricter policy withholds again; a laxer one restores nothing.
    public = controlled(relaxed, DisclosurePolicy())
    assert all(withheld(m) for m in public.meta) and min_services(public) == 5
    assert all(m.i2 is not None for m in controlled(relaxed, lax).meta)


def test_cli_table_says_too_few_services(reference_public: BenchmarkResult) -> None:
    """A test of difference is published exactly when every level has 5 services: in the
    reference data the service models never do; the workforce practice markers (issue
    16) sometimes do, and then the table gives p."""
    text = render_text(reference_public)
    thin = smallest_groups(reference_public.subgroups)
    lines = [line for line in text.splitlines() if line.startswith("GAD7 ")]
    models = [line for line in lines if "facilitator_model" in line or "delivery_format" in line]
    assert models and all(line.rstrip().endswith("too few services") for line in models)
    assert "at least 5 services" in text
    published = 0
    for test in reference_public.subgroup_tests:
        if thin[group_key(test)] < 5:
            assert test.p_value is None and test.suppressed["p_value"] == TOO_FEW_SERVICES
        else:
            assert test.p_value is not None and "p_value" not in test.suppressed
            published += 1
    assert published  # the rule is exercised both ways


def test_reference_funnels_and_meta_follow_the_rule(reference_public: BenchmarkResult) -> None:
    for summary in reference_public.funnels:
        assert withheld(summary) == (summary.k < 5)
    for meta in reference_public.meta:
        assert withheld(meta) == (meta.k < 5)
        assert (meta.i2 is None) == (meta.k < 5)
    levels = smallest_groups(reference_public.subgroups)
    assert min(levels.values()) == 1  # e.g. one service of a kind
