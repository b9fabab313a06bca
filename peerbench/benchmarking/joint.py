"""NHS Talking Therapies joint caseness: PHQ-9 and GAD-7 read together (SPEC §12.3).

NHS Talking Therapies does not report recovery per questionnaire: a person is a *case*
at the start when **either** PHQ-9 ≥ 10 **or** GAD-7 ≥ 8, and *recovered* when, having
been a case, **both** are below their cut-offs at the end. This module builds that
metric from the participant-level pairs, as outcome rows with the instrument code
:data:`TALKING_THERAPIES`, beside the per-instrument rows:

* a *joint pair* is a participant × service × period × timepoint with both a PHQ-9 pair
  and a GAD-7 pair (baseline and a follow-up at the same timepoint);
  ``n_baseline`` counts people with both baselines;
* ``n_case_baseline``: joint pairs at caseness at the start (PHQ-9 or GAD-7 case);
  ``n_recovered``: of those, neither a case at the follow-up;
  ``recovery_rate = n_recovered / n_case_baseline``
  (= recovered ÷ (finished − not at caseness at the start));
* ``n_improved``: reliable improvement on either measure (PHQ-9 by 6, GAD-7 by 4, the
  registry thresholds) and no reliable deterioration on the other;
  ``n_deteriorated``: reliable deterioration on either and no reliable improvement on
  the other; ``n_unchanged`` the rest, so the three add up to ``n_paired``;
  ``share_improved = n_improved / n_paired``;
* ``n_reliably_recovered``: recovered and reliably improved.

The cut-offs and thresholds are the registry's (the aggregate layer's per-instrument
flags are combined), so a local change to either instrument carries through. The rows go
through the same minimum-n rule (:func:`peerbench.benchmarking.outcome_stats.outcome_rows`)
and, being outcome rows, the same disclosure control as every other proportion.
Means, SDs and effect sizes are empty: two questionnaires have no common scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peerbench.aggregate.timepoints import FOLLOW_UPS
from peerbench.benchmarking.key_codes import KEY, key_codes

TALKING_THERAPIES = "talking-therapies"
"""Instrument code of the joint NHS Talking Therapies rows."""

DEPRESSION, ANXIETY = "PHQ9", "GAD7"
"""The two questionnaires read together."""

_PERSON = ("participant_key", "service_id", "period")
_FLAGS = ("reliably_improved", "reliably_deteriorated", "case_baseline", "case_follow_up")
_COUNTS = (
    "n_reliably_improved",
    "n_no_reliable_change",
    "n_reliably_deteriorated",
    "n_case_baseline",
    "n_recovered",
    "n_reliably_recovered",
)
_EMPTY_STATISTICS = (
    "baseline_mean",
    "baseline_sd",
    "follow_up_mean",
    "mean_change",
    "sd_change",
)


def _both(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Rows of ``keys`` present for both instruments, their ``columns`` suffixed."""
    parts = [
        frame.loc[frame["instrument"] == code, [*keys, *columns]] for code in (DEPRESSION, ANXIETY)
    ]
    codes = key_codes(parts, keys)  # joined on one integer each, not the text keys
    parts = [
        part.assign(**{KEY: code}).drop_duplicates(KEY)
        for part, code in zip(parts, codes, strict=True)
    ]
    right = parts[1].drop(columns=list(keys))
    return parts[0].merge(right, on=KEY, suffixes=("_phq", "_gad")).drop(columns=KEY)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].fillna(False).to_numpy(dtype=bool)


