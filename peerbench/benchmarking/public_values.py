"""Public statistics that do not pin the counts published (rounded) beside them.

See :mod:`.implied` for the rules. Every function takes the raw row (true values) and
its controlled row (counts rounded or withheld) and returns the public row:

* outcome rows: means and SDs to the decimals their count allows (one decimal for
  10–99 people, :func:`.implied.mean_decimals`); the paired-t interval and Cohen's d_z
  (with its noncentral-t interval) recomputed from the published mean, SD and
  ``n_paired``; Hedges' g rescaled to the published n (small-sample correction J and
  the large-sample variance ``2(1 − r)/n + g²/(2n)``) and its interval recomputed;
* economic values: life-satisfaction change to the same decimals and the WELLBY value
  recomputed from it; pounds to whole pounds; assumption counts as published;
* case-mix: adjusted R² from the published n and R² to 3 decimals; each service's
  observed/expected/O − E to one decimal, the O − E interval rescaled to the
  published n (``se ∝ 1/√n``).

Statistics whose count is withheld are withheld too (:func:`.implied.hide_implied`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from peerbench.benchmarking.comparison_rows import CasemixFit, CasemixService
from peerbench.benchmarking.disclosure_tables import replaced
from peerbench.benchmarking.implied import (
    MEANS,
    PRECISION,
    SECONDARY,
    hide_implied,
    mean_decimals,
    rounded,
)
from peerbench.benchmarking.rows import EconomicsRow, OutcomeMetrics
from peerbench.disclosure import DisclosurePolicy
from peerbench.stats import hedges_correction, mean_change_from_summary
from peerbench.stats.nct import dz_intervals

M = TypeVar("M", bound=OutcomeMetrics)
_Z95 = 1.959963984540054
ASSUMPTION_COUNTS = ("n", "n_paired", "n_complete")
RECOMPUTED = (
    "change_ci_low",
    "change_ci_high",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
)
"""Outcome fields recomputed from the published row (withheld if they cannot be)."""


def _g(raw: OutcomeMetrics, n: int) -> dict[str, float]:
    """Hedges' g and its interval at the published ``n`` (from the raw g and interval)."""
    g, low, high, n_true = raw.hedges_g, raw.g_ci_low, raw.g_ci_high, raw.n_paired
    if g is None or low is None or high is None or not n_true or n_true < 3 or n < 3:
        return {}
    two_one_minus_r = n_true * ((high - low) / (2 * _Z95)) ** 2 - g**2 / 2
    g_pub = round(g * hedges_correction(n) / hedges_correction(n_true), 2)
    half = _Z95 * math.sqrt(max(0.0, two_one_minus_r + g_pub**2 / 2) / n)
    return {"hedges_g": g_pub, "g_ci_low": g_pub - half, "g_ci_high": g_pub + half}


def _means(row: OutcomeMetrics, policy: DisclosurePolicy) -> dict[str, Any]:
    """Means and SDs to the decimals their published count allows (:data:`.implied.MEANS`)."""
    values: dict[str, Any] = {}
    for field, n_field in MEANS.items():
        value, n = getattr(row, field), getattr(row, n_field)
        if value is not None and n is not None:
            values[field] = round(value, mean_decimals(n, policy))
    return values


def _mean_sd(row: OutcomeMetrics, means: dict[str, Any]) -> tuple[float | None, float | None]:
    return means.get("mean_change", row.mean_change), means.get("sd_change", row.sd_change)


def _has_dz(row: OutcomeMetrics, means: dict[str, Any]) -> bool:
    """Whether the row publishes a d_z that its published mean and SD can recompute."""
    n, (mean, sd) = row.n_paired, _mean_sd(row, means)
    return (
        n is not None and n >= 2 and mean is not None and sd is not None and row.d_z is not None
    ) and sd > 0


def _finish(
    raw: M, row: M, means: dict[str, Any], section: str, dz: tuple[float, float, float] | None
) -> M:
    """The public row from its published counts, ``means`` and d_z (``dz``, if it has one).

    Every field of the public precision (:data:`.implied.PRECISION`) is one of
    :data:`RECOMPUTED`: recomputed here and rounded, or withheld.
    """
    n, (mean, sd) = row.n_paired, _mean_sd(row, means)
    values: dict[str, Any] = {}
    if n is not None and n >= 2 and mean is not None and sd is not None:
        if row.change_ci_low is not None:
            change = mean_change_from_summary(n, mean, sd)
            values |= {"change_ci_low": change.ci_low, "change_ci_high": change.ci_high}
        if dz is not None:
            values |= dict(zip(("d_z", "d_z_ci_low", "d_z_ci_high"), dz, strict=True))
    if n is not None and row.hedges_g is not None:
        values |= _g(raw, n)
    # Whatever could not be recomputed from the published row (e.g. an SD that rounds
    # to 0) would carry the true n: withhold it.
    stale = [f for f in RECOMPUTED if getattr(row, f) is not None and f not in values]
    if not values and not stale:
        return replaced(row, means) if means else row
    marks = {**row.suppressed, **dict.fromkeys(stale, SECONDARY)}
    values |= dict.fromkeys(stale)
    decimals = PRECISION.get(section, {})
    values = {
        f: round(float(v), decimals[f]) if v is not None and f in decimals else v
        for f, v in values.items()
    }
    return replaced(row, {**means, **values, "suppressed": marks})


