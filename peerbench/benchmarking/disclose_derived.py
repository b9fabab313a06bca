"""The derived sections of a controlled benchmark, recomputed from its public rows.

Funnels, forest, meta-analysis and subgroups are recomputed from the published outcome
rows (:func:`peerbench.benchmarking.disclose.controlled`), so they imply no count
beyond those rows (:mod:`.implied`): a service with a hidden ``n_paired`` is not
plotted in a funnel, and enters the meta-analysis and subgroups with its own g and
variance (they bound n but cannot pin it) while its forest row and the pooled n are
hidden; case-mix ``n`` is the published ``n_paired``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from peerbench.benchmarking import comparisons
from peerbench.benchmarking.casemix import ESTIMATES as CASEMIX_ESTIMATES
from peerbench.benchmarking.disclosure_tables import SECONDARY, replaced
from peerbench.benchmarking.implied import hide_implied, rounded
from peerbench.benchmarking.outcome_stats import BELOW_MIN_N
from peerbench.benchmarking.public_values import public_casemix_fit, public_casemix_service
from peerbench.benchmarking.result import BenchmarkResult
from peerbench.benchmarking.rows import OutcomeMetrics, OutcomeRow, Row
from peerbench.disclosure import DisclosurePolicy

R = TypeVar("R", bound=Row)


def outcome_key(row: OutcomeMetrics) -> tuple[str, str, str]:
    """The comparison an outcome row belongs to: instrument, period, timepoint."""
    return (row.instrument, row.period, row.timepoint)


def _n_lookup(outcomes: Sequence[OutcomeRow]) -> dict[tuple[str, ...], OutcomeRow]:
    return {(r.service_id, *outcome_key(r)): r for r in outcomes}


def _analysis_rows(raw: Sequence[OutcomeRow], public: Sequence[OutcomeRow]) -> list[OutcomeRow]:
    """Public rows, with Hedges' g and its interval (2 decimals) where only n hides them."""
    out = []
    for true, shown in zip(raw, public, strict=True):
        if shown.n_paired is None and shown.hedges_g is None and true.g_ci_low is not None:
            g = {f: round(getattr(true, f), 2) for f in ("hedges_g", "g_ci_low", "g_ci_high")}
            shown = replaced(shown, g)
        out.append(shown)
    return out


def derived_sections(
    result: BenchmarkResult,
    public: Sequence[OutcomeRow],
    policy: DisclosurePolicy,
) -> dict[str, tuple[Any, ...]]:
    """Funnels, forest, meta-analysis, subgroups and case-mix, recomputed from the public
    outcome rows ``public`` of ``result``, with controlled counts (keys: the result's
    field names)."""
    lookup = _n_lookup(public)
    hidden = {outcome_key(r) for r in public if r.n_paired is None and r.suppressed}
    pooled = {outcome_key(r): r for r in result.pooled}

    def copy_n(row: R, service: str, field: str, group: tuple[str, str, str]) -> R:
        source = lookup.get((service, *group))
        n = None if source is None else source.n_paired
        marks = {} if n is not None else {field: SECONDARY}
        changes: dict[str, Any] = {field: n, "suppressed": {**row.suppressed, **marks}}
        return replaced(row, changes)

    def total_n(row: R, field: str, group: tuple[str, str, str]) -> R:
        value = getattr(row, field)
        if value is None:
            return row
        if group in hidden:
            marks = {**row.suppressed, field: SECONDARY}
            return replaced(row, {field: None, "suppressed": marks})
        return replaced(row, {field: policy.round_count(value)})

    def key(r: Any) -> tuple[str, str, str]:
        return (r.instrument, r.period, r.timepoint)

    def min_n(row: R, n_field: str, fields: tuple[str, ...]) -> R:
        """Withhold ``fields`` when the policy's minimum n exceeds the result's."""
        n = getattr(row, n_field)
        if n is None or n >= policy.min_n:
            return row
        marks = {f: BELOW_MIN_N for f in fields if getattr(row, f) is not None}
        cleared = dict.fromkeys(fields)
        return replaced(row, {**cleared, "suppressed": {**row.suppressed, **marks}})

    # Funnels, meta-analysis, forest and subgroups are recomputed from the published
    # outcome rows, so they imply no count beyond those rows (see .implied).
    groups = comparisons.group_rows(public)
    points, summaries = comparisons.funnels(groups)
    # Meta-analysis and subgroups pool every service with an estimate: a service whose
    # n is hidden enters with its own g and variance (they bound n but cannot pin it,
    # as its baseline/follow-up correlation is not published); its forest row and the
    # pooled n are hidden.
    analysis = comparisons.group_rows(_analysis_rows(result.outcomes, public))
    meta_rows, forest_rows = comparisons.meta(analysis)
    services = {s.service_id: s for s in result.services}
    levels, tests = comparisons.subgroups(analysis, services, result.options.by)
    forest = [
        hide_implied(copy_n(f, f.service_id, "n_paired", key(f)), "forest") for f in forest_rows
    ]
    terms: dict[tuple[str, str, str], int] = defaultdict(int)
    for coefficient in result.casemix_coefficients:
        if coefficient.term != "const":
            terms[key(coefficient)] += 1
    fits = []
    for fit in result.casemix_fit:
        total = pooled.get(key(fit))
        n = None if total is None else total.n_paired
        fits.append(total_n(replaced(fit, {"n": n}), "n", key(fit)))
    return {
        "funnel_points": tuple(points),
        "funnels": tuple(summaries),
        "forest": tuple(forest),
        "meta": tuple(total_n(m, "n_paired", key(m)) for m in meta_rows),
        "subgroups": tuple(total_n(s, "n_paired", key(s)) for s in levels),
        "subgroup_tests": tuple(tests),
        "casemix_fit": tuple(public_casemix_fit(f, terms[key(f)]) for f in fits),
        "casemix_coefficients": tuple(
            rounded(c, "casemix_coefficients") for c in result.casemix_coefficients
        ),
        "casemix_services": tuple(
            public_casemix_service(
                c, copy_n(min_n(c, "n", CASEMIX_ESTIMATES), c.service_id, "n", key(c))
            )
            for c in result.casemix_services
        ),
    }