def joint_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per joint pair with the joint flags (see the module docstring).

    Args:
        pairs: Participant-level pairs (the aggregate layer's ``paired`` table).

    Returns:
        ``participant_key, service_id, period, timepoint`` (and any ``network``) with
        ``reliably_improved, reliably_deteriorated, case_baseline, recovered,
        reliably_recovered``.
    """
    keys = [*_PERSON, "timepoint"]
    joined = _both(pairs, keys, _FLAGS)
    imp = _flag(joined, "reliably_improved_phq") | _flag(joined, "reliably_improved_gad")
    det = _flag(joined, "reliably_deteriorated_phq") | _flag(joined, "reliably_deteriorated_gad")
    case_0 = _flag(joined, "case_baseline_phq") | _flag(joined, "case_baseline_gad")
    case_1 = _flag(joined, "case_follow_up_phq") | _flag(joined, "case_follow_up_gad")
    improved = imp & ~det
    recovered = case_0 & ~case_1
    return joined[keys].assign(
        reliably_improved=improved,
        reliably_deteriorated=det & ~imp,
        case_baseline=case_0,
        recovered=recovered,
        reliably_recovered=recovered & improved,
    )


def joint_summary(
    pairs: pd.DataFrame,
    baselines: pd.DataFrame,
    by: Sequence[str] = (),
    mapping: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts per ``by`` × period × timepoint, shaped like an aggregate outcome summary.

    A row exists for each follow-up timepoint wherever the group has a joint baseline
    (``n_paired`` 0 when nobody reached it), as in :mod:`peerbench.aggregate.outcomes`.

    Args:
        pairs: Participant-level pairs.
        baselines: Participant-level baselines (``participant_key, service_id,
            instrument, period``).
        by: Group columns: ``("service_id",)``, ``("network",)`` or ``()``.
        mapping: ``service_id → network`` (needed for ``by=("network",)``).
    """
    return summarise(JointPeople.of(pairs, baselines), by, mapping)


@dataclass(frozen=True)
class JointPeople:
    """The people with both baselines and the joint pairs, made once for every grouping
    (services, the pool, networks: three summaries of the same rows)."""

    people: pd.DataFrame
    """``participant_key, service_id, period`` with both baselines."""
    joint: pd.DataFrame
    """:func:`joint_pairs` of the pairs."""

    @classmethod
    def of(cls, pairs: pd.DataFrame, baselines: pd.DataFrame) -> JointPeople:
        """The joint people of participant-level ``pairs`` and ``baselines``."""
        return cls(_both(baselines, _PERSON, ()), joint_pairs(pairs))


def summarise(
    prepared: JointPeople, by: Sequence[str] = (), mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`joint_summary` of people already joined (:class:`JointPeople`)."""
    people, joint = prepared.people, prepared.joint
    if mapping is not None:
        people = people.merge(mapping, on="service_id")
        joint = joint.merge(mapping, on="service_id")
    group = [*by, "period"]
    base = people.groupby(group, dropna=False).size().rename("n_baseline").reset_index()
    grid = base.merge(pd.DataFrame({"timepoint": list(FOLLOW_UPS)}), how="cross")
    flags = joint.assign(n=1).groupby([*group, "timepoint"], dropna=False)
    counted = flags.agg(
        n_paired=("n", "sum"),
        n_reliably_improved=("reliably_improved", "sum"),
        n_reliably_deteriorated=("reliably_deteriorated", "sum"),
        n_case_baseline=("case_baseline", "sum"),
        n_recovered=("recovered", "sum"),
        n_reliably_recovered=("reliably_recovered", "sum"),
    ).reset_index()
    out = grid.merge(counted, on=[*group, "timepoint"], how="left")
    counts = ["n_paired", *(c for c in _COUNTS if c != "n_no_reliable_change")]
    out[counts] = out[counts].fillna(0).astype("int64")
    out["n_no_reliable_change"] = (
        out["n_paired"] - out["n_reliably_improved"] - out["n_reliably_deteriorated"]
    )
    out["coverage"] = out["n_paired"] / out["n_baseline"]
    for column in _EMPTY_STATISTICS:
        out[column] = np.nan
    out["instrument"] = TALKING_THERAPIES
    return out[[*by, "instrument", "period", "timepoint", "n_baseline", "n_paired", "coverage",
                *_EMPTY_STATISTICS, *_COUNTS]]  # fmt: skip


def empty_moments(by: Sequence[str]) -> pd.DataFrame:
    """A :func:`~peerbench.benchmarking.outcome_stats.pair_moments` frame with no rows."""
    columns = [*by, "instrument", "period", "timepoint", "sd_pair_baseline", "r"]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
