"""The workforce pillar: retention, support coverage, worker wellbeing, practice (SPEC §12).

Functions over plain tables (``peer_workers`` and scored worker outcomes as pandas
frames), so the CLI, the API and the reports read the same figures. Definitions (every
date compared with ``as_of``, the day the figures are measured at):

* **In post** at a day D: ``start_date <= D`` and (no ``end_date`` or ``end_date > D``);
  the end date is the last day in the role, so a worker whose role ends on D is not
  in post on D. A worker with two overlapping periods at one service counts once (the
  period that started last).
* **Retention at h months** (h = 6, 12), a cohort rule over worker periods: the base is
  every period with ``start_date + h months <= as_of`` (calendar months; the 31st
  becomes the month's last day); retained = in post on ``start_date + h months``.
* **Supervised**: of workers in post, those with ``supervision_frequency`` weekly,
  fortnightly or monthly and ``supervision_type`` not ``none`` (a missing type with a
  regular frequency counts as supervised). **Trained**: of workers in post,
  ``training_status = completed``. **Accredited**: of workers in post with training
  completed, ``training_accredited`` true.
* **Worker wellbeing**: per worker × service × instrument, the earliest scored
  ``baseline`` and the latest scored follow-up (``month_3``, ``month_6``,
  ``month_12``, ``end``) on or before ``as_of`` (ties: record id); change oriented by
  the instrument's direction; mean with a 95% t interval.
* **End reasons**: periods with an ``end_date`` on or before ``as_of``, grouped
  (:data:`END_GROUPS`); network totals only.
* **Practice** (what works): per service with workers in post, ``regular_supervision``
  (at least 3 in 4 supervised at least monthly), ``accredited_training`` (at least half
  of those trained accredited; nobody trained is "no") and ``paid_led`` (at least half
  paid or sessional), each ``yes`` or ``no``; a service without workers in post has
  none (not recorded, not a level).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from peerbench.benchmarking.outcome_stats import BELOW_MIN_N
from peerbench.benchmarking.workforce_rows import (
    ALL,
    END_GROUP_ORDER,
    MEASURES,
    NOT_RECORDED,
    PRACTICE,
    ROLES,
    WorkerEndReasonRow,
    WorkerWellbeingRow,
    WorkforceRow,
)
from peerbench.stats import dist

HORIZONS = {"retained_6m": 6, "retained_12m": 12}
LEVELS = ("all", "facilitator_model", "service")
REGULAR_FREQUENCIES = frozenset({"weekly", "fortnightly", "monthly"})
FOLLOW_UPS = frozenset({"month_3", "month_6", "month_12", "end"})
END_GROUPS: Mapping[str, str] = {
    "new_role": "moved_on",
    "own_health": "own_health_or_role_strain",
    "role_strain": "own_health_or_role_strain",
    "funding_ended": "funding",
    "personal": "other",
    "asked_to_leave": "other",
    "other": "other",
}
"""``worker_end_reason`` → published group (own-health reasons never on their own)."""
REGULAR_SHARE = 0.75
ACCREDITED_SHARE = 0.5
PAID_SHARE = 0.5


@dataclasses.dataclass(frozen=True)
class WorkforceSections:
    """Everything the workforce pillar adds to a result.

    Attributes:
        rows: Retention and support coverage rows (every level).
        wellbeing: Worker wellbeing change rows.
        end_reasons: End reason rows (network totals).
        practice: Service id → derived practice attributes (``yes``/``no``).
        as_of: The day measured at (None: no worker records).
    """

    rows: tuple[WorkforceRow, ...] = ()
    wellbeing: tuple[WorkerWellbeingRow, ...] = ()
    end_reasons: tuple[WorkerEndReasonRow, ...] = ()
    practice: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    as_of: dt.date | None = None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months (a day past the month's end becomes its last)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _dates(column: pd.Series) -> pd.Series:
    return pd.Series([_date(v) for v in column], index=column.index, dtype=object)


def _date(value: Any) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def default_as_of(workers: pd.DataFrame, scores: pd.DataFrame | None = None) -> dt.date | None:
    """The latest start, end or worker-questionnaire date (None: no records)."""
    found: list[dt.date] = []
    for frame, columns in ((workers, ("start_date", "end_date")), (scores, ("date_administered",))):
        if frame is None or frame.empty:
            continue
        for column in columns:
            found += [d for d in _dates(frame[column]) if d is not None]
    return max(found) if found else None


def worker_flags(workers: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """One row per worker period started by ``as_of``: ``base_<measure>``/``yes_<measure>``."""
    frame = workers.copy()
    frame["start"] = _dates(frame["start_date"])
    frame["end"] = _dates(frame["end_date"])
    frame = frame[frame["start"].map(lambda d: d is not None and d <= as_of)].copy()
    frame = frame.sort_values(["service_id", "worker_key", "start"], kind="stable")

    def in_post_on(day: dt.date | None, end: dt.date | None) -> bool:
        return day is not None and (end is None or end > day)

    for measure, months in HORIZONS.items():
        anniversary = [add_months(s, months) for s in frame["start"]]
        frame[f"base_{measure}"] = [a <= as_of for a in anniversary]
        frame[f"yes_{measure}"] = [
            in_post_on(a, e) for a, e in zip(anniversary, frame["end"], strict=True)
        ]
    in_post = np.array([in_post_on(as_of, e) for e in frame["end"]], dtype=bool)
    # One period per worker and service: of those in post, the one that started last.
    chosen = _last_true(frame, in_post)
    supervised = frame["supervision_frequency"].isin(REGULAR_FREQUENCIES) & (
        frame["supervision_type"].fillna("") != "none"
    )
    trained = frame["training_status"].eq("completed").to_numpy()
    accredited = frame["training_accredited"].eq(True).to_numpy()
    frame["base_supervised"] = chosen
    frame["yes_supervised"] = chosen & supervised.to_numpy()
    frame["base_trained"] = chosen
    frame["yes_trained"] = chosen & trained
    frame["base_accredited"] = chosen & trained
    frame["yes_accredited"] = chosen & trained & accredited
    return frame


def _last_true(frame: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """Of the rows in ``mask``, the last per worker and service (frame is sorted)."""
    picked = frame.loc[mask, ["service_id", "worker_key"]]
    keep = ~picked.duplicated(keep="last")
    out = np.zeros(len(frame), dtype=bool)
    positions = np.flatnonzero(mask)[keep.to_numpy()]
    out[positions] = True
    return out


def _group_of(level: str, service_id: str, models: Mapping[str, str | None]) -> str:
    if level == "all":
        return ALL
    if level == "service":
        return service_id
    return models.get(service_id) or NOT_RECORDED


def _counts(flags: pd.DataFrame) -> pd.DataFrame:
    """Per worker period: ``b_<measure>`` (in the base) and ``y_<measure>`` (meets it)."""
    out = pd.DataFrame(
        {"service_id": flags["service_id"].astype(str), "role": flags["role"].astype(str)}
    )
    for measure in MEASURES:
        base = flags[f"base_{measure}"].to_numpy(dtype=bool)
        out[f"b_{measure}"] = base.astype(np.int64)
        out[f"y_{measure}"] = (base & flags[f"yes_{measure}"].to_numpy(dtype=bool)).astype(np.int64)
    return out


def _row(
    level: str,
    group: str,
    measure: str,
    role: str,
    totals: Mapping[str, Any],
    as_of: str,
    min_n: int,
) -> WorkforceRow | None:
    n_base, n_yes = int(totals[f"b_{measure}"]), int(totals[f"y_{measure}"])
    if n_base == 0:
        return None
    share: float | None = n_yes / n_base
    suppressed = {}
    if n_base < min_n:
        share, suppressed = None, {"share": BELOW_MIN_N}
    return WorkforceRow(
        level=level, group=group, measure=measure, role=role, as_of=as_of, n_base=n_base,
        n_yes=n_yes, n_no=n_base - n_yes, share=share, suppressed=suppressed,
    )  # fmt: skip


def workforce_rows(
    flags: pd.DataFrame, models: Mapping[str, str | None], as_of: dt.date, min_n: int
) -> list[WorkforceRow]:
    """Counts and shares of every measure, per level × group × role (and role ``all``).

    Rows are ordered by level (:data:`LEVELS`), group, measure (:data:`MEASURES`) and
    role (``all`` first); a role with no worker period in a measure's base has no row.
    """
    counts = _counts(flags)
    columns = [c for c in counts.columns if c[:2] in ("b_", "y_")]
    day = as_of.isoformat()
    rows: list[WorkforceRow] = []
    for level in LEVELS:
        services = counts["service_id"].to_numpy(dtype=object)
        names = {s: _group_of(level, s, models) for s in set(services)}
        group = pd.Series([names[s] for s in services], index=counts.index, name="group")
        whole: dict[Any, dict[str, Any]] = (
            counts[columns].groupby(group, sort=True).sum().to_dict("index")  # type: ignore[assignment]
        )
        by_role: dict[Any, dict[str, Any]] = (
            counts[columns].groupby([group, counts["role"]]).sum().to_dict("index")  # type: ignore[assignment]
        )
        for name in sorted(str(g) for g in whole):
            for measure in MEASURES:
                for role in (ALL, *ROLES):
                    totals = whole[name] if role == ALL else by_role.get((name, role))
                    if totals is None:
                        continue
                    row = _row(level, str(name), measure, role, totals, day, min_n)
                    if row is not None:
                        rows.append(row)
    return rows


def service_practice(flags: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Service id → ``regular_supervision``/``accredited_training``/``paid_led`` (yes/no)."""
    in_post = flags["base_supervised"].to_numpy(dtype=bool)
    chosen = pd.DataFrame(
        {
            "service_id": flags["service_id"].astype(str).to_numpy()[in_post],
            "n": 1,
            "supervised": flags["yes_supervised"].to_numpy(dtype=bool)[in_post],
            "trained": flags["base_accredited"].to_numpy(dtype=bool)[in_post],
            "accredited": flags["yes_accredited"].to_numpy(dtype=bool)[in_post],
            "paid": flags["role"].isin(("paid", "sessional")).to_numpy(dtype=bool)[in_post],
        }
    )
    sums = chosen.groupby("service_id", sort=True).sum()
    n, trained = sums["n"].to_numpy(), sums["trained"].to_numpy()
    flags_by = {
        "regular_supervision": sums["supervised"].to_numpy() >= REGULAR_SHARE * n,
        "accredited_training": (trained > 0)
        & (sums["accredited"].to_numpy() >= ACCREDITED_SHARE * trained),
        "paid_led": sums["paid"].to_numpy() >= PAID_SHARE * n,
    }
    words = {name: np.where(flag, "yes", "no") for name, flag in flags_by.items()}
    return {
        str(service): {name: str(words[name][i]) for name in PRACTICE}
        for i, service in enumerate(sums.index)
    }


