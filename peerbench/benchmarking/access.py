"""Access: waiting time from referral to first contact, and the uptake funnel (SPEC §12.y).

Library functions over pandas frames (the engine reads Arrow and converts once):

* :func:`referral_status` — one row per referral with its status at ``as_of``: wait in
  days (contacted), days waited so far (still waiting, censored), started, attended at
  least one session, completed; and its groups (route, condition, deprivation quintile,
  service model, network).
* :func:`wait_summary` — median (``numpy.median``) and 90th percentile (nearest rank:
  ``numpy.percentile(..., method="inverted_cdf")``, always a wait someone had).
* :func:`access_rows` / :func:`reason_rows` — the raw rows per breakdown.
* :func:`access_sections` — the whole pillar from a benchmark source (called by
  :func:`peerbench.benchmarking.compute`).

Rules (measured at ``as_of``; None → the latest referral or first-contact date):
referrals received after ``as_of`` are left out; a first contact after ``as_of`` has not
happened yet (the referral is still waiting). A referral is *still waiting* when it has
no first contact by ``as_of`` and its uptake is ``waiting`` (or its first contact comes
later); its wait so far is ``as_of - referral_date``. *Attended*: started, and the
earliest engagement of the same participant at the same service starting on/after the
referral date (and before that person's next referral there) has ``sessions_attended >=
1``; *completed*: that engagement's ``end_reason`` is ``completed``. So the stages are
nested: referred ≥ started ≥ attended ≥ completed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking.access_rows import NOT_RECORDED, OVERALL, AccessReasonRow, AccessRow
from peerbench.benchmarking.key_codes import key_codes
from peerbench.disclosure import TOTAL

__all__ = [
    "BELOW_MIN_N",
    "access_rows",
    "access_sections",
    "deprivation_quintile",
    "reason_rows",
    "referral_status",
    "wait_summary",
]

BELOW_MIN_N = "below-min-n"
STAGES = ("n_started", "n_attended", "n_completed")
_GROUP_COLUMNS = {
    "route": "referral_route",
    "condition": "condition",
    "deprivation_quintile": "quintile",
    "service_model": "service_model",
    "network": "network",
    "service": "service_id",
}


def deprivation_quintile(decile: Any) -> str:
    """``Q1`` (deciles 1–2, most deprived) … ``Q5`` (9–10); missing → ``not_recorded``."""
    if decile is None or pd.isna(decile):
        return NOT_RECORDED
    return f"Q{(int(decile) + 1) // 2}"


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column]).dt.normalize()


def _default_as_of(referrals: pd.DataFrame) -> dt.date | None:
    """The latest referral or first-contact date (None when there is none)."""
    columns = [c for c in ("referral_date", "first_contact_date") if c in referrals]
    latest = [referrals[c].dropna().max() for c in columns]
    found = [d for d in latest if not pd.isna(d)]
    return None if not found else pd.Timestamp(max(found)).date()


def _has_null_key(frame: pd.DataFrame) -> pd.Series:
    return frame["participant_key"].isna() | frame["service_id"].isna()


def _engagement_match(
    refs: pd.DataFrame, engagements: pd.DataFrame, day: pd.Timestamp
) -> pd.DataFrame:
    """Per referral (by ``_ref``): sessions attended and end reason of its engagement
    (the earliest starting on/after the referral, before the next one, by ``day``).

    Both frames carry ``_pair``, their (``participant_key``, ``service_id``) pair as
    one integer (:func:`~peerbench.benchmarking.key_codes.key_codes`): merging, sorting
    and grouping on it instead of the two text columns took 28 s of 33 at 10M rows."""
    empty = pd.DataFrame({"_ref": refs["_ref"], "sessions": np.nan, "end_reason": None})
    if engagements.empty:
        return empty
    engagements = engagements[engagements["start_date"].notna()]
    eng = engagements[["_pair", "sessions_attended"]].copy()
    eng["end_reason"] = engagements["end_reason"].astype(object)
    eng["start"] = _dates(engagements, "start_date")
    ordered = refs[["_pair", "_ref", "_referred"]].sort_values(["_pair", "_referred"])
    # groupby drops rows with a missing key (dropna), so they have no next referral
    following = ordered.groupby("_pair")["_referred"].shift(-1)
    ordered["_next"] = following.where(~_has_null_key(refs).loc[ordered.index])
    joined = ordered.merge(eng, on="_pair")
    inside = (joined["start"] >= joined["_referred"]) & (
        joined["_next"].isna() | (joined["start"] < joined["_next"])
    )
    inside &= joined["start"] <= day
    joined = joined[inside].sort_values(["_ref", "start"])
    first = joined.drop_duplicates("_ref")
    out = refs[["_ref"]].merge(
        first[["_ref", "sessions_attended", "end_reason"]], on="_ref", how="left"
    )
    return out.rename(columns={"sessions_attended": "sessions"})


def referral_status(
    referrals: pd.DataFrame,
    engagements: pd.DataFrame,
    participants: pd.DataFrame,
    services: Mapping[str, str | None],
    *,
    as_of: dt.date | None = None,
    networks: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dt.date | None]:
    """Each referral's status at ``as_of`` and its groups; returns ``(frame, as_of)``.

    Args:
        referrals: Referral records (standard columns).
        engagements: Engagement records (for attended / completed).
        participants: Participant records (condition and deprivation when the referral
            lacks them).
        services: Service → service model (its ``facilitator_model``).
        as_of: Measurement day (None: the latest referral or first-contact date).
        networks: Service → network (None: no network groups).

    Columns of the frame: ``service_id``, the group columns (``referral_route``,
    ``condition``, ``quintile``, ``service_model``, ``network``), ``contacted``,
    ``wait_days``, ``waiting``, ``waited_days``, ``started``, ``attended``,
    ``completed``, ``reason`` (uptake code at ``as_of``; ``waiting`` while waiting).
    """
    as_of = as_of or _default_as_of(referrals)
    if referrals.empty or as_of is None:
        return pd.DataFrame(columns=["service_id", "reason"]), as_of
    day = pd.Timestamp(as_of)
    refs = referrals.copy()
    refs["_referred"] = _dates(refs, "referral_date")
    refs = refs[refs["_referred"] <= day].reset_index(drop=True)
    refs["_ref"] = np.arange(len(refs))
    contact = _dates(refs, "first_contact_date")
    refs["contacted"] = contact.notna() & (contact <= day)
    refs["wait_days"] = (contact - refs["_referred"]).dt.days.where(refs["contacted"])
    uptake = refs["uptake"].astype(str)
    refs["waiting"] = ~refs["contacted"] & ((uptake == "waiting") | (contact > day))
    refs["waited_days"] = (day - refs["_referred"]).dt.days.where(refs["waiting"])
    refs["started"] = (uptake == "started") & refs["contacted"]
    refs["reason"] = uptake.where(~refs["waiting"], "waiting")
    others = [f for f in (engagements, participants) if not f.empty]
    codes = iter(key_codes([refs, *others]))
    refs["_pair"] = next(codes)
    if not engagements.empty:
        engagements = engagements.assign(_pair=next(codes))
    if not participants.empty:
        participants = participants.assign(_pair=next(codes))
    match = _engagement_match(refs, engagements, day)
    refs = refs.merge(match, on="_ref", how="left")
    refs["attended"] = refs["started"] & (refs["sessions"].fillna(0) >= 1)
    refs["completed"] = refs["attended"] & (refs["end_reason"].astype(str) == "completed")
    person = participants[["_pair"]].copy() if not participants.empty else None
    for column, target in (("primary_condition", "condition"), ("deprivation_decile", "_decile")):
        refs[target] = refs[column].astype(object) if column in refs else None
        if person is not None and column in participants:
            person[target] = participants[column].astype(object)
    if person is not None:
        person = person.drop_duplicates("_pair", keep="last")
        filled = refs[["_pair"]].merge(person, on="_pair", how="left")
        for target in ("condition", "_decile"):
            if target in filled:
                refs[target] = refs[target].where(refs[target].notna(), filled[target].values)
    refs["condition"] = refs["condition"].where(refs["condition"].notna(), NOT_RECORDED)
    decile = pd.to_numeric(refs["_decile"], errors="coerce")
    fifth = ((decile + 1) // 2).astype("Int64").astype(str)
    refs["quintile"] = ("Q" + fifth).where(decile.notna(), NOT_RECORDED)
    service = refs["service_id"].astype(str)
    refs["service_model"] = service.map(dict(services)).astype(object).fillna(NOT_RECORDED)
    refs["network"] = service.map(dict(networks or {})).astype(object).fillna(NOT_RECORDED)
    refs["referral_route"] = refs["referral_route"].astype(str)
    keep = ["service_id", *(_GROUP_COLUMNS[k] for k in _GROUP_COLUMNS if k != "service")]
    flags = ["contacted", "wait_days", "waiting", "waited_days", "started", "attended"]
    return refs[[*dict.fromkeys(keep), *flags, "completed", "reason"]], as_of


def wait_summary(days: Sequence[float] | pd.Series) -> tuple[float | None, float | None]:
    """``(median, 90th percentile nearest rank)`` of waits in days; ``(None, None)`` if empty.

    Example:
        >>> wait_summary([1, 2, 3, 4, 5, 6, 7, 8, 9, 30])
        (5.5, 9.0)
    """
    return _median_p90(np.asarray(pd.Series(days).dropna(), dtype=float))


def _median_p90(values: np.ndarray) -> tuple[float | None, float | None]:
    """``np.median`` and ``np.percentile(..., 90, method="inverted_cdf")`` from one sort.

    Both are order statistics (the median of an even count the mean of the middle two,
    taken as numpy's mean takes it), so one sorted copy answers them: a breakdown per
    service asks this thousands of times, and the two numpy calls cost ~25 times more.
    """
    if values.size == 0:
        return None, None
    ordered = np.sort(values)
    n = ordered.size
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return float(median), float(ordered[_p90_index(n)])


@functools.lru_cache(maxsize=4096)
def _p90_index(n: int) -> int:
    """The position (in sorted order) of the 90th percentile, nearest rank, of n values:
    numpy's own answer on the positions themselves."""
    return int(np.percentile(np.arange(n, dtype=np.float64), 90, method="inverted_cdf"))


_FLAGS = ("contacted", "waiting", "started", "attended", "completed")
_WAITS = ("wait_days", "waited_days")


def _columns(status: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns a row counts, as NumPy arrays (flags as bool, waits as float, NaN missing).

    Taken once, so a breakdown with a group per service costs array slices, not a
    pandas frame per group (thousands of services at national scale).
    """
    columns = {name: status[name].to_numpy(dtype=bool) for name in _FLAGS}
    for name in _WAITS:
        columns[name] = status[name].to_numpy(dtype=float, na_value=np.nan)
    return columns


def _summary(days: np.ndarray) -> tuple[float | None, float | None]:
    """:func:`wait_summary` of a float array (NaN = no wait)."""
    return _median_p90(days[~np.isnan(days)])


def _row(
    columns: Mapping[str, np.ndarray],
    rows: np.ndarray | None,
    breakdown: str,
    group: str,
    period: str,
    as_of: str,
    min_n: int,
) -> AccessRow:
    """The row of one group: ``rows`` are its positions in ``columns`` (None: every row)."""
    part = {k: v if rows is None else v[rows] for k, v in columns.items()}
    n_referred = len(part["contacted"])
    counts = {name: int(np.count_nonzero(part[name])) for name in _FLAGS}
    median, p90 = _summary(part["wait_days"])
    median_so_far, p90_so_far = _summary(part["waited_days"])
    values: dict[str, Any] = {
        "n_referred": n_referred,
        "n_contacted": counts["contacted"],
        "median_wait_days": median,
        "p90_wait_days": p90,
        "n_waiting": counts["waiting"],
        "median_waiting_days": median_so_far,
        "p90_waiting_days": p90_so_far,
        "n_started": counts["started"],
        "n_attended": counts["attended"],
        "n_completed": counts["completed"],
    }
    for stage in STAGES:
        share = stage.replace("n_", "share_")
        values[share] = values[stage] / n_referred if n_referred else None
    suppressed: dict[str, str] = {}
    rules = {
        "median_wait_days": "n_contacted",
        "p90_wait_days": "n_contacted",
        "median_waiting_days": "n_waiting",
        "p90_waiting_days": "n_waiting",
    }
    for field, n_field in rules.items():
        if values[field] is not None and values[n_field] < min_n:
            values[field] = None
            suppressed[field] = BELOW_MIN_N
    service = group if breakdown == "service" else None
    return AccessRow(
        breakdown=breakdown,
        group=group,
        period=period,
        service_id=service,
        as_of=as_of,
        **values,
        suppressed=suppressed,
    )


def access_rows(
    status: pd.DataFrame, *, period: str, as_of: dt.date, min_n: int, with_networks: bool
) -> list[AccessRow]:
    """The access table: the overall row, then each breakdown's groups (sorted)."""
    day = as_of.isoformat()
    columns = _columns(status)
    rows = [_row(columns, None, OVERALL, OVERALL, period, day, min_n)]
    for breakdown, column in _GROUP_COLUMNS.items():
        if breakdown == "network" and not with_networks:
            continue
        groups = status.groupby(column, sort=False).indices
        for group, positions in sorted(groups.items(), key=lambda g: str(g[0])):
            at = np.asarray(positions)
            rows.append(_row(columns, at, breakdown, str(group), period, day, min_n))
    return rows


def reason_rows(status: pd.DataFrame, *, period: str) -> list[AccessReasonRow]:
    """Referrals not started at ``as_of`` by uptake code, with their ``Total``."""
    waiting = status[~status["started"]]
    total = len(waiting)
    counts = waiting["reason"].value_counts()
    rows = [
        AccessReasonRow(period=period, uptake=str(code), n=int(n), share=n / total)
        for code, n in sorted(counts.items(), key=lambda kv: str(kv[0]))
    ]
    rows.append(AccessReasonRow(period=period, uptake=TOTAL, n=total, share=1.0 if total else None))
    return rows


def access_sections(
    source: BenchmarkSource,
    *,
    period: str | None,
    as_of: dt.date | None,
    min_n: int,
    service_models: Mapping[str, str | None],
    networks: Mapping[str, str] | None = None,
    all_periods: str = OVERALL,
) -> tuple[list[AccessRow], list[AccessReasonRow]]:
    """The access rows and reason rows of ``source`` (empty when it has no referrals).

    With ``period`` set, only referrals of that period (quarter of referral_date) are
    counted; engagements and participants are read whatever their period.
    """
    referrals = source.read("referral")
    if period is not None:
        referrals = referrals.filter(pc.equal(referrals.column("_period"), period))
    if referrals.num_rows == 0:
        return [], []
    status, day = referral_status(
        referrals.to_pandas(),
        source.read("engagement").to_pandas(),
        source.read("participant").to_pandas(),
        service_models,
        as_of=as_of,
        networks=networks,
    )
    if day is None or status.empty:
        return [], []
    label = period or all_periods
    rows = access_rows(status, period=label, as_of=day, min_n=min_n, with_networks=bool(networks))
    return rows, reason_rows(status, period=label)