def public_outcomes(
    raws: Sequence[M], publics: Sequence[M], sections: Sequence[str], policy: DisclosurePolicy
) -> list[M]:
    """The public outcome rows (see the module docstring), the d_z intervals in one search.

    Args:
        raws: The rows with their true values.
        publics: The same rows disclosure-controlled (counts rounded or withheld).
        sections: Each row's result section (``outcomes``, ``pooled``, ``networks``).
        policy: The disclosure policy.
    """
    rows = [hide_implied(p, s) for p, s in zip(publics, sections, strict=True)]
    means = [_means(row, policy) for row in rows]
    want = [i for i, row in enumerate(rows) if _has_dz(row, means[i])]
    # Cohen's d_z = mean/SD (as cohens_dz_from_summary), its interval for all rows at once.
    pairs = [_mean_sd(rows[i], means[i]) for i in want]
    d = [cast(float, mean) / cast(float, sd) for mean, sd in pairs]
    low, high = dz_intervals([cast(int, rows[i].n_paired) for i in want], d)
    dz: dict[int, tuple[float, float, float]] = {
        i: (di, lo, hi) for i, di, lo, hi in zip(want, d, low.tolist(), high.tolist(), strict=True)
    }
    return [
        _finish(raw, row, means[i], s, dz.get(i))
        for i, (raw, row, s) in enumerate(zip(raws, rows, sections, strict=True))
    ]


def _money(value: float | None, scale: float | None = None, places: int = 1) -> float | None:
    if value is None:
        return None
    if scale:  # a WELLBY value: the published life-satisfaction change × £ per point
        return float(round(round(value / scale, places) * scale))
    return float(round(value))


def public_economics(public: EconomicsRow, policy: DisclosurePolicy) -> EconomicsRow:
    """The public economic value: coarse values, assumption counts as published."""
    row = hide_implied(public, "economics")
    assumptions = dict(row.assumptions)
    marks: dict[str, str] = {}
    for name in ASSUMPTION_COUNTS:
        value = assumptions.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if row.n is None or policy.is_small_count(value):
            assumptions[name] = None
            marks[f"assumptions.{name}"] = row.suppressed.get("n", SECONDARY)
        else:
            assumptions[name] = policy.round_count(value)
    values: dict[str, Any] = {}
    places = 1 if row.n is None else mean_decimals(row.n, policy)
    if row.quantity == "life_satisfaction_change":
        values = {f: None if (v := getattr(row, f)) is None else round(v, places) for f in _VALUES}
    elif row.quantity == "wellby_value_per_participant":
        scale = {
            "mean": assumptions.get("adjusted_value"),
            "ci_low": assumptions.get("adjusted_value"),
            "ci_high": assumptions.get("adjusted_value"),
            "low": assumptions.get("adjusted_low"),
            "high": assumptions.get("adjusted_high"),
        }
        values = {f: _money(getattr(row, f), scale[f], places) for f in _VALUES}
    else:
        values = {f: _money(getattr(row, f)) for f in _VALUES}
    return replaced(
        row, {**values, "assumptions": assumptions, "suppressed": {**row.suppressed, **marks}}
    )


_VALUES = ("mean", "ci_low", "ci_high", "low", "high")


def public_casemix_fit(public: CasemixFit, terms: int) -> CasemixFit:
    """Adjusted R² from the published n and the rounded R² (``terms`` excludes the constant)."""
    row = rounded(hide_implied(public, "casemix_fit"), "casemix_fit")
    if row.adj_r2 is None or row.r2 is None or row.n is None or row.n - terms - 1 <= 0:
        return row
    adj = 1 - (1 - row.r2) * (row.n - 1) / (row.n - terms - 1)
    return replaced(row, {"adj_r2": round(adj, 3)})


def public_casemix_service(raw: CasemixService, public: CasemixService) -> CasemixService:
    """Observed/expected/O − E to one decimal; the O − E interval at the published n."""
    row = hide_implied(public, "casemix_services")
    low, high = raw.oe_ci_low, raw.oe_ci_high
    if row.n is not None and raw.n and low is not None and high is not None:
        oe = round(raw.o_minus_e or 0.0, 1)
        half = (high - low) / 2 * math.sqrt(raw.n / row.n)
        row = replaced(row, {"o_minus_e": oe, "oe_ci_low": oe - half, "oe_ci_high": oe + half})
    return rounded(row, "casemix_services")
