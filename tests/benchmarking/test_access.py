"""Access pillar: waits referral → first contact and the uptake funnel, by hand.

Fixture (as_of 2025-03-31; s1 volunteer-led, s2 paid):

====  ===  ===  ==========  ==============  ============  ==========  =========  ======
ref   who  svc  referred    route           uptake        1st contact  condition  decile
====  ===  ===  ==========  ==============  ============  ==========  =========  ======
r1    p1   s1   2025-01-01  self            started       01-03 (2)    mh         1
r2    p2   s1   2025-01-02  self            started       01-07 (5)    mh         2
r3    p3   s1   2025-01-05  gp              started       01-15 (10)   diabetes   5
r4    p4   s1   2025-01-10  gp              started       02-09 (30)   (cancer)   (9)
r5    p5   s2   2025-01-10  secondary_care  started       03-11 (60)   mh         —
r6    p6   s2   2025-02-01  gp              declined      —            mh         1
r7    p7   s2   2025-02-15  self            no_contact    —            mh         3
r8    p8   s2   2025-03-01  gp              waiting       — (30 so far) mh        10
r9    p9   s1   2025-03-21  self            waiting       — (10 so far) mh        4
r10   p10  s1   2025-03-10  secondary_care  started       04-10 > as_of (21 so far) mh  6
r11   p11  s1   2025-04-05  self            started       (after as_of: left out)
r12   p1   s1   2025-03-01  self            not_suitable  03-05 (4)    mh         1
====  ===  ===  ==========  ==============  ============  ==========  =========  ======

(r4's condition and decile come from p4's participant record.) Engagements: p1 s1 from
01-10, 6 sessions, completed (r1; r12 is p1's next referral, 03-01, so the engagement is
r1's); p2 01-14, 0 sessions (started, not attended); p3 2024-12-01 (before r3: not
matched) and 01-20, 3 sessions, ongoing; p4 02-10, 8 sessions, completed; p5 03-15, 2
sessions, disengaged; p10 04-15 (after as_of).

Overall: referred 11 (r11 left out). Contacted 6, waits 2, 4, 5, 10, 30, 60 →
median (5 + 10) / 2 = 7.5; 90th percentile nearest rank = ceil(0.9 × 6) = 6th = 60.
Still waiting 3 (r8, r9, r10: 30, 10, 21 days so far) → median 21, p90 = 3rd = 30.
Started 5 (r1–r5), attended 4 (r1, r3, r4, r5), completed 2 (r1, r4).
Not started 6: waiting 3, declined 1, no_contact 1, not_suitable 1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from peerbench.benchmarking.access import (
    access_rows,
    deprivation_quintile,
    reason_rows,
    referral_status,
    wait_summary,
)
from peerbench.benchmarking.access_rows import AccessRow

AS_OF = dt.date(2025, 3, 31)
D = dt.date.fromisoformat
REFERRALS = [
    ("p1", "s1", "2025-01-01", "self", "started", "2025-01-03", "mental_health", 1),
    ("p2", "s1", "2025-01-02", "self", "started", "2025-01-07", "mental_health", 2),
    ("p3", "s1", "2025-01-05", "gp", "started", "2025-01-15", "diabetes", 5),
    ("p4", "s1", "2025-01-10", "gp", "started", "2025-02-09", None, None),
    ("p5", "s2", "2025-01-10", "secondary_care", "started", "2025-03-11", "mental_health", None),
    ("p6", "s2", "2025-02-01", "gp", "declined", None, "mental_health", 1),
    ("p7", "s2", "2025-02-15", "self", "no_contact", None, "mental_health", 3),
    ("p8", "s2", "2025-03-01", "gp", "waiting", None, "mental_health", 10),
    ("p9", "s1", "2025-03-21", "self", "waiting", None, "mental_health", 4),
    ("p10", "s1", "2025-03-10", "secondary_care", "started", "2025-04-10", "mental_health", 6),
    ("p11", "s1", "2025-04-05", "self", "started", "2025-04-06", "mental_health", 1),
    ("p1", "s1", "2025-03-01", "self", "not_suitable", "2025-03-05", "mental_health", 1),
]
ENGAGEMENTS = [
    ("p1", "s1", "2025-01-10", 6, "completed"),
    ("p2", "s1", "2025-01-14", 0, "disengaged"),
    ("p3", "s1", "2024-12-01", 5, "completed"),
    ("p3", "s1", "2025-01-20", 3, "ongoing"),
    ("p4", "s1", "2025-02-10", 8, "completed"),
    ("p5", "s2", "2025-03-15", 2, "disengaged"),
    ("p10", "s1", "2025-04-15", 1, "ongoing"),
]
MODELS = {"s1": "volunteer_peers", "s2": "paid_peer_workers"}


def referral_records() -> list[dict[str, Any]]:
    columns = (
        "participant_key",
        "service_id",
        "referral_date",
        "referral_route",
        "uptake",
        "first_contact_date",
        "primary_condition",
        "deprivation_decile",
    )
    rows: list[dict[str, Any]] = [dict(zip(columns, r, strict=True)) for r in REFERRALS]
    for row in rows:
        for field in ("referral_date", "first_contact_date"):
            row[field] = None if row[field] is None else D(row[field])
    return rows


def engagement_records() -> list[dict[str, Any]]:
    columns = ("participant_key", "service_id", "start_date", "sessions_attended", "end_reason")
    rows: list[dict[str, Any]] = [dict(zip(columns, e, strict=True)) for e in ENGAGEMENTS]
    for row in rows:
        row["start_date"] = D(row["start_date"])
    return rows


PARTICIPANTS = [
    {
        "participant_key": "p4",
        "service_id": "s1",
        "primary_condition": "cancer",
        "deprivation_decile": 9,
    }
]


def status() -> pd.DataFrame:
    frame, as_of = referral_status(
        pd.DataFrame(referral_records()),
        pd.DataFrame(engagement_records()),
        pd.DataFrame(PARTICIPANTS),
        MODELS,
        as_of=AS_OF,
    )
    assert as_of == AS_OF
    return frame


def rows_by(rows: list[AccessRow]) -> dict[tuple[str, str], AccessRow]:
    return {(r.breakdown, r.group): r for r in rows}


@pytest.mark.parametrize(
    ("decile", "quintile"),
    [
        (1, "Q1"),
        (2, "Q1"),
        (3, "Q2"),
        (6, "Q3"),
        (8, "Q4"),
        (9, "Q5"),
        (10, "Q5"),
        (None, "not_recorded"),
    ],
)
def test_deprivation_quintile(decile: int | None, quintile: str) -> None:
    assert deprivation_quintile(decile) == quintile


def test_wait_summary_matches_numpy() -> None:
    waits = [0, 3, 3, 7, 8, 12, 15, 21, 40, 41, 90]
    median, p90 = wait_summary(waits)
    assert median == np.median(waits) == 12
    # Nearest rank: ceil(0.9 × 11) = 10th value = 41.
    assert p90 == np.percentile(waits, 90, method="inverted_cdf") == 41
    assert wait_summary([]) == (None, None)


def test_overall_row_by_hand() -> None:
    rows = rows_by(access_rows(status(), period="all", as_of=AS_OF, min_n=1, with_networks=False))
    overall = rows[("all", "all")]
    assert overall.as_of == "2025-03-31"
    assert (overall.n_referred, overall.n_contacted, overall.n_waiting) == (11, 6, 3)
    assert (overall.median_wait_days, overall.p90_wait_days) == (7.5, 60)
    assert (overall.median_waiting_days, overall.p90_waiting_days) == (21, 30)
    assert (overall.n_started, overall.n_attended, overall.n_completed) == (5, 4, 2)
    assert overall.share_started == pytest.approx(5 / 11)
    assert overall.share_attended == pytest.approx(4 / 11)
    assert overall.share_completed == pytest.approx(2 / 11)


def test_breakdowns_by_hand() -> None:
    rows = rows_by(access_rows(status(), period="all", as_of=AS_OF, min_n=1, with_networks=False))
    # self: r1, r2, r7, r9, r12; waits 2, 5, 4 → median 4, p90 3rd = 5; r9 waiting 10.
    own = rows[("route", "self")]
    assert (own.n_referred, own.n_contacted, own.median_wait_days, own.p90_wait_days) == (
        5,
        3,
        4,
        5,
    )
    assert (own.n_waiting, own.median_waiting_days) == (1, 10)
    assert (own.n_started, own.n_attended, own.n_completed) == (2, 1, 1)
    # gp: r3, r4, r6, r8; waits 10, 30 → median 20, p90 2nd = 30.
    gp = rows[("route", "gp")]
    assert (gp.n_referred, gp.n_contacted, gp.median_wait_days, gp.p90_wait_days) == (4, 2, 20, 30)
    assert (gp.n_started, gp.n_attended, gp.n_completed, gp.n_waiting) == (2, 2, 1, 1)
    secondary = rows[("route", "secondary_care")]
    assert (secondary.n_referred, secondary.median_wait_days, secondary.n_waiting) == (2, 60, 1)
    assert (secondary.n_started, secondary.n_attended, secondary.n_completed) == (1, 1, 0)
    # Quintiles: Q1 r1 r2 r6 r12; Q2 r7 r9; Q3 r3 r10; Q5 r4 (participant) r8; r5 none.
    quintiles = {g: rows[("deprivation_quintile", g)].n_referred for g in ("Q1", "Q2", "Q3", "Q5")}
    assert quintiles == {"Q1": 4, "Q2": 2, "Q3": 2, "Q5": 2}
    assert rows[("deprivation_quintile", "not_recorded")].n_referred == 1
    q1 = rows[("deprivation_quintile", "Q1")]
    assert (q1.n_started, q1.n_attended, q1.n_completed) == (2, 1, 1)
    # Condition: r4 takes cancer from its participant record.
    assert rows[("condition", "cancer")].n_completed == 1
    assert rows[("condition", "diabetes")].median_wait_days == 10
    assert rows[("condition", "mental_health")].n_referred == 9
    assert rows[("service_model", "volunteer_peers")].n_referred == 7
    assert rows[("service_model", "paid_peer_workers")].n_referred == 4
    s2 = rows[("service", "s2")]
    assert (s2.service_id, s2.n_started, s2.n_waiting) == ("s2", 1, 1)
    for breakdown in ("route", "condition", "deprivation_quintile", "service_model", "service"):
        parts = [r for (b, _), r in rows.items() if b == breakdown]
        assert sum(r.n_referred or 0 for r in parts) == 11


def test_each_group_row_is_the_overall_row_of_its_referrals() -> None:
    # Groups are cut as array positions (a national pool has thousands of services):
    # each group's row must equal the overall row of a frame holding only its referrals.
    frame = status()
    rows = access_rows(frame, period="all", as_of=AS_OF, min_n=2, with_networks=False)
    checked = 0
    for row in rows[1:]:
        column = {"route": "referral_route", "condition": "condition",
                  "deprivation_quintile": "quintile", "service_model": "service_model",
                  "service": "service_id"}[row.breakdown]  # fmt: skip
        part = frame[frame[column].astype(str) == row.group].reset_index(drop=True)
        alone = access_rows(part, period="all", as_of=AS_OF, min_n=2, with_networks=False)[0]
        expected = alone.to_dict() | {"breakdown": row.breakdown, "group": row.group,
                                      "service_id": row.service_id}  # fmt: skip
        assert row.to_dict() == expected
        checked += 1
    assert checked == len(rows) - 1 > 10


def test_reasons_by_hand() -> None:
    reasons = {r.uptake: r.n for r in reason_rows(status(), period="all")}
    assert reasons == {"declined": 1, "no_contact": 1, "not_suitable": 1, "waiting": 3, "Total": 6}


def test_statistics_below_min_n_are_withheld_not_dropped() -> None:
    rows = rows_by(access_rows(status(), period="all", as_of=AS_OF, min_n=10, with_networks=False))
    overall = rows[("all", "all")]
    assert overall.median_wait_days is None and overall.n_contacted == 6
    assert overall.suppressed["median_wait_days"] == "below-min-n"
    assert overall.suppressed["p90_waiting_days"] == "below-min-n"
    assert overall.n_waiting == 3  # the censored waits are still counted


def test_default_as_of_is_latest_date_in_referrals() -> None:
    _, as_of = referral_status(
        pd.DataFrame(referral_records()),
        pd.DataFrame(engagement_records()),
        pd.DataFrame(PARTICIPANTS),
        MODELS,
    )
    assert as_of == D("2025-04-10")  # r10's first contact, after r11's referral (04-05)


def test_networks_group_services() -> None:
    frame, _ = referral_status(
        pd.DataFrame(referral_records()),
        pd.DataFrame(engagement_records()),
        pd.DataFrame(PARTICIPANTS),
        MODELS,
        as_of=AS_OF,
        networks={"s1": "north"},
    )
    rows = rows_by(access_rows(frame, period="all", as_of=AS_OF, min_n=1, with_networks=True))
    assert rows[("network", "north")].n_referred == 7
    assert rows[("network", "not_recorded")].n_referred == 4


def engine_tables() -> dict[str, Any]:
    """The fixture as standard Arrow tables, beside the tiny benchmark's outcomes."""
    import pyarrow as pa

    from peerbench.io.tabular import conform
    from tests.benchmarking.conftest import tiny_tables

    tables = tiny_tables()
    services = tables["service"].to_pylist()
    for service in services:
        service["facilitator_model"] = MODELS.get(service["service_id"], "mixed")
    participant = {
        **PARTICIPANTS[0],
        "age_band": "35-44",
        "sex": "female",
        "consent_research": True,
    }
    return {
        **tables,
        "service": conform(pa.Table.from_pylist(services), "service"),
        "referral": conform(pa.Table.from_pylist(referral_records()), "referral"),
        "engagement": conform(pa.Table.from_pylist(engagement_records()), "engagement"),
        "participant": conform(pa.Table.from_pylist([participant]), "participant"),
    }


