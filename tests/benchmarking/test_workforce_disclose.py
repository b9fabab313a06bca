"""The workforce pillar through ``compute`` and ``controlled``: plumbing and disclosure.

The metrics themselves are checked against hand calculations in ``test_workforce.py``;
here a pool of three services (31 workers, as_of 2025-12-31) checks that the result
carries them, that "what works" compares the derived practice, and that the public
view publishes no per-service worker figure and nothing a reader could solve to a
count of 1–7.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa
import pytest
from scipy import stats

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute, controlled
from peerbench.benchmarking.workforce import add_months
from peerbench.benchmarking.workforce_disclose import control_block
from peerbench.benchmarking.workforce_rows import WorkforceRow
from peerbench.disclosure import DisclosurePolicy
from peerbench.io.tabular import conform
from tests.benchmarking.conftest import tiny_tables

AS_OF = dt.date(2025, 12, 31)
TEAMS = {"s1": 12, "s2": 10, "s3": 9}
SUPERVISION = {  # service → (type, frequency) for volunteers; paid always weekly 1:1
    "s1": ("group", "monthly"),
    "s2": ("group", "less_often"),
    "s3": ("none", "none"),
}


def _worker(service: str, i: int) -> dict[str, Any]:
    paid = i % 3 == 0
    start = dt.date(2024, 1 + i % 12, 1)
    end, reason = None, "ongoing"
    if not paid and i % 4 == 1:
        end, reason = add_months(start, 4), "own_health"
    elif not paid and i % 4 == 2:
        end, reason = add_months(start, 9), "new_role"
    kind, often = ("one_to_one", "weekly") if paid else SUPERVISION[service]
    return {
        "worker_key": f"{service}w{i:02d}",
        "service_id": service,
        "role": "paid" if paid else "volunteer",
        "start_date": start,
        "end_reason": reason,
        "end_date": end,
        "training_status": "completed" if i % 2 == 0 else "in_progress",
        "training_accredited": paid if i % 2 == 0 else None,
        "supervision_type": kind,
        "supervision_frequency": often,
    }


def _swemwbs(key: str, service: str, timepoint: str, day: dt.date, level: int) -> dict[str, Any]:
    return {
        "record_id": f"{key}-{timepoint}",
        "participant_key": key,
        "service_id": service,
        "subject": "peer_worker",
        "instrument": "SWEMWBS",
        "timepoint": timepoint,
        "date_administered": day,
        "items": [level] * 7,
    }


def workforce_tables() -> dict[str, pa.Table]:
    """tiny_tables() plus 31 peer workers; 20 of them (s1, s3) answer SWEMWBS twice."""
    tables = tiny_tables()
    workers = [_worker(s, i) for s, n in TEAMS.items() for i in range(n)]
    worker_outcomes = []
    for w in workers:
        if w["service_id"] == "s2":
            continue
        start, key = w["start_date"], w["worker_key"]
        even = int(key[-2:]) % 2 == 0
        worker_outcomes.append(_swemwbs(key, w["service_id"], "baseline", start, 2))
        later = add_months(start, 3)
        worker_outcomes.append(_swemwbs(key, w["service_id"], "month_3", later, 3 if even else 2))
    outcome = pa.concat_tables(
        [tables["outcome"], conform(pa.Table.from_pylist(worker_outcomes), "outcome")],
        promote_options="default",
    )
    return {
        **tables,
        "outcome": outcome,
        "peer_worker": conform(pa.Table.from_pylist(workers), "peer_worker"),
    }


@pytest.fixture(scope="module")
def raw() -> BenchmarkResult:
    source = BenchmarkSource.from_tables(workforce_tables())
    return compute(source, BenchmarkOptions(as_of=AS_OF, min_n=5), generated_from="workforce")


def _by(rows: Any) -> dict[tuple[Any, ...], Any]:
    return {tuple(v for _, v in r.key()): r for r in rows}


def test_result_carries_the_workforce(raw: BenchmarkResult) -> None:
    rows = _by(raw.workforce)
    # 31 periods started in 2024: all eligible at 6 and 12 months. Volunteers ending:
    # i % 4 == 1 at 4 months (left before 6), i % 4 == 2 at 9 months (left before 12).
    # s1 volunteers i=1,2,4,5,7,8,10,11: early 1,5 ; mid 2,10 → s2 (10): 1,5 / 2 ;
    # s3 (9): 1,5 / 2. Early leavers 6, mid leavers 4.
    six = rows[("all", "all", "retained_6m", "all")]
    twelve = rows[("all", "all", "retained_12m", "all")]
    assert (six.n_base, six.n_yes) == (31, 25)
    assert (twelve.n_base, twelve.n_yes) == (31, 21)
    assert rows[("service", "s1", "retained_6m", "paid")].n_yes == 4
    in_post = rows[("all", "all", "supervised", "all")]
    assert in_post.n_base == 21  # 31 minus the 10 who left
    assert {r.as_of for r in raw.workforce} == {"2025-12-31"}
    reasons = {r.reason_group: r.n_ended for r in raw.worker_end_reasons}
    assert reasons == {
        "moved_on": 4,
        "own_health_or_role_strain": 6,
        "funding": 0,
        "other": 0,
        "all": 10,
    }


def test_worker_wellbeing_is_scored_and_paired(raw: BenchmarkResult) -> None:
    rows = _by(raw.worker_wellbeing)
    overall = rows[("SWEMWBS", "all")]
    # s1 (12) and s3 (9) workers: raw 14 → 21 (metric 15.32 → 19.25) for even keys,
    # 14 → 14 for odd: 6 + 5 = 11 of 21 change by +3.93.
    assert overall.n_paired == 21
    changes = [19.25 - 15.32] * 11 + [0.0] * 10
    assert overall.mean_change == pytest.approx(sum(changes) / 21, abs=1e-9)
    ref = stats.ttest_1samp(changes, 0.0).confidence_interval(0.95)
    assert (overall.ci_low, overall.ci_high) == pytest.approx((ref.low, ref.high))
    # Participants' benchmarks do not see workers' questionnaires.
    assert {r.instrument for r in raw.outcomes} == {"PHQ9"}


def test_what_works_compares_workforce_practice(raw: BenchmarkResult) -> None:
    services = {s.service_id: s for s in raw.services}
    # s1: every worker supervised monthly or better → yes; s3 volunteers never → no.
    assert services["s1"].regular_supervision == "yes"
    assert services["s3"].regular_supervision == "no"
    # s1 in post: paid 0, 3, 6, 9 and volunteers 4, 7, 8, 11: 4 of 8 paid, "at least half".
    assert services["s1"].paid_led == "yes"
    # s2: 4 paid (weekly) and 3 volunteers in post (less often): 4 of 7 < 3 in 4 → no.
    assert services["s2"].regular_supervision == "no"
    levels = {(r.attribute, r.level): r.k for r in raw.subgroups}
    assert levels[("regular_supervision", "yes")] == 1
    assert levels[("regular_supervision", "no")] == 2
    # The same honesty rule as every comparison: one service against two is no test.
    (test,) = [t for t in raw.subgroup_tests if t.attribute == "regular_supervision"]
    assert test.p_value is None and test.suppressed["p_value"] == "too-few-services"


def test_round_trip_and_tables(raw: BenchmarkResult) -> None:
    again = BenchmarkResult.from_dict(raw.to_dict())
    assert again == raw
    tables = raw.tables()
    assert tables["workforce"].num_rows == len(raw.workforce)
    assert tables["workforce"].column_names[:4] == ["level", "group", "measure", "role"]
    assert "regular_supervision" in tables["services"].column_names


def _solvable(rows: list[WorkforceRow]) -> list[str]:
    """Hidden counts a reader can solve from one equation with one unknown."""
    found = []
    for row in rows:
        values = (row.n_yes, row.n_no, row.n_base)
        if sum(v is None for v in values) == 1:
            found.append(f"{row.key()} across")
    blocks: dict[tuple[str, str, str], list[WorkforceRow]] = {}
    for row in rows:
        blocks.setdefault((row.level, row.group, row.measure), []).append(row)
    for block in blocks.values():
        for field in ("n_yes", "n_no", "n_base"):
            unknown = [r for r in block if getattr(r, field) is None]
            if len(unknown) == 1 and len(block) > 1:
                found.append(f"{unknown[0].key()} {field} down")
    return found


def test_public_view_has_no_service_rows_and_no_small_counts(raw: BenchmarkResult) -> None:
    public = controlled(raw)
    assert public.workforce
    assert {r.level for r in public.workforce} == {"all", "facilitator_model"}
    for row in public.workforce:
        for field in ("n_base", "n_yes", "n_no"):
            value = getattr(row, field)
            assert value is None or value == 0 or (value >= 8 and value % 5 == 0), row
    assert _solvable(list(public.workforce)) == []
    # A service's own practice is not public; the comparison by practice is.
    assert {s.regular_supervision for s in public.services} == {None}
    assert any(r.attribute == "regular_supervision" for r in public.subgroups)
    for ended in public.worker_end_reasons:
        assert ended.n_ended is None or ended.n_ended == 0 or ended.n_ended >= 8


def test_owner_sees_its_own_services_unrounded(raw: BenchmarkResult) -> None:
    mine = controlled(raw, viewer_organisation_id="org-a")
    services = {r.group for r in mine.workforce if r.level == "service"}
    assert services == {"s1"}
    practice = {s.service_id: s.regular_supervision for s in mine.services}
    assert practice == {"s1": "yes", "s2": None, "s3": None}
    raw_rows = _by(raw.workforce)
    for row in mine.workforce:
        if row.level == "service":
            assert row == raw_rows[tuple(v for _, v in row.key())]


def test_public_wellbeing_interval_from_published_n(raw: BenchmarkResult) -> None:
    row = _by(controlled(raw).worker_wellbeing)[("SWEMWBS", "all")]
    assert row.n_paired == 20  # 21 rounded to 5
    assert row.mean_change == pytest.approx(round(11 * 3.93 / 21, 1))
    half = stats.t.ppf(0.975, 19) * row.sd_change / math.sqrt(20)
    assert row.ci_low == pytest.approx(round(row.mean_change - half, 1))


def test_trained_and_accredited_are_hidden_together() -> None:
    """Accredited's base is the trained count: hiding one hides the other."""

    def row(measure: str, role: str, base: int, yes: int) -> WorkforceRow:
        return WorkforceRow(
            level="all", group="all", measure=measure, role=role, as_of="2025-12-31",
            n_base=base, n_yes=yes, n_no=base - yes,
        )  # fmt: skip

    rows = [
        row("trained", "all", 40, 23),
        row("trained", "paid", 20, 13),
        row("trained", "volunteer", 20, 10),
        row("accredited", "all", 23, 20),
        row("accredited", "paid", 13, 13),
        row("accredited", "volunteer", 10, 7),  # 7 accredited: small, hidden
    ]
    public = {(r.measure, r.role): r for r in control_block(rows, DisclosurePolicy())}
    # Volunteer accredited n_yes (7) is small; its n_no (3) too; secondary hides the
    # volunteer base or another role's cells. Whatever hides the accredited base must
    # also hide the trained n_yes of that role, and the reverse.
    for role in ("all", "paid", "volunteer"):
        trained_hidden = public[("trained", role)].n_yes is None
        base_hidden = public[("accredited", role)].n_base is None
        assert trained_hidden == base_hidden, role
    assert _solvable(list(public.values())) == []


def test_text_block_shows_the_pool_figures(raw: BenchmarkResult) -> None:
    from peerbench.benchmarking.text import render_text

    text = render_text(controlled(raw), sections=["workforce"])
    assert "Peer workers, measured at 2025-12-31" in text
    # 12 months: 21 of 31 retained, published rounded to 5 as 20 of 30.
    assert "Still in post 12 months after starting  20 of 30 (67%)" in text
    assert "Workers' own SWEMWBS: mean change +2.1 [1.2, 3.0], 20 workers" in text
    assert "Peer workers" not in render_text(controlled(raw), sections=["services"])
