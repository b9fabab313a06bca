"""Checks of service-use records: what :func:`~peerbench.economics.service_use_value` refuses.

One rule set, answered for one frame (:func:`record_problem`) or for every group of a
frame at once (:func:`record_problems`, e.g. per organisation of a national pool).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

_DUPLICATE = "more than one {timepoint!r} row for a participant"
_BAD_RECALL = "recall_period_months must be a positive number"


def record_problem(records: pd.DataFrame, timepoints: tuple[str, ...]) -> str | None:
    """Why :func:`service_use_value` would refuse ``records``, or None if it would not.

    The rules :func:`service_use_value` enforces, as a check a caller can run first
    (e.g. to leave one organisation out of a pooled figure instead of failing it):
    at most one row per participant (and service) at each of ``timepoints``, and a
    positive numeric ``recall_period_months``.
    """
    ids = [c for c in ("participant_key", "service_id") if c in records.columns]
    for timepoint in timepoints:
        rows = records[records["timepoint"] == timepoint]
        if rows.duplicated(ids).any():
            return _DUPLICATE.format(timepoint=timepoint)
        recall = pd.to_numeric(rows["recall_period_months"], errors="coerce")
        if recall.isna().any() or (recall <= 0).any():
            return _BAD_RECALL
    return None


def record_problems(
    records: pd.DataFrame, timepoints: tuple[str, ...], groups: pd.Series
) -> dict[str, str]:
    """:func:`record_problem` of every group of ``records`` at once: group → problem.

    ``groups`` labels each row (aligned with ``records``); a group's rows must hold
    every row of each of its participants' ids (e.g. organisations, which own whole
    services), so a duplicate within the group is a duplicate in ``records``. Groups
    without a problem are left out; the answer per group is ``record_problem``'s.
    """
    ids = [c for c in ("participant_key", "service_id") if c in records.columns]
    problems: list[str] = []  # in record_problem's order of checks
    flags: list[npt.NDArray[np.bool_]] = []
    for timepoint in timepoints:
        at = (records["timepoint"] == timepoint).to_numpy()
        rows = records[at]
        recall = pd.to_numeric(rows["recall_period_months"], errors="coerce")
        for problem, bad in (
            (_DUPLICATE.format(timepoint=timepoint), rows.duplicated(ids)),
            (_BAD_RECALL, recall.isna() | (recall <= 0)),
        ):
            flag = np.zeros(len(records), dtype=bool)
            flag[at] = bad.to_numpy(dtype=bool)
            problems.append(problem)
            flags.append(flag)
    found = pd.DataFrame(dict(enumerate(flags))).groupby(groups.to_numpy(), sort=True).any()
    return {
        str(group): problems[int(np.argmax(row))]
        for group, row in zip(found.index, found.to_numpy(), strict=True)
        if row.any()
    }
