"""``controlled``: every count of people controlled, owner view, consistency with totals."""

from __future__ import annotations

import dataclasses

from peerbench.benchmarking import SECTIONS, BenchmarkResult, controlled
from peerbench.disclosure import DisclosurePolicy

SERVICE_COUNTS = {"k", "levels", "df"}
"""Counts of services, not people: published as they are."""


def _people_counts(result: BenchmarkResult) -> list[tuple[str, str, int]]:
    found = []
    for name in SECTIONS:
        for row in result.section(name):
            for field in dataclasses.fields(row):
                value = getattr(row, field.name)
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and field.name not in SERVICE_COUNTS
                    and field.name != "price_year"
                ):
                    found.append((name, field.name, value))
    return found


def test_no_published_count_is_small_or_unrounded(reference_public: BenchmarkResult) -> None:
    counts = _people_counts(reference_public)
    assert len(counts) > 1000
    assert [c for c in counts if 1 <= c[2] <= 7] == []
    assert [c for c in counts if c[2] % 5] == []
    assert reference_public.disclosure is not None
    assert reference_public.disclosure.viewer_organisation_id is None


def test_raw_result_does_have_small_counts(reference_raw: BenchmarkResult) -> None:
    assert any(1 <= c[2] <= 7 for c in _people_counts(reference_raw))
    assert reference_raw.disclosure is None


def test_public_view_suppresses_then_rounds(tiny_raw: BenchmarkResult) -> None:
    public = controlled(tiny_raw)
    rows = {r.service_id: r for r in public.outcomes if r.timepoint == "end"}
    assert rows["s2"].n_paired is None and rows["s2"].suppressed["n_paired"] == "small-count"
    # s1 is hidden too, or s2 would follow from the pooled total.
    assert rows["s1"].n_paired is None and rows["s1"].suppressed["n_paired"] == "secondary"
    assert rows["s3"].n_paired == 15
    (pooled,) = [p for p in public.pooled if p.timepoint == "end"]
    assert pooled.n_paired == 30
    assert pooled.n_improved is not None
    assert pooled.share_improved == pooled.n_improved / 30  # from rounded counts
    meta = [m for m in public.meta if m.timepoint == "end"]
    assert meta and all(m.n_paired is None for m in meta)


def test_owner_sees_own_services_unrounded_and_others_controlled(tiny_raw: BenchmarkResult) -> None:
    owner = controlled(tiny_raw, viewer_organisation_id="org-a")
    public = controlled(tiny_raw)
    mine = {r.service_id: r for r in owner.outcomes if r.timepoint == "end"}
    theirs = {r.service_id: r for r in public.outcomes if r.timepoint == "end"}
    assert mine["s1"].n_paired == 12 and mine["s1"].n_improved == 9
    assert mine["s2"] == theirs["s2"] and mine["s3"] == theirs["s3"]
    assert owner.pooled == public.pooled
    assert owner.disclosure is not None and owner.disclosure.owner_services == ("s1",)
    other = controlled(tiny_raw, viewer_organisation_id="org-b")
    assert {r.service_id: r.n_paired for r in other.outcomes if r.timepoint == "end"} == {
        "s1": None,
        "s2": 5,
        "s3": 15,
    }


def test_policy_min_n_above_the_results_is_applied(tiny_raw: BenchmarkResult) -> None:
    strict = controlled(tiny_raw, DisclosurePolicy(min_n=13))
    s1 = next(r for r in strict.outcomes if r.service_id == "s1" and r.timepoint == "end")
    assert s1.mean_change is None and s1.suppressed["mean_change"] == "below-min-n"
    assert all(f.estimate is None for f in strict.forest if f.service_id == "s1")


def test_suppression_is_consistent_between_services_and_funnels(
    reference_public: BenchmarkResult,
) -> None:
    hidden = {
        (r.service_id, r.instrument, r.timepoint)
        for r in reference_public.outcomes
        if r.n_paired is None
    }
    for point in reference_public.funnel_points:
        if (point.service_id, point.instrument, point.timepoint) in hidden:
            assert point.n is None or point.metric == "reliable_improvement"


def test_network_rows_pool_services_and_hide_what_services_hide() -> None:
    from peerbench.aggregate import BenchmarkSource
    from peerbench.benchmarking import BenchmarkOptions, compute
    from tests.benchmarking.conftest import tiny_tables

    options = BenchmarkOptions(networks={"s1": "north", "s2": "north", "s3": "south"})
    raw = compute(BenchmarkSource.from_tables(tiny_tables()), options)
    north = next(n for n in raw.networks if n.network == "north" and n.timepoint == "end")
    assert north.n_paired == 17 and north.mean_change is not None
    assert {s.service_id: s.network for s in raw.services}["s2"] == "north"
    public = controlled(raw)
    north = next(n for n in public.networks if n.network == "north" and n.timepoint == "end")
    # Service n_paired cells are hidden in this comparison, so network totals are too.
    assert north.n_paired is None and north.suppressed["n_paired"] == "secondary"
    # Every statistic resting on the hidden n_paired is hidden with it (.implied).
    for field in ("mean_change", "sd_change", "change_ci_low", "d_z", "hedges_g"):
        assert getattr(north, field) is None and north.suppressed[field] == "secondary"


def test_control_leaves_the_garbage_collector_as_it_found_it(tiny_raw: BenchmarkResult) -> None:
    import gc

    assert gc.isenabled()
    controlled(tiny_raw)
    assert gc.isenabled()
    gc.disable()
    try:
        controlled(tiny_raw)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_controls_leave_the_collector_on() -> None:
    """Two controls that overlap (server threads) turn the collector back on once both end,
    whichever ends first."""
    import gc

    from peerbench.benchmarking.disclose import _no_cycle_collection

    assert gc.isenabled()
    first, second = _no_cycle_collection(), _no_cycle_collection()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()
