"""The intruder's attack on published benchmarks: it must find nothing, and must be able to.

Each synthetic pool is benchmarked, controlled for the public and attacked with
:func:`peerbench.benchmarking.attack.attack`. Three properties are checked:

* *Sound*: the true value of every count is among its candidates (the attack never
  rules out the truth, so when it pins a count it has really found it).
* *Protected*: no rounded or hidden count is pinned to one value; no count of 1–7 is
  published anywhere (economic assumptions included).
* *Able to fail*: publishing the exact means, SDs and intervals beside the same rounded counts (what
  peerbench did before) lets the same attack pin counts, to their true values.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkResult, compute, controlled
from peerbench.benchmarking.attack import (
    Count,
    attack,
    mean_fits,
    pinned,
    ratio_fits,
    sd_fits,
    small_published,
    t_half_fits,
)
from peerbench.benchmarking.result import SECTIONS
from peerbench.stats import mean_change_from_summary
from peerbench.synth import SynthConfig, generate

POOLS = {  # (organisations, outcome rows, seed): services 2, 2, 4, 9
    "1-org": (1, 600, 1),
    "2-orgs": (2, 1500, 2),
    "4-orgs": (4, 3000, 11),
    "3-orgs": (3, 3000, 3),
}
EXACT = (  # what peerbench published before: full precision, intervals from the true n
    "baseline_mean",
    "baseline_sd",
    "follow_up_mean",
    "mean_change",
    "sd_change",
    "change_ci_low",
    "change_ci_high",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
)
ATTACKED = ("outcomes", "pooled", "networks", "sustainment", "reach", "economics", "casemix_fit")


def _raw(organisations: int, rows: int, seed: int) -> BenchmarkResult:
    tables = generate(SynthConfig(organisations=organisations, outcome_rows=rows, seed=seed)).tables
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small pools: rank-deficient case-mix designs
        return compute(BenchmarkSource.from_tables(tables), service_use=tables["service_use"])


@pytest.fixture(scope="module", params=sorted(POOLS))
def pool(request: pytest.FixtureRequest) -> tuple[BenchmarkResult, dict[str, Any]]:
    """A pool's raw result and its public JSON."""
    raw = _raw(*POOLS[request.param])
    return raw, controlled(raw).to_dict()


def _truth(raw: BenchmarkResult) -> dict[tuple[Any, ...], int]:
    found = {}
    for section in ATTACKED:
        for row in raw.section(section):
            key = tuple((k, getattr(row, k)) for k in SECTIONS[section].KEY)
            for field, value in row.to_dict().items():
                if isinstance(value, int) and not isinstance(value, bool):
                    found[(section, key, field)] = value
    return found


def _unsound(counts: list[Count], truth: dict[tuple[Any, ...], int]) -> list[Count]:
    return [
        c
        for c in counts
        if c.candidates
        and (value := truth.get((c.section, c.key, c.field))) is not None
        and value not in c.candidates
    ]


def test_public_benchmark_pins_no_count(pool: tuple[BenchmarkResult, dict[str, Any]]) -> None:
    raw, public = pool
    counts = attack(public)
    assert sum(c.protected and bool(c.candidates) for c in counts) > 100
    assert _unsound(counts, _truth(raw)) == []
    assert [c for c in counts if c.pinned] == []
    assert small_published(public) == []


def test_exact_means_let_the_attack_pin_counts(
    pool: tuple[BenchmarkResult, dict[str, Any]],
) -> None:
    raw, public = pool
    exact = {tuple(r.key()): r for r in (*raw.outcomes, *raw.pooled)}
    leaky = dict(public)
    for section in ("outcomes", "pooled"):
        rows = []
        for row in public[section]:
            true = exact.get(tuple((k, row[k]) for k in SECTIONS[section].KEY))
            if true is not None:
                row = {**row, **{f: getattr(true, f) for f in EXACT if row[f] is not None}}
            rows.append(row)
        leaky[section] = rows
    found = pinned(leaky)
    assert found, "the control must show that exact means pin rounded counts"
    truth = _truth(raw)
    assert all(c.candidates == {truth[(c.section, c.key, c.field)]} for c in found)


def test_mean_of_whole_scores_rules_out_counts() -> None:
    # The example: 4.4545… = 49/11 cannot be a mean of 10 whole scores.
    assert not mean_fits(10, 49 / 11, 1e-9, 1.0)
    assert mean_fits(11, 49 / 11, 1e-9, 1.0)
    # To one decimal (4.5) every n ≥ 10 fits: 0.1·n ≥ 1 always holds a whole sum.
    assert all(mean_fits(n, 4.5, 0.05, 1.0) for n in range(10, 200))


def test_sd_interval_and_ratio_checks() -> None:
    scores = [1, 2, 2, 4, 5, 7, 3, 3, 2, 9, 4]
    n, mean = len(scores), sum(scores) / len(scores)
    sd = (sum((x - mean) ** 2 for x in scores) / (n - 1)) ** 0.5
    assert sd_fits(n, mean, 1e-9, sd, 1e-9, 1.0)
    assert not sd_fits(n, mean, 1e-9, sd + 0.013, 1e-9, 1.0)
    change = mean_change_from_summary(n, mean, sd)
    half = (change.ci_high - change.ci_low) / 2
    assert t_half_fits(n, half, 1e-9, sd, 1e-9)
    assert not t_half_fits(n + 1, half, 1e-9, sd, 1e-9)
    assert ratio_fits(13, 5 / 13, 1e-9) and not ratio_fits(12, 5 / 13, 1e-9)


def test_differencing_pins_a_lone_hidden_service() -> None:
    # Two services and their pooled row; hide one service's count and publish the
    # other exactly: the pooled total minus the other gives the hidden one.
    row = {"instrument": "X", "period": "all", "timepoint": "end"}
    counts: dict[str, Any] = {}
    data = {
        "options": {"min_n": 10},
        "disclosure": {"policy": {"rounding_base": 1, "small_count_min": 1}},
        "pooled": [{**row, **counts, "n_paired": 26, "suppressed": {}}],
        "outcomes": [
            {**row, **counts, "service_id": "a", "n_paired": 20, "suppressed": {}},
            {
                **row,
                **counts,
                "service_id": "b",
                "n_paired": None,
                "suppressed": {"n_paired": "small-count"},
            },
        ],
    }
    (found,) = pinned(data)  # counts published exactly (no rounding) are not "pinned"
    assert (found.section, dict(found.key)["service_id"], found.field) == (
        "outcomes",
        "b",
        "n_paired",
    )
    assert found.candidates == {6}


def test_owner_rows_are_not_coarsened(tiny_raw: BenchmarkResult) -> None:
    owner = controlled(tiny_raw, viewer_organisation_id="org-a")
    mine = {r.key(): r for r in tiny_raw.outcomes if r.service_id == "s1"}
    shown = [r for r in owner.outcomes if r.service_id == "s1"]
    assert shown and all(dataclasses.asdict(r) == dataclasses.asdict(mine[r.key()]) for r in shown)


def test_reference_pool_pins_no_count(
    reference_raw: BenchmarkResult, reference_public: BenchmarkResult
) -> None:
    public = reference_public.to_dict()
    counts = attack(public)
    assert _unsound(counts, _truth(reference_raw)) == []
    assert [c for c in counts if c.pinned] == []
    assert small_published(public) == []