def test_engine_computes_controls_and_round_trips() -> None:
    from peerbench.aggregate import BenchmarkSource
    from peerbench.benchmarking import BenchmarkOptions, BenchmarkResult, compute, controlled

    options = BenchmarkOptions(as_of=AS_OF, min_n=1)
    raw = compute(BenchmarkSource.from_tables(engine_tables()), options)
    rows = rows_by(list(raw.access))
    overall = rows[("all", "all")]
    assert (overall.period, overall.n_referred, overall.n_started, overall.n_completed) == (
        "all",
        11,
        5,
        2,
    )
    assert rows[("condition", "cancer")].n_referred == 1  # from the participant record
    assert {r.uptake: r.n for r in raw.access_reasons}["waiting"] == 3
    # Public: 11 referred → 10; 5 started, 4 attended, 2 completed are small counts.
    public = controlled(raw)
    shown = rows_by(list(public.access))[("all", "all")]
    assert shown.n_referred == 10
    assert shown.n_started is None and shown.suppressed["n_started"] == "small-count"
    assert shown.median_wait_days is None  # 6 waits < policy min_n 10
    # The owner of every service sees its own figures unrounded.
    owner = controlled(raw, viewer_organisation_id="org-a")
    own = rows_by(list(owner.access))[("service", "s1")]
    assert own.n_referred == 7
    again = BenchmarkResult.from_dict(public.to_dict())
    assert again.access == public.access and again.access_reasons == public.access_reasons
    tables = public.tables()
    assert tables["access"].num_rows == len(public.access)
    assert tables["access"].column_names[:3] == ["breakdown", "group", "period"]


