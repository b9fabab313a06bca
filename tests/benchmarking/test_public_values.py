"""Public statistics are computed from what is published beside them."""

from __future__ import annotations

import pytest

from peerbench.benchmarking import BenchmarkResult
from peerbench.benchmarking.implied import PRECISION, mean_decimals
from peerbench.benchmarking.public_values import ASSUMPTION_COUNTS, RECOMPUTED
from peerbench.disclosure import DisclosurePolicy
from peerbench.stats import cohens_dz_from_summary, mean_change_from_summary


def test_intervals_are_recomputed_from_the_published_row(
    reference_public: BenchmarkResult,
) -> None:
    checked = 0
    for row in (*reference_public.outcomes, *reference_public.pooled):
        if row.change_ci_low is None or row.n_paired is None:
            continue
        assert row.mean_change is not None and row.sd_change is not None
        places = mean_decimals(row.n_paired, DisclosurePolicy())
        assert row.mean_change == round(row.mean_change, places)
        assert row.sd_change == round(row.sd_change, places)
        change = mean_change_from_summary(row.n_paired, row.mean_change, row.sd_change)
        assert row.change_ci_low == round(change.ci_low, 2)
        assert row.change_ci_high == round(change.ci_high, 2)
        if row.d_z is not None:
            dz = cohens_dz_from_summary(row.n_paired, row.mean_change, row.sd_change)
            assert (row.d_z, row.d_z_ci_low, row.d_z_ci_high) == (
                round(dz.estimate, 2),
                round(dz.ci_low, 2),
                round(dz.ci_high, 2),
            )
        checked += 1
    assert checked > 100


def test_every_field_rounded_in_outcome_rows_is_recomputed() -> None:
    # public_outcomes rounds only the fields it recomputes: that is rounded() on the row
    # as long as every field of the public precision is one of them.
    for section in ("outcomes", "pooled", "networks"):
        assert set(PRECISION[section]) <= set(RECOMPUTED)


def test_funnel_standard_errors_use_the_published_n(reference_public: BenchmarkResult) -> None:
    rows = {r.key(): r for r in reference_public.outcomes}
    points = [p for p in reference_public.funnel_points if p.metric == "mean_change"]
    assert points
    for point in points:
        key = (
            ("service_id", point.service_id),
            ("instrument", point.instrument),
            ("period", point.period),
            ("timepoint", point.timepoint),
        )
        row = rows[key]
        assert point.n == row.n_paired and row.sd_change is not None and point.n
        assert point.se == pytest.approx(row.sd_change / point.n**0.5)


def test_economics_assumptions_show_published_counts(reference_public: BenchmarkResult) -> None:
    policy = reference_public.options.disclosure_policy
    base = 5 if policy is None else policy.rounding_base
    seen = 0
    for row in reference_public.economics:
        for name in ASSUMPTION_COUNTS:
            if name not in row.assumptions:
                continue
            value = row.assumptions[name]
            seen += 1
            if row.n is None:
                assert value is None and f"assumptions.{name}" in row.suppressed
            elif value is not None:
                assert value % base == 0 and not 1 <= value <= 7
        if row.quantity == "life_satisfaction_change" and row.mean is not None:
            assert row.n is not None
            assert row.mean == round(row.mean, mean_decimals(row.n, DisclosurePolicy()))
        if row.kind == "service_use" and row.mean is not None:
            assert row.mean == round(row.mean)
    assert seen


def test_adjusted_r2_from_the_published_n(reference_public: BenchmarkResult) -> None:
    terms: dict[tuple[str, str, str], int] = {}
    for c in reference_public.casemix_coefficients:
        if c.term != "const":
            key = (c.instrument, c.period, c.timepoint)
            terms[key] = terms.get(key, 0) + 1
    checked = 0
    for fit in reference_public.casemix_fit:
        if fit.adj_r2 is None or fit.n is None or fit.r2 is None:
            continue
        p = terms[(fit.instrument, fit.period, fit.timepoint)]
        assert fit.adj_r2 == round(1 - (1 - fit.r2) * (fit.n - 1) / (fit.n - p - 1), 3)
        checked += 1
    assert checked
