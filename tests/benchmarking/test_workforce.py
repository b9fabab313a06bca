"""Workforce metrics against hand calculations on a small fixture (SPEC §12 "Workforce").

Fixture (as_of 2025-12-31); S1 is volunteer-led, S2 paid. Per worker period:

=====  ===  =========  ==========  ==========  =======  ==========================
key    svc  role       start       end         6m ret.  12m ret.
=====  ===  =========  ==========  ==========  =======  ==========================
w1     S1   volunteer  2024-01-15  2024-05-10  no       no          (own_health)
w2     S1   volunteer  2024-03-01  2024-12-20  yes      no          (new_role)
w3     S1   volunteer  2025-02-01  -           yes      not eligible (2026-02-01)
w4     S1   volunteer  2025-09-01  -           not eligible
w5     S2   paid       2024-06-30  2024-12-31  yes (anniversary 12-30)  no  (role_strain)
w6     S2   paid       2022-01-01  2022-12-31  yes      no (anniversary 2023-01-01)  (personal)
w6     S2   paid       2023-08-31  -           yes (anniversary 2024-02-29)  yes
w7     S2   paid       2025-01-10  2025-07-10  no: ends ON its anniversary   (funding_ended)
w8     S2   sessional  2024-11-01  -           yes      yes
w8     S2   paid       2025-06-01  -           yes (2025-12-01)  not eligible
w9     S2   paid       2025-12-31  -           not eligible (in post: starts on as_of)
w10    S2   paid       2026-01-05  -           after as_of: left out
=====  ===  =========  ==========  ==========  =======  ==========================

Retention 6m: base 9 (w1 w2 w3 w5 w6a w6b w7 w8s w8p), retained 7 (all but w1, w7);
volunteer 2 of 3, paid 4 of 5, sessional 1 of 1.
Retention 12m: base 6 (w1 w2 w5 w6a w6b w8s), retained 2 (w6 2023, w8 sessional);
volunteer 0 of 2, paid 1 of 3, sessional 1 of 1.
In post on 2025-12-31: w3, w4, w6, w8 (both periods in post: counted once, as the
later paid period), w9 = 5. Supervised at least monthly: w3 (group monthly), w6
(one-to-one weekly), w8 (one-to-one monthly), w9 (both fortnightly) = 4 of 5; not w4
(less often). Trained: w3, w6, w8 = 3 of 5. Accredited of trained: w6, w8 = 2 of 3.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from peerbench.benchmarking.rows import ServiceInfo
from peerbench.benchmarking.workforce import (
    add_months,
    default_as_of,
    end_reason_rows,
    mean_interval,
    service_practice,
    worker_flags,
    worker_pairs,
    worker_roles,
    workforce_rows,
)
from peerbench.benchmarking.workforce_rows import WorkforceRow
from peerbench.benchmarking.workforce_source import workforce_sections

AS_OF = dt.date(2025, 12, 31)
D = dt.date.fromisoformat

_COLUMNS = [
    "worker_key",
    "service_id",
    "role",
    "start_date",
    "end_date",
    "end_reason",
    "training_status",
    "training_accredited",
    "supervision_type",
    "supervision_frequency",
]
_ROWS = [
    (
        "w1",
        "S1",
        "volunteer",
        "2024-01-15",
        "2024-05-10",
        "own_health",
        "none",
        None,
        "none",
        "none",
    ),
    (
        "w2",
        "S1",
        "volunteer",
        "2024-03-01",
        "2024-12-20",
        "new_role",
        "completed",
        True,
        "group",
        "monthly",
    ),
    (
        "w3",
        "S1",
        "volunteer",
        "2025-02-01",
        None,
        "ongoing",
        "completed",
        False,
        "group",
        "monthly",
    ),
    (
        "w4",
        "S1",
        "volunteer",
        "2025-09-01",
        None,
        "ongoing",
        "in_progress",
        None,
        "group",
        "less_often",
    ),
    (
        "w5",
        "S2",
        "paid",
        "2024-06-30",
        "2024-12-31",
        "role_strain",
        "completed",
        True,
        "one_to_one",
        "weekly",
    ),
    (
        "w6",
        "S2",
        "paid",
        "2022-01-01",
        "2022-12-31",
        "personal",
        "completed",
        True,
        "one_to_one",
        "weekly",
    ),
    ("w6", "S2", "paid", "2023-08-31", None, "ongoing", "completed", True, "one_to_one", "weekly"),
    (
        "w7",
        "S2",
        "paid",
        "2025-01-10",
        "2025-07-10",
        "funding_ended",
        "none",
        None,
        "group",
        "monthly",
    ),
    ("w8", "S2", "sessional", "2024-11-01", None, "ongoing", "completed", None, "none", "monthly"),
    ("w8", "S2", "paid", "2025-06-01", None, "ongoing", "completed", True, "one_to_one", "monthly"),
    ("w9", "S2", "paid", "2025-12-31", None, "ongoing", "none", None, "both", "fortnightly"),
    ("w10", "S2", "paid", "2026-01-05", None, "ongoing", "none", None, "none", "none"),
]


def workers() -> pd.DataFrame:
    frame = pd.DataFrame(_ROWS, columns=_COLUMNS)
    for column in ("start_date", "end_date"):
        frame[column] = [D(v) if isinstance(v, str) else None for v in frame[column]]
    return frame


SERVICES = (
    ServiceInfo(service_id="S1", organisation_id="A", facilitator_model="volunteer_peers"),
    ServiceInfo(service_id="S2", organisation_id="B", facilitator_model="paid_peer_workers"),
)
MODELS = {s.service_id: s.facilitator_model for s in SERVICES}


def _table(
    rows: list[WorkforceRow], level: str = "all", group: str = "all"
) -> dict[tuple[str, str], tuple[int | None, ...]]:
    return {
        (r.measure, r.role): (r.n_base, r.n_yes, r.n_no)
        for r in rows
        if r.level == level and r.group == group
    }


def test_add_months_clips_to_month_end() -> None:
    assert add_months(D("2023-08-31"), 6) == D("2024-02-29")
    assert add_months(D("2024-06-30"), 6) == D("2024-12-30")
    assert add_months(D("2025-11-15"), 12) == D("2026-11-15")
    assert add_months(D("2025-07-31"), 6) == D("2026-01-31")


def test_retention_and_coverage_match_the_hand_count() -> None:
    rows = workforce_rows(worker_flags(workers(), AS_OF), MODELS, AS_OF, min_n=1)
    got = _table(rows)
    assert got[("retained_6m", "all")] == (9, 7, 2)
    assert got[("retained_6m", "volunteer")] == (3, 2, 1)
    assert got[("retained_6m", "paid")] == (5, 4, 1)
    assert got[("retained_6m", "sessional")] == (1, 1, 0)
    assert got[("retained_12m", "all")] == (6, 2, 4)
    assert got[("retained_12m", "volunteer")] == (2, 0, 2)
    assert got[("retained_12m", "paid")] == (3, 1, 2)
    assert got[("retained_12m", "sessional")] == (1, 1, 0)
    assert got[("supervised", "all")] == (5, 4, 1)
    assert got[("supervised", "volunteer")] == (2, 1, 1)
    assert got[("supervised", "paid")] == (3, 3, 0)
    assert ("supervised", "sessional") not in got  # w8's sessional period is superseded
    assert got[("trained", "all")] == (5, 3, 2)
    assert got[("accredited", "all")] == (3, 2, 1)
    assert got[("accredited", "volunteer")] == (1, 0, 1)
    assert got[("accredited", "paid")] == (2, 2, 0)
    share = {(r.measure, r.role): r.share for r in rows if r.level == "all"}
    assert share[("retained_6m", "all")] == pytest.approx(7 / 9)
    assert share[("supervised", "all")] == pytest.approx(0.8)
    # Per model (one service each here) and per service: S1's figures.
    s1 = _table(rows, "service", "S1")
    assert s1 == _table(rows, "facilitator_model", "volunteer_peers")
    assert s1[("retained_6m", "all")] == (3, 2, 1)
    assert s1[("supervised", "all")] == (2, 1, 1)
    assert _table(rows, "service", "S2")[("retained_12m", "all")] == (4, 2, 2)
    assert {r.as_of for r in rows} == {"2025-12-31"}


def test_share_below_min_n_is_withheld_and_counts_kept() -> None:
    rows = workforce_rows(worker_flags(workers(), AS_OF), MODELS, AS_OF, min_n=6)
    by = {(r.level, r.group, r.measure, r.role): r for r in rows}
    small = by[("all", "all", "supervised", "all")]  # base 5 < 6
    assert small.share is None and small.suppressed == {"share": "below-min-n"}
    assert small.n_base == 5
    assert by[("all", "all", "retained_6m", "all")].share == pytest.approx(7 / 9)


def test_a_service_without_a_model_is_not_recorded() -> None:
    rows = workforce_rows(worker_flags(workers(), AS_OF), {"S1": None}, AS_OF, min_n=1)
    groups = {r.group for r in rows if r.level == "facilitator_model"}
    assert groups == {"not_recorded"}


def test_service_practice_attributes() -> None:
    practice = service_practice(worker_flags(workers(), AS_OF))
    # S1: supervised 1 of 2 (< 3 in 4), trained 1 accredited 0, paid 0 of 2.
    assert practice["S1"] == {
        "regular_supervision": "no",
        "accredited_training": "no",
        "paid_led": "no",
    }
    # S2: supervised 3 of 3, accredited 2 of 2 trained, paid 3 of 3.
    assert practice["S2"] == {
        "regular_supervision": "yes",
        "accredited_training": "yes",
        "paid_led": "yes",
    }
    # Nobody in post: not recorded (no attributes at all).
    ended = workers()[workers()["worker_key"].isin(["w1", "w2"])]
    assert service_practice(worker_flags(ended, AS_OF)) == {}


def test_end_reasons_grouped_network_totals() -> None:
    rows = {r.reason_group: r.n_ended for r in end_reason_rows(workers(), AS_OF)}
    # w2 new_role; w1 own_health + w5 role_strain; w7 funding_ended; w6 (2022) personal.
    assert rows == {
        "moved_on": 1,
        "own_health_or_role_strain": 2,
        "funding": 1,
        "other": 1,
        "all": 5,
    }
    # Measured at an earlier day: only w1 (2024-05-10) had ended, and w6 (2022).
    early = {r.reason_group: r.n_ended for r in end_reason_rows(workers(), D("2024-06-01"))}
    assert early["all"] == 2 and early["own_health_or_role_strain"] == 1


def test_default_as_of_is_the_latest_record_date() -> None:
    assert default_as_of(workers()) == D("2026-01-05")
    scores = pd.DataFrame({"date_administered": [D("2026-02-01")]})
    assert default_as_of(workers(), scores) == D("2026-02-01")
    assert default_as_of(workers().iloc[0:0]) is None


def scores() -> pd.DataFrame:
    """Worker questionnaires. SWEMWBS (higher better), PHQ9 (higher worse).

    w3: baseline 20 → month_6 23: +3.0.  w4: baseline 18 (a later second baseline of 30
    is ignored) → month_3 19.5: +1.5.  w6: baseline 21 → month_6 22, month_12 25
    (latest): +4.0.  w8: month_6 on 2026-01-02 is after as_of: no pair.  w9: follow-up
    without baseline: no pair.  PHQ9 w6: 12 → 8, oriented +4.
    """
    rows = [
        ("r1", "w3", "S1", "SWEMWBS", "baseline", "2025-02-05", 20.0),
        ("r2", "w3", "S1", "SWEMWBS", "month_6", "2025-08-05", 23.0),
        ("r3", "w4", "S1", "SWEMWBS", "baseline", "2025-09-02", 18.0),
        ("r4", "w4", "S1", "SWEMWBS", "baseline", "2025-09-10", 30.0),
        ("r5", "w4", "S1", "SWEMWBS", "month_3", "2025-12-01", 19.5),
        ("r6", "w6", "S2", "SWEMWBS", "baseline", "2024-01-01", 21.0),
        ("r7", "w6", "S2", "SWEMWBS", "month_6", "2024-07-01", 22.0),
        ("r8", "w6", "S2", "SWEMWBS", "month_12", "2025-01-01", 25.0),
        ("r9", "w8", "S2", "SWEMWBS", "baseline", "2025-06-02", 24.0),
        ("r10", "w8", "S2", "SWEMWBS", "month_6", "2026-01-02", 26.0),
        ("r11", "w9", "S2", "SWEMWBS", "month_6", "2025-12-20", 26.0),
        ("r12", "w6", "S2", "PHQ9", "baseline", "2024-01-01", 12.0),
        ("r13", "w6", "S2", "PHQ9", "month_6", "2024-07-01", 8.0),
    ]
    columns = "record_id participant_key service_id instrument timepoint date_administered score"
    frame = pd.DataFrame(rows, columns=columns.split())
    frame["date_administered"] = [D(v) for v in frame["date_administered"]]
    return frame


DIRECTIONS = {"SWEMWBS": 1, "PHQ9": -1}


def test_worker_pairs_baseline_to_latest_follow_up() -> None:
    pairs = worker_pairs(scores(), DIRECTIONS, AS_OF)
    got = {
        (k, i): (b, c)
        for k, i, b, c in pairs[["participant_key", "instrument", "baseline", "change"]].itertuples(
            index=False
        )
    }
    assert got == {
        ("w3", "SWEMWBS"): (20.0, 3.0),
        ("w4", "SWEMWBS"): (18.0, 1.5),
        ("w6", "SWEMWBS"): (21.0, 4.0),
        ("w6", "PHQ9"): (12.0, 4.0),
    }


def test_wellbeing_change_matches_scipy() -> None:
    sections = workforce_sections(workers(), scores(), SERVICES, DIRECTIONS, as_of=AS_OF, min_n=2)
    rows = {(r.instrument, r.role): r for r in sections.wellbeing}
    overall = rows[("SWEMWBS", "all")]
    # Changes 3.0, 1.5, 4.0: mean 8.5/3 = 2.8333; SD sqrt(3.16667/2) = 1.25831;
    # t(0.975, 2) = 4.302653; half-width 4.302653 * 1.25831 / sqrt(3) = 3.12580.
    assert overall.n_paired == 3
    assert overall.mean_change == pytest.approx(2.833333, abs=1e-6)
    assert overall.sd_change == pytest.approx(1.258306, abs=1e-6)
    assert overall.ci_low == pytest.approx(-0.292468, abs=1e-5)
    assert overall.ci_high == pytest.approx(5.959135, abs=1e-5)
    assert overall.mean_baseline == pytest.approx(59 / 3)
    ref = stats.ttest_1samp([3.0, 1.5, 4.0], 0.0).confidence_interval(0.95)
    assert (overall.ci_low, overall.ci_high) == pytest.approx((ref.low, ref.high))
    volunteer = rows[("SWEMWBS", "volunteer")]  # w3, w4
    assert volunteer.n_paired == 2 and volunteer.mean_change == pytest.approx(2.25)
    paid = rows[("SWEMWBS", "paid")]  # w6 alone: n 1 < 2
    assert paid.n_paired == 1 and paid.mean_change is None
    assert paid.suppressed["mean_change"] == "below-min-n"
    assert rows[("PHQ9", "all")].n_paired == 1


def test_mean_interval_against_numpy_and_scipy() -> None:
    values = [0.5, -1.0, 2.0, 3.5, 1.0, 0.0]
    mean, sd, low, high = mean_interval(values)
    assert mean == pytest.approx(np.mean(values))
    assert sd == pytest.approx(np.std(values, ddof=1))
    ref = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert (low, high) == pytest.approx(ref)


def test_worker_roles_take_the_latest_period() -> None:
    roles = worker_roles(workers())
    assert roles[("w8", "S2")] == "paid"
    assert roles[("w1", "S1")] == "volunteer"


def test_no_workers_gives_empty_sections() -> None:
    empty = workers().iloc[0:0]
    sections = workforce_sections(
        empty, scores().iloc[0:0], SERVICES, DIRECTIONS, as_of=None, min_n=2
    )
    assert sections.rows == () and sections.as_of is None