def test_engine_without_referrals_publishes_no_access_rows() -> None:
    from peerbench.aggregate import BenchmarkSource
    from peerbench.benchmarking import compute
    from tests.benchmarking.conftest import tiny_tables

    raw = compute(BenchmarkSource.from_tables(tiny_tables()))
    assert raw.access == () and raw.access_reasons == ()


def test_engine_one_period_reads_that_quarters_referrals() -> None:
    from peerbench.aggregate import BenchmarkSource
    from peerbench.benchmarking import BenchmarkOptions, compute

    # 2025-Q2 holds r11 only (referred 04-05, first contact 04-06); with no as_of the
    # day is the latest date of the referrals read: 04-06.
    options = BenchmarkOptions(period="2025-Q2", min_n=1)
    raw = compute(BenchmarkSource.from_tables(engine_tables()), options)
    overall = rows_by(list(raw.access))[("all", "all")]
    assert (overall.period, overall.as_of) == ("2025-Q2", "2025-04-06")
    assert (overall.n_referred, overall.n_started, overall.median_wait_days) == (1, 1, 1)


def test_median_and_p90_from_one_sort_equal_numpy() -> None:
    from peerbench.benchmarking.access import _median_p90

    rng = np.random.default_rng(0)
    for n in [*range(1, 120), 1000, 4097]:
        for values in (rng.integers(0, 400, n).astype(float), rng.normal(0, 50, n)):
            want = (
                float(np.median(values)),
                float(np.percentile(values, 90, method="inverted_cdf")),
            )
            assert _median_p90(values) == want
    assert _median_p90(np.array([])) == (None, None)
