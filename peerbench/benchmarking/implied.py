"""The disclosure model of the benchmark: which counts each published statistic implies.

One declaration, :data:`IMPLIES`, ties every published number of every section to the
counts of people it could reveal (``()``: it reveals none beyond what is published
anyway, e.g. a figure recomputed from published values, or a count of services).
:data:`COUNTS` lists the counts themselves. A test fails when a section gains a numeric
field that is in neither, so a new statistic cannot be published without a decision.

Rules applied to the public view (:func:`hide_implied`, :mod:`.public_values`):

1. *Suppressed with its count*: a statistic is withheld (``secondary``) when any count
   it implies is withheld in the same row.
2. *Beside a rounded count*, a statistic must not pin the exact count. Means and SDs
   are published to the decimals of :func:`mean_decimals` (one decimal for 10–99
   people, as NHS England and ONS publish means; two from 100; three from 1,000);
   intervals, standard errors, effect sizes and adjusted R² are recomputed from the
   *published* (rounded) count and the published inputs, so they add nothing an
   intruder could not compute from the published row; economic assumptions show the
   published count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

from peerbench.benchmarking.disclosure_tables import replaced
from peerbench.benchmarking.outcome_stats import COUNT_FIELDS
from peerbench.benchmarking.rows import Row
from peerbench.disclosure import DisclosurePolicy

R = TypeVar("R", bound=Row)

SECONDARY = "secondary"

_PAIRS = ("n_paired",)
_OUTCOME_IMPLIES: dict[str, tuple[str, ...]] = {
    "coverage": ("n_paired", "n_baseline"),
    "baseline_mean": ("n_baseline",),
    "baseline_sd": ("n_baseline",),
    **dict.fromkeys(
        (
            "follow_up_mean",
            "mean_change",
            "sd_change",
            "change_ci_low",
            "change_ci_high",
            "d_z",
            "d_z_ci_low",
            "d_z_ci_high",
            "hedges_g",
            "g_ci_low",
            "g_ci_high",
        ),
        _PAIRS,
    ),
    "rc_threshold": (),
    "share_improved": ("n_improved", "n_paired"),
    "share_unchanged": ("n_unchanged", "n_paired"),
    "share_deteriorated": ("n_deteriorated", "n_paired"),
    "improved_ci_low": ("n_improved", "n_paired"),
    "improved_ci_high": ("n_improved", "n_paired"),
    "recovery_rate": ("n_recovered", "n_case_baseline"),
    "recovery_ci_low": ("n_recovered", "n_case_baseline"),
    "recovery_ci_high": ("n_recovered", "n_case_baseline"),
    "reliable_recovery_rate": ("n_reliably_recovered", "n_case_baseline"),
}
_OUTCOME_COUNTS = COUNT_FIELDS
_DERIVED = ("from the published rows",)

IMPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "outcomes": _OUTCOME_IMPLIES,
    "pooled": _OUTCOME_IMPLIES,
    "networks": _OUTCOME_IMPLIES,
    "reach": {"median_sessions": ("engagements",), "share_completed": ("n_completed", "n_ended")},
    "sustainment": {
        "share_sustained": ("n_sustained", "n_followed_up"),
        "retention": ("n_followed_up", "n_eligible"),
    },
    "economics": {
        **dict.fromkeys(("mean", "ci_low", "ci_high", "low", "high"), ("n",)),
        "price_year": (),
        "assumptions.n": ("n",),
        "assumptions.n_paired": ("n",),
        "assumptions.n_complete": ("n",),
    },
    # Recomputed from the published outcome rows (n is the published n_paired).
    "funnel_points": dict.fromkeys(
        (
            "value",
            "se",
            "precision",
            "z",
            "limit_95_low",
            "limit_95_high",
            "limit_998_low",
            "limit_998_high",
        ),
        ("n",),
    ),
    "funnels": dict.fromkeys(("target", "k", "phi", "tau2"), ()),
    "meta": dict.fromkeys(
        ("k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "q_p", "pi_low", "pi_high"),
        (),
    ),
    "forest": dict.fromkeys(("estimate", "ci_low", "ci_high", "weight_dl", "weight_reml"), _PAIRS),
    "subgroups": dict.fromkeys(("k", "estimate", "ci_low", "ci_high", "tau2"), ()),
    "subgroup_tests": dict.fromkeys(("k", "levels", "q_between", "df", "p_value"), ()),
    "casemix_fit": {"r2": (), "adj_r2": ("n",)},
    "casemix_coefficients": {"estimate": (), "se": ()},
    "casemix_services": dict.fromkeys(
        ("observed", "expected", "o_minus_e", "oe_ci_low", "oe_ci_high"), ("n",)
    ),
    # Waits are order statistics (a median or nearest-rank percentile is one person's
    # wait, or the mean of two): they reveal no count. Shares are of n_referred.
    "access": {
        **dict.fromkeys(
            ("median_wait_days", "p90_wait_days", "median_waiting_days", "p90_waiting_days"), ()
        ),
        "share_started": ("n_started", "n_referred"),
        "share_attended": ("n_attended", "n_referred"),
        "share_completed": ("n_completed", "n_referred"),
    },
    "access_reasons": {"share": ("n",)},
    # Workforce (benchmarking/workforce_disclose.py): shares are recomputed from the
    # published counts; wellbeing means to one decimal, the interval from the published n.
    "workforce": {"share": ("n_yes", "n_base")},
    "worker_wellbeing": dict.fromkeys(
        ("mean_baseline", "mean_change", "sd_change", "ci_low", "ci_high"), ("n_paired",)
    ),
}
"""Section → published field → the counts (fields of the same row) it implies."""

COUNTS: dict[str, tuple[str, ...]] = {
    "outcomes": _OUTCOME_COUNTS,
    "pooled": _OUTCOME_COUNTS,
    "networks": _OUTCOME_COUNTS,
    "reach": ("engagements", "participants", "n_ended", "n_completed"),
    "sustainment": ("n_eligible", "n_followed_up", "n_sustained"),
    "economics": ("n",),
    "funnel_points": ("n",),
    "forest": ("n_paired",),
    "meta": ("n_paired",),
    "subgroups": ("n_paired",),
    "casemix_fit": ("n",),
    "casemix_services": ("n",),
    "access": (
        "n_referred",
        "n_contacted",
        "n_waiting",
        "n_started",
        "n_attended",
        "n_completed",
    ),
    "access_reasons": ("n",),
    "workforce": ("n_base", "n_yes", "n_no"),
    "worker_wellbeing": ("n_paired",),
    "worker_end_reasons": ("n_ended",),
}
"""Section → its counts of people (each suppressed or rounded by the policy)."""

MEANS: dict[str, str] = {
    "baseline_mean": "n_baseline",
    "baseline_sd": "n_baseline",
    "follow_up_mean": "n_paired",
    "mean_change": "n_paired",
    "sd_change": "n_paired",
}
"""Means and SDs of outcome rows → the count that sets their decimals (:func:`mean_decimals`)."""

PRECISION: dict[str, dict[str, int]] = {
    "outcomes": dict.fromkeys(
        ("change_ci_low", "change_ci_high", "d_z", "d_z_ci_low", "d_z_ci_high"), 2
    )
    | dict.fromkeys(("hedges_g", "g_ci_low", "g_ci_high"), 2),
    "casemix_fit": {"r2": 3, "adj_r2": 3},
    "casemix_coefficients": {"estimate": 3, "se": 3},
    "casemix_services": dict.fromkeys(
        ("observed", "expected", "o_minus_e", "oe_ci_low", "oe_ci_high"), 1
    ),
}
"""Decimals of the public view (outcomes' precision applies to pooled and network rows)."""
PRECISION["pooled"] = PRECISION["networks"] = PRECISION["outcomes"]


def mean_decimals(n: int, policy: DisclosurePolicy) -> int:
    """Decimals for a mean (or SD) of whole-number scores beside a published count ``n``.

    The fewest people ``n`` can stand for is ``n_low = max(n − ⌊base/2⌋, min_n)`` (a
    statistic is only published on at least ``min_n``). With ``d`` decimals the mean
    covers sums over a width ``n·10⁻ᵈ``; when that is at least 1 every candidate count
    has a whole sum that rounds to the published mean, so the mean cannot tell them
    apart. ``d = ⌊log₁₀ n_low⌋`` (0 to 3): one decimal from 10 people, two from 100,
    three from 1,000.
    """
    low = max(n - policy.rounding_base // 2, policy.min_n, 1)
    return max(0, min(3, math.floor(math.log10(low))))


_RULES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    section: tuple((f, counts) for f, counts in fields.items() if "." not in f and counts)
    for section, fields in IMPLIES.items()
}
""":data:`IMPLIES` without the fields that imply nothing or are not row attributes."""


_IMPLYING: dict[str, frozenset[str]] = {
    section: frozenset(c for _, counts in rules for c in counts)
    for section, rules in _RULES.items()
}
"""Section → the counts some statistic of it implies (only these can withhold one)."""


def hide_implied(row: R, section: str) -> R:
    """Withhold (``secondary``) every statistic of ``row`` that implies a withheld count."""
    # A withheld count is one marked in ``suppressed`` (a short dict) whose value is gone;
    # most rows hide nothing a rule of their section reads, so they return at once.
    suppressed = row.suppressed
    implying = _IMPLYING.get(section)
    if not suppressed or not implying:
        return row
    hidden = {c for c in suppressed if c in implying and getattr(row, c, None) is None}
    if not hidden:
        return row
    values: dict[str, Any] = {}
    marks: dict[str, str] = {}
    for field, counts in _RULES[section]:
        if getattr(row, field, None) is None:
            continue
        if any(c in hidden for c in counts):
            values[field] = None
            marks[field] = SECONDARY
    if not values:
        return row
    return replaced(row, {**values, "suppressed": {**suppressed, **marks}})


def rounded(row: R, section: str) -> R:
    """``row`` with its fields at the public precision of :data:`PRECISION`."""
    decimals: Mapping[str, int] = PRECISION.get(section, {})
    values: dict[str, Any] = {
        f: round(float(v), d)
        for f, d in decimals.items()
        if (v := getattr(row, f, None)) is not None
    }
    return replaced(row, values) if values else row
