"""The analyst's attack on a published benchmark: which hidden or rounded counts can be pinned?

This module plays an intruder who holds only what leaves the pool (the benchmark JSON of
``peerbench benchmark --format json``, the API's response or a report's
``.figures.json``) and knows how peerbench publishes (Kerckhoffs: the method is public).
For every published row it builds the set of whole numbers each count could be, then
removes every candidate that contradicts a published statistic of the row *to that
statistic's published precision*:

* **Rounding and suppression**: a count published as ``r`` (rounded to ``base``) lies in
  ``[r − ⌊base/2⌋, r + ⌊base/2⌋]``; a ``small-count`` lies in the policy's small range;
  any other hidden count in ``[0, the pooled row's upper bound]``. A statistic
  published beside a count rests on at least ``min_n`` people.
* **Means of integer scores** (:data:`SCORE_STEP`): ``mean × n / step`` is a whole
  number, so a mean published to ``d`` decimals admits ``n`` only when
  ``[mean ± ½·10⁻ᵈ]·n/step`` contains an integer (e.g. 4.4545… = 49/11 rules out 10).
* **SDs of integer scores**: ``(n − 1)·sd² + S²/n`` is the (whole) sum of squares for
  some admissible sum ``S``.
* **Intervals and standard errors**: the paired-t half-width ``t₀.₉₇₅,ₙ₋₁·sd/√n``, the
  d_z noncentral-t interval, the funnel's ``se = sd/√n``, the economic values' ``n``
  in their assumptions, adjusted R² (``1 − (1 − R²)(n − 1)/(n − p − 1)``).
* **Proportions** not recomputed from the published counts: ``k/n`` for a whole ``k``.
* **Differencing**: service rows add up to the pooled row (and to their network's row),
  improved + unchanged + deteriorated = paired; interval arithmetic over the candidate
  sets narrows each one from the others, repeated to a fixed point.

A constraint that would leave no candidate at all is ignored for that row (the intruder
cannot tell a wrong assumption, e.g. a pro-rated score, from a contradiction), so the
attack never rules out the true value. A count is **pinned** when one candidate is left
and the count was rounded or hidden (a published ``0`` is exact by policy and is not
counted). :func:`attack` returns every count's candidates; :func:`pinned` the pinned
ones. The precision of each published value is read from the publication itself: the
decimals it shows, at most the most any value of its field shows (over 6 decimals
counts as exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import partial
from typing import Any

from peerbench.benchmarking.access_attack import access_equations
from peerbench.benchmarking.attack_checks import (
    EXACT,
    SCORE_STEP,
    UNBOUNDED,
    Attack,
    Count,
    additive,
    adjusted_r2_fits,
    at_least,
    decimals,
    dz_fits,
    half_unit,
    mean_fits,
    narrow,
    narrow_unless_published,
    ratio_fits,
    score_step,
    sd_fits,
    se_fits,
    t_half_fits,
)
from peerbench.benchmarking.outcome_stats import COUNT_FIELDS

__all__ = [
    "SCORE_STEP",
    "Attack",
    "Count",
    "additive",
    "attack",
    "dz_fits",
    "mean_fits",
    "narrow",
    "pinned",
    "ratio_fits",
    "score_step",
    "sd_fits",
    "se_fits",
    "small_published",
    "t_half_fits",
]

OUTCOME_SECTIONS = ("outcomes", "pooled", "networks")
OUTCOME_COUNTS = COUNT_FIELDS
_PROPORTIONS = {
    "coverage": ("n_paired", "n_baseline"),
    "share_improved": ("n_improved", "n_paired"),
    "share_unchanged": ("n_unchanged", "n_paired"),
    "share_deteriorated": ("n_deteriorated", "n_paired"),
    "recovery_rate": ("n_recovered", "n_case_baseline"),
    "reliable_recovery_rate": ("n_reliably_recovered", "n_case_baseline"),
}


def _key(section: str, row: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    from peerbench.benchmarking.result import SECTIONS

    return tuple((k, row.get(k)) for k in SECTIONS[section].KEY)


def _outcome_row(
    att: Attack, section: str, row: Mapping[str, Any], upper: Mapping[str, int]
) -> dict[str, Count]:
    key = _key(section, row)
    c = {f: att.start(section, key, f, row, upper.get(f, UNBOUNDED)) for f in OUTCOME_COUNTS}
    if any(row.get(f) is not None for f in ("follow_up_mean", "mean_change", "sd_change", "d_z")):
        narrow(c["n_paired"], partial(at_least, low=att.min_n))
    if row.get("baseline_mean") is not None:
        narrow(c["n_baseline"], partial(at_least, low=att.min_n))
    step = score_step(str(row["instrument"]))
    value = row.get

    def half(f: str) -> float:
        return att.half(section, f, float(row[f]))

    if step is not None:
        for f, nf in (
            ("follow_up_mean", "n_paired"),
            ("mean_change", "n_paired"),
            ("baseline_mean", "n_baseline"),
        ):
            if (m := value(f)) is not None:
                h = half(f)
                narrow(c[nf], partial(mean_fits, mean=m, half=h, step=step))
        for f, sdf, nf in (
            ("mean_change", "sd_change", "n_paired"),
            ("baseline_mean", "baseline_sd", "n_baseline"),
        ):
            if (m := value(f)) is not None and (sd := value(sdf)) is not None:
                mh, sh = half(f), half(sdf)
                narrow(
                    c[nf],
                    partial(sd_fits, mean=m, mean_half=mh, sd=sd, sd_half=sh, step=step),
                )
    low, high, sd = value("change_ci_low"), value("change_ci_high"), value("sd_change")
    if low is not None and high is not None and sd is not None:
        tol, sh = half("change_ci_low") + half("change_ci_high"), half("sd_change")
        narrow_unless_published(
            c["n_paired"],
            partial(t_half_fits, half_width=(high - low) / 2, tol=tol, sd=sd, sd_half=sh),
        )
    dz, dlow, dhigh = value("d_z"), value("d_z_ci_low"), value("d_z_ci_high")
    if (
        dz is not None
        and dlow is not None
        and dhigh is not None
        and len(c["n_paired"].candidates) <= 60
    ):
        dh, ch = half("d_z"), max(half("d_z_ci_low"), half("d_z_ci_high"))
        narrow_unless_published(
            c["n_paired"],
            partial(dz_fits, dz=dz, dz_half=dh, low=dlow, high=dhigh, half=ch),
        )
    for p, (num, den) in _PROPORTIONS.items():
        if (v := value(p)) is None:
            continue
        pn, pd = value(num), value(den)
        if pn is not None and pd and abs(pn / pd - v) <= 1e-12:
            continue  # recomputed from the published counts: nothing new
        h = half(p)
        narrow(c[den], partial(ratio_fits, p=v, half=h))
    return c


def _funnel(att: Attack, rows: Mapping[tuple[Any, ...], dict[str, Count]]) -> None:
    outcomes = {_key("outcomes", r): r for r in att.data.get("outcomes", [])}
    for point in att.data.get("funnel_points", []):
        if point.get("metric") != "mean_change" or point.get("se") is None:
            continue
        key = tuple((k, point.get(k)) for k in ("service_id", "instrument", "period", "timepoint"))
        row, counts = outcomes.get(key), rows.get(key)
        if row is None or counts is None or row.get("sd_change") is None:
            continue
        se, sd = float(point["se"]), float(row["sd_change"])
        seh, sdh = att.half("funnel_points", "se", se), att.half("outcomes", "sd_change", sd)
        narrow_unless_published(
            counts["n_paired"], partial(se_fits, se=se, se_half=seh, sd=sd, sd_half=sdh)
        )


def _casemix(att: Attack) -> None:
    terms: dict[tuple[Any, ...], int] = defaultdict(int)
    for coef in att.data.get("casemix_coefficients", []):
        terms[(coef["instrument"], coef["period"], coef["timepoint"])] += 1
    for fit in att.data.get("casemix_fit", []):
        count = att.start("casemix_fit", _key("casemix_fit", fit), "n", fit, UNBOUNDED)
        r2, adj = fit.get("r2"), fit.get("adj_r2")
        p = terms.get((fit["instrument"], fit["period"], fit["timepoint"]), 0) - 1
        if r2 is None or adj is None or p < 1:
            continue
        h_adj, h_r2 = att.half("casemix_fit", "adj_r2", adj), att.half("casemix_fit", "r2", r2)

        narrow_unless_published(
            count,
            partial(adjusted_r2_fits, r2=r2, adj=adj, terms=p, tol_adj=h_adj, tol_r2=h_r2),
        )


def _economics(att: Attack) -> None:
    changes = [
        float(r["mean"])
        for r in att.data.get("economics", [])
        if r.get("quantity") == "life_satisfaction_change" and r.get("mean") is not None
    ]
    # The coarsest change published: a WELLBY value may be computed from it.
    change_half = half_unit(min(map(decimals, changes), default=EXACT), 0.0) * 1.01
    groups: dict[tuple[Any, ...], list[Count]] = defaultdict(list)
    totals: dict[tuple[Any, ...], Count] = {}
    for row in att.data.get("economics", []):
        count = att.start("economics", _key("economics", row), "n", row, UNBOUNDED)
        assumptions = row.get("assumptions") or {}
        exact = {
            v
            for k, v in assumptions.items()
            if k in {"n", "n_paired", "n_complete"}
            and isinstance(v, int)
            and not isinstance(v, bool)
        }
        if exact and count.published not in exact:
            narrow(count, exact)
        if row.get("quantity") == "life_satisfaction_change":
            for f in ("mean", "ci_low", "ci_high"):
                if (m := row.get(f)) is not None:
                    h = att.half("economics", f, m)
                    narrow(count, partial(mean_fits, mean=m, half=h, step=1.0))
        mean, quantity = row.get("mean"), row.get("quantity")
        value = assumptions.get("adjusted_value")
        if mean is not None and quantity == "wellby_value_per_participant" and value:
            # As precise as the value in pounds, or as the change it may be computed from.
            h = max(att.half("economics", "mean", mean) / float(value), change_half)
            narrow(count, partial(mean_fits, mean=mean / float(value), half=h, step=1.0))
        group = (row.get("kind"), row.get("quantity"))
        if row.get("service_id") is None:
            totals[group] = count
        else:
            groups[group].append(count)
    for group, total in totals.items():
        additive(groups.get(group, []), total)


def attack(data: Mapping[str, Any]) -> list[Count]:
    """Every count of a published benchmark with the values an intruder cannot rule out."""
    att = Attack(data)
    pooled: dict[tuple[Any, ...], dict[str, Count]] = {}
    for row in data.get("pooled", []):
        pooled[_key("pooled", row)] = _outcome_row(att, "pooled", row, {})
    services: dict[tuple[Any, ...], dict[str, Count]] = {}
    for row in data.get("outcomes", []):
        total = pooled.get(_key("pooled", row), {})
        upper = {f: max(c.candidates) for f, c in total.items() if c.candidates}
        services[_key("outcomes", row)] = _outcome_row(att, "outcomes", row, upper)
    networks = {
        _key("networks", r): _outcome_row(att, "networks", r, {}) for r in data.get("networks", [])
    }
    _funnel(att, services)
    network_of = {s["service_id"]: s.get("network") for s in data.get("services", [])}
    equations: list[tuple[list[Count], Count]] = []
    for group in (pooled, services, networks):
        for counts in group.values():
            parts = [counts[f] for f in ("n_improved", "n_unchanged", "n_deteriorated")]
            equations.append((parts, counts["n_paired"]))
    by_group: dict[tuple[Any, ...], list[dict[str, Count]]] = defaultdict(list)
    by_network: dict[tuple[Any, ...], list[dict[str, Count]]] = defaultdict(list)
    for key, counts in services.items():
        service, rest = key[0][1], key[1:]
        by_group[rest].append(counts)
        by_network[(("network", network_of.get(service)), *rest)].append(counts)
    for field in OUTCOME_COUNTS:
        for rest, members in by_group.items():
            if rest in pooled:
                equations.append(([m[field] for m in members], pooled[rest][field]))
        for key, members in by_network.items():
            if key in networks:
                equations.append(([m[field] for m in members], networks[key][field]))
    _sustainment(att, equations)
    access_equations(att, equations)
    for row in data.get("reach", []):
        for field in ("engagements", "participants", "n_ended", "n_completed"):
            att.start("reach", _key("reach", row), field, row, UNBOUNDED)
    for _ in range(20):
        if not any([additive(parts, total) for parts, total in equations]):
            break
    _casemix(att)
    _economics(att)
    return list(att.counts.values())


def _sustainment(att: Attack, equations: list[tuple[list[Count], Count]]) -> None:
    fields = ("n_eligible", "n_followed_up", "n_sustained")
    rows = att.data.get("sustainment", [])
    totals = {
        (r["instrument"], r["period"], r["horizon"]): {
            f: att.start("sustainment", _key("sustainment", r), f, r, UNBOUNDED) for f in fields
        }
        for r in rows
        if r.get("service_id") is None
    }
    parts: dict[tuple[Any, ...], list[dict[str, Count]]] = defaultdict(list)
    for r in rows:
        if r.get("service_id") is None:
            continue
        group = (r["instrument"], r["period"], r["horizon"])
        total = totals.get(group, {})
        parts[group].append(
            {
                f: att.start(
                    "sustainment",
                    _key("sustainment", r),
                    f,
                    r,
                    max(total[f].candidates) if f in total and total[f].candidates else UNBOUNDED,
                )
                for f in fields
            }
        )
    for group, members in parts.items():
        if group in totals:
            for f in fields:
                equations.append(([m[f] for m in members], totals[group][f]))


def pinned(data: Mapping[str, Any]) -> list[Count]:
    """The rounded or hidden counts an intruder can pin to a single value."""
    return [c for c in attack(data) if c.pinned]


def small_published(data: Mapping[str, Any], policy_range: tuple[int, int] = (1, 7)) -> list[str]:
    """Every published count (including economics assumptions) in the small-count range."""
    low, high = policy_range
    found: list[str] = []
    count_fields = {
        *OUTCOME_COUNTS,
        "n",
        "n_eligible",
        "n_followed_up",
        "n_sustained",
        "engagements",
        "participants",
        "n_ended",
        "n_completed",
        "n_paired",
    }
    for section, rows in data.items():
        if not isinstance(rows, list):
            continue
        for row in rows:
            if not isinstance(row, Mapping):
                continue
            items = list(row.items()) + [
                (f"assumptions.{k}", v)
                for k, v in (row.get("assumptions") or {}).items()
                if k in {"n", "n_paired", "n_complete"}
            ]
            for field, value in items:
                name = field.removeprefix("assumptions.")
                if name in count_fields and isinstance(value, int) and low <= value <= high:
                    found.append(f"{section} {dict(row).get('service_id')} {field}={value}")
    return found
