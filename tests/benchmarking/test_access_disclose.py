"""Disclosure control of the access pillar: small counts, nested stages, secondary."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from peerbench.benchmarking.access import access_rows, reason_rows
from peerbench.benchmarking.access_disclose import COUNTS, NESTED, controlled_access, nested_reveals
from peerbench.benchmarking.access_rows import AccessRow
from peerbench.disclosure import DisclosurePolicy

POLICY = DisclosurePolicy()
AS_OF = pd.Timestamp("2025-06-30").date()
ROUTES = ("self", "gp", "secondary_care", "social_prescriber")


def synthetic_status(seed: int, n: int) -> pd.DataFrame:
    """A status frame (as :func:`referral_status` makes) drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    contacted = rng.random(n) < 0.8
    waiting = ~contacted & (rng.random(n) < 0.5)
    started = contacted & (rng.random(n) < 0.85)
    attended = started & (rng.random(n) < 0.8)
    completed = attended & (rng.random(n) < 0.6)
    reasons = rng.choice(["declined", "no_contact", "not_suitable"], n)
    return pd.DataFrame(
        {
            "service_id": rng.choice(["s1", "s2", "s3", "s4"], n),
            "referral_route": rng.choice(ROUTES, n, p=[0.4, 0.35, 0.2, 0.05]),
            "condition": rng.choice(["mental_health", "diabetes"], n),
            "quintile": rng.choice(["Q1", "Q2", "Q3", "Q4", "Q5", "not_recorded"], n),
            "service_model": rng.choice(["volunteer_peers", "paid_peer_workers"], n),
            "network": "not_recorded",
            "contacted": contacted,
            "wait_days": np.where(contacted, rng.integers(0, 60, n), np.nan),
            "waiting": waiting,
            "waited_days": np.where(waiting, rng.integers(0, 90, n), np.nan),
            "started": started,
            "attended": attended,
            "completed": completed,
            "reason": np.where(started, "started", np.where(waiting, "waiting", reasons)),
        }
    )


def test_nested_reveals_hides_the_smaller_stage() -> None:
    # referred 40, started 35 (40 - 35 = 5 not started: small) → started hidden;
    # then attended 30: 40 - 30 = 10 fine, completed 28: 30 - 28 = 2 → completed hidden.
    row = AccessRow(
        breakdown="all",
        group="all",
        period="all",
        n_referred=40,
        n_contacted=20,
        n_waiting=12,
        n_started=35,
        n_attended=30,
        n_completed=28,
    )
    shown = {"n_referred", "n_started", "n_attended", "n_completed"}
    assert nested_reveals(row, shown, POLICY) == {"n_started", "n_completed"}
    # referred − contacted − waiting = 40 − 20 − 12 = 8: not small, nothing hidden.
    assert nested_reveals(row, {"n_referred", "n_contacted", "n_waiting"}, POLICY) == set()
    # With 15 waiting the remainder is 5: the waiting count is hidden.
    wider = AccessRow(**{**row.to_dict(), "n_waiting": 15, "suppressed": {}})
    assert nested_reveals(wider, {"n_referred", "n_contacted", "n_waiting"}, POLICY) == {
        "n_waiting"
    }


def _assert_safe(raw: list[AccessRow], public: list[AccessRow]) -> None:
    for true, shown in zip(raw, public, strict=True):
        published = {f: getattr(shown, f) for f in COUNTS if getattr(shown, f) is not None}
        for value in published.values():
            assert value % POLICY.rounding_base == 0  # rounded (the overall row too)
            assert not POLICY.is_small_count(value)
        # No published pair (or triple) of nested stages reveals a small count.
        for whole, parts in NESTED:
            if whole in published and all(p in published for p in parts):
                diff = getattr(true, whole) - sum(getattr(true, p) for p in parts)
                assert not POLICY.is_small_count(diff), (true.group, whole, parts, diff)
        for field in ("median_wait_days", "p90_wait_days"):
            if getattr(shown, field) is not None:
                assert true.n_contacted is not None and true.n_contacted >= POLICY.min_n
    # Secondary: no breakdown has a single hidden group count in a column whose
    # overall value is published (it would be the overall minus the others).
    overall = next(p for p in public if p.breakdown == "all")
    for breakdown, rows in itertools.groupby(
        sorted((p for p in public if p.breakdown != "all"), key=lambda r: r.breakdown),
        key=lambda r: r.breakdown,
    ):
        members = list(rows)
        for field in COUNTS:
            hidden = [r for r in members if getattr(r, field) is None]
            if getattr(overall, field) is not None:
                assert len(hidden) != 1, (breakdown, field)


@pytest.mark.parametrize(("seed", "n"), [(1, 61), (2, 153), (3, 402), (4, 36), (5, 1001)])
def test_no_published_figures_reveal_a_small_count(seed: int, n: int) -> None:
    status = synthetic_status(seed, n)
    raw = access_rows(status, period="all", as_of=AS_OF, min_n=10, with_networks=False)
    reasons = reason_rows(status, period="all")
    public, public_reasons = controlled_access(raw, reasons, POLICY)
    _assert_safe(raw, public)
    # The overall row is the same whichever breakdown controlled it: one row only.
    assert sum(r.breakdown == "all" for r in public) == 1
    # Something was withheld for each reason: the checks above are not vacuous.
    reasons_seen = {v for r in public for v in r.suppressed.values()}
    if n < 1000:
        assert reasons_seen == {"small-count", "secondary", "below-min-n"}
    for reason in public_reasons:
        if reason.n is not None:
            assert not POLICY.is_small_count(reason.n)
        else:
            assert reason.share is None