def end_reason_rows(workers: pd.DataFrame, as_of: dt.date) -> list[WorkerEndReasonRow]:
    """Ended periods by grouped reason, and their total (network only)."""
    ends = _dates(workers["end_date"])
    ended = workers[ends.map(lambda d: d is not None and d <= as_of)]
    groups = ended["end_reason"].map(lambda r: END_GROUPS.get(str(r), "other"))
    counts = groups.value_counts()
    day = as_of.isoformat()
    rows = [
        WorkerEndReasonRow(reason_group=g, as_of=day, n_ended=int(counts.get(g, 0)))
        for g in END_GROUP_ORDER
    ]
    return [*rows, WorkerEndReasonRow(reason_group=ALL, as_of=day, n_ended=len(ended))]


def worker_pairs(
    scores: pd.DataFrame, directions: Mapping[str, int], as_of: dt.date
) -> pd.DataFrame:
    """Per worker × service × instrument: baseline, latest follow-up and oriented change."""
    columns = ["participant_key", "service_id", "instrument", "baseline", "change"]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    frame = scores[scores["instrument"].isin(list(directions))].copy()
    if frame.empty:  # e.g. another instrument asked for: no pairs (and no boolean mask)
        return pd.DataFrame(columns=columns)
    frame["day"] = _dates(frame["date_administered"])
    frame = frame[frame["day"].map(lambda d: d is not None and d <= as_of).astype(bool)]
    frame = frame.sort_values(["day", "record_id"], kind="stable")
    keys = ["participant_key", "service_id", "instrument"]
    first = frame[frame["timepoint"] == "baseline"].drop_duplicates(keys, keep="first")
    last = frame[frame["timepoint"].isin(FOLLOW_UPS)].drop_duplicates(keys, keep="last")
    pairs = first[[*keys, "score"]].merge(last[[*keys, "score"]], on=keys, suffixes=("_b", "_f"))
    sign = pairs["instrument"].map(directions).astype(float)
    pairs["baseline"] = pairs["score_b"]
    pairs["change"] = (pairs["score_f"] - pairs["score_b"]) * sign
    return pairs[columns].sort_values(keys, kind="stable").reset_index(drop=True)


