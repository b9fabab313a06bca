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
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from peerbench.benchmarking.outcome_stats import BELOW_MIN_N
from peerbench.benchmarking.row_build import build_columns
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
    # Arrow date columns arrive as dt.date or None: those pass as they are (checked by
    # exact type, so a datetime still becomes its date); only other values are converted.
    date = dt.date
    values = [v if v is None or type(v) is date else _date(v) for v in column.tolist()]
    return pd.Series(values, index=column.index, dtype=object)


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
    started = [d is not None and d <= as_of for d in frame["start"].tolist()]
    frame = frame[np.array(started, dtype=bool)].copy()
    frame = frame.sort_values(["service_id", "worker_key", "start"], kind="stable")
    # Compared as day numbers (ordinals): an open-ended period is in post on any day.
    day = as_of.toordinal()
    end_days = [e.toordinal() if e is not None else 0 for e in frame["end"].tolist()]
    ends = np.array(end_days, dtype=np.int64)
    open_ended = np.array([e is None for e in frame["end"].tolist()], dtype=bool)
    starts = frame["start"].tolist()
    for measure, months in HORIZONS.items():
        # Once per distinct start day (thousands of workers start on the same days).
        later = {s: add_months(s, months).toordinal() for s in set(starts)}
        anniversary = np.array([later[s] for s in starts], dtype=np.int64)
        frame[f"base_{measure}"] = anniversary <= day
        frame[f"yes_{measure}"] = open_ended | (ends > anniversary)
    in_post = open_ended | (ends > day)
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


def workforce_rows(
    flags: pd.DataFrame, models: Mapping[str, str | None], as_of: dt.date, min_n: int
) -> list[WorkforceRow]:
    """Counts and shares of every measure, per level × group × role (and role ``all``).

    Rows are ordered by level (:data:`LEVELS`), group, measure (:data:`MEASURES`) and
    role (``all`` first); a role with no worker period in a measure's base has no row.
    """
    counts = _counts(flags)
    base = counts[[f"b_{m}" for m in MEASURES]].to_numpy(dtype=np.int64)
    yes = counts[[f"y_{m}" for m in MEASURES]].to_numpy(dtype=np.int64)
    services = counts["service_id"].tolist()
    # Role column 0 is "all"; a role outside ROLES counts there only.
    slot = {role: k + 1 for k, role in enumerate(ROLES)}
    role_of = np.array([slot.get(r, -1) for r in counts["role"].tolist()], dtype=np.int64)
    has_role = role_of >= 0
    day = as_of.isoformat()
    columns: dict[str, list[Any]] = {k: [] for k in ("level", "group", "measure", "role")}
    counts_of: dict[str, list[int]] = {"n_base": [], "n_yes": []}
    for level in LEVELS:
        names = {s: str(_group_of(level, s, models)) for s in set(services)}
        group, labels = pd.factorize(
            np.array([names[s] for s in services], dtype=object), sort=True
        )
        # Sums per group x role x measure: (groups, 1 + roles, measures).
        shape = (len(labels), 1 + len(ROLES), len(MEASURES))
        n_base, n_yes = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        for totals, values in ((n_base, base), (n_yes, yes)):
            np.add.at(totals[:, 0, :], group, values)
            np.add.at(totals, (group[has_role], role_of[has_role]), values[has_role])
        # Group (sorted), measure, role: the order of the rows; none without a base.
        n_base, n_yes = n_base.transpose(0, 2, 1), n_yes.transpose(0, 2, 1)
        found = np.nonzero(n_base > 0)
        g, m, r = (i.tolist() for i in found)
        columns["level"] += [level] * len(g)
        columns["group"] += labels[found[0]].tolist()
        columns["measure"] += [MEASURES[k] for k in m]
        columns["role"] += [(ALL, *ROLES)[k] for k in r]
        counts_of["n_base"] += n_base[found].tolist()
        counts_of["n_yes"] += n_yes[found].tolist()
    bases, yeses = counts_of["n_base"], counts_of["n_yes"]
    shares: list[float | None] = [
        y / b if b >= min_n else None for b, y in zip(bases, yeses, strict=True)
    ]
    withheld = [{"share": BELOW_MIN_N} if b < min_n else {} for b in bases]
    columns |= {
        "as_of": [day] * len(bases),
        "n_base": bases,
        "n_yes": yeses,
        "n_no": [b - y for b, y in zip(bases, yeses, strict=True)],
        "share": shares,
        "suppressed": withheld,
    }
    return build_columns(WorkforceRow, columns)


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
    ends = _dates(workers["end_date"]).tolist()
    ended = workers[np.array([d is not None and d <= as_of for d in ends], dtype=bool)]
    counts: Counter[str] = Counter()
    for reason, n in Counter(str(r) for r in ended["end_reason"].tolist()).items():
        counts[END_GROUPS.get(reason, "other")] += n
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
    keys, services, roles = (
        [str(v) for v in frame[c].tolist()] for c in ("worker_key", "service_id", "role")
    )
    return {(k, s): r for k, s, r in zip(keys, services, roles, strict=True)}