def test_reason_total_hidden_when_it_would_reveal_the_started_count() -> None:
    status = synthetic_status(4, 35)
    raw = access_rows(status, period="all", as_of=AS_OF, min_n=10, with_networks=False)
    public, reasons = controlled_access(raw, reason_rows(status, period="all"), POLICY)
    overall = next(r for r in public if r.breakdown == "all")
    total = next(r for r in reasons if r.uptake == "Total")
    if overall.n_started is None or overall.n_referred is None:
        assert total.n is None


def test_controlled_access_hides_nested_small_differences_everywhere() -> None:
    # 40 referrals, 20 by self (18 start) and 20 by GP (17 start), all contacted, none
    # waiting; 12 + 11 attend. Not started: self 2, GP 3, overall 5 — all small, so
    # every started count is hidden (else referred − started would show them), and
    # the reasons' total (5 not started) is hidden as a small count.
    n = 40
    started = np.array([i < 18 for i in range(20)] + [i < 17 for i in range(20)])
    attended = np.array([i < 12 for i in range(20)] + [i < 11 for i in range(20)])
    status = pd.DataFrame(
        {
            "service_id": "s1",
            "referral_route": ["self"] * 20 + ["gp"] * 20,
            "condition": "mental_health",
            "quintile": "Q1",
            "service_model": "volunteer_peers",
            "network": "not_recorded",
            "contacted": True,
            "wait_days": np.arange(n) % 30,
            "waiting": False,
            "waited_days": np.nan,
            "started": started,
            "attended": attended,
            "completed": attended,
            "reason": np.where(started, "started", "declined"),
        }
    )
    raw = access_rows(status, period="all", as_of=AS_OF, min_n=10, with_networks=False)
    public, reasons = controlled_access(raw, reason_rows(status, period="all"), POLICY)
    for row in public:
        assert row.n_started is None, row.group
        assert row.suppressed["n_started"] in {"secondary", "small-count"}
        assert row.share_started is None
    overall = next(r for r in public if r.breakdown == "all")
    assert (overall.n_referred, overall.n_attended) == (40, 25)  # 23 → 25
    by_route = {r.group: r for r in public if r.breakdown == "route"}
    assert (by_route["self"].n_referred, by_route["self"].n_attended) == (20, 10)  # 12 → 10
    assert next(r for r in reasons if r.uptake == "Total").n is None


UNROUNDED = DisclosurePolicy(rounding_base=1)
INTRUDER_CASES = [(1, 61), (2, 153), (3, 402), (4, 36), (6, 90), (7, 20), (8, 45)]


def _disclosed(seed: int, n: int, policy: DisclosurePolicy) -> list[Any]:
    """Counts the intruder of :mod:`.attack` pins to a value the policy protects: any
    value when counts are rounded, a small count (1–7) when they are published exactly."""
    from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, DisclosureInfo
    from peerbench.benchmarking.attack import attack

    status = synthetic_status(seed, n)
    raw = access_rows(status, period="all", as_of=AS_OF, min_n=10, with_networks=False)
    public, reasons = controlled_access(raw, reason_rows(status, period="all"), policy)
    result = BenchmarkResult(
        options=BenchmarkOptions(),
        generated_from="synthetic",
        disclosure=DisclosureInfo(policy=policy.model_dump(mode="json")),
        access=tuple(public),
        access_reasons=tuple(reasons),
    )
    counts = [c for c in attack(result.to_dict()) if c.section.startswith("access")]
    assert len(counts) > len(public) * len(COUNTS)  # the counts and their remainders
    # The attack never rules out the truth.
    truth = {r.key(): r for r in raw}
    for count in counts:
        if count.section == "access" and count.field in COUNTS:
            assert getattr(truth[count.key], count.field) in count.candidates
    return [
        c
        for c in counts
        if c.pinned
        and (policy.rounding_base > 1 or policy.is_small_count(next(iter(c.candidates))))
    ]


@pytest.mark.parametrize("policy", [POLICY, UNROUNDED], ids=["rounded", "unrounded"])
def test_the_intruder_pins_no_protected_access_count(policy: DisclosurePolicy) -> None:
    for seed, n in INTRUDER_CASES:
        assert _disclosed(seed, n, policy) == [], (seed, n)


def test_without_the_nested_rule_the_intruder_finds_small_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Published exactly, two stages give away their difference: e.g. 6 people contacted
    # but not started. The nested rule is what stops it (the test above).
    from peerbench.benchmarking import access_disclose

    monkeypatch.setattr(access_disclose, "nested_reveals", lambda row, shown, policy: set())
    found = [c for seed, n in INTRUDER_CASES for c in _disclosed(seed, n, UNROUNDED)]
    assert found
    assert any("-" in c.field for c in found)  # a remainder of two published stages