def mean_interval(values: Sequence[float]) -> tuple[float, float, float, float]:
    """Mean, SD (n - 1) and 95% t interval of ``values`` (n >= 2)."""
    array = np.asarray(values, dtype=np.float64)
    n = len(array)
    mean, sd = float(array.mean()), float(array.std(ddof=1))
    half = float(dist.t_ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def wellbeing_rows(
    pairs: pd.DataFrame, roles: Mapping[tuple[str, str], str], as_of: dt.date, min_n: int
) -> list[WorkerWellbeingRow]:
    """Mean change per instrument, overall and by role; statistics need ``min_n`` pairs."""
    role = [
        roles.get((k, s))
        for k, s in zip(pairs["participant_key"], pairs["service_id"], strict=True)
    ]
    frame = pairs.assign(role=pd.Series(role, index=pairs.index, dtype=object))
    rows: list[WorkerWellbeingRow] = []
    for instrument, group in frame.groupby("instrument", sort=True):
        for name in (ALL, *ROLES):
            chosen = group if name == ALL else group[group["role"] == name]
            n = len(chosen)
            if n == 0:
                continue
            values: dict[str, Any] = {}
            suppressed: dict[str, str] = {}
            fields = ("mean_baseline", "mean_change", "sd_change", "ci_low", "ci_high")
            if n >= max(min_n, 2):
                mean, sd, low, high = mean_interval(chosen["change"].tolist())
                values = dict(
                    zip(
                        fields, (float(chosen["baseline"].mean()), mean, sd, low, high), strict=True
                    )
                )
            else:
                suppressed = dict.fromkeys(fields, BELOW_MIN_N)
            rows.append(
                WorkerWellbeingRow(
                    instrument=str(instrument),
                    role=name,
                    as_of=as_of.isoformat(),
                    n_paired=n,
                    suppressed=suppressed,
                    **values,
                )
            )
    return rows


def worker_roles(workers: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(worker key, service) → role of the worker's latest period there."""
    frame = workers.assign(start=_dates(workers["start_date"]))
    frame = frame.sort_values(["start"], kind="stable")
    return {
        (str(k), str(s)): str(r)
        for k, s, r in zip(frame["worker_key"], frame["service_id"], frame["role"], strict=True)
    }
