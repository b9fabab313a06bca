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
ones. The precision of each published field is read from the publication itself: the
most decimals any value of that field shows (over 6 decimals counts as exact).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from scipy import stats

from peerbench.stats import cohens_dz_from_summary

SCORE_STEP: dict[str, float] = {
    "GAD7": 1.0,
    "PHQ9": 1.0,
    "REQOL10": 1.0,
    "UCLA3": 1.0,
    "ONSLONELY": 1.0,
    "SEMCD6": 1 / 60,  # mean of the 4, 5 or 6 items answered
}
"""Instruments whose scores are multiples of ``step`` (prefix match: ``ONS4.*``, ``EQ5D5L.*``).

WEMWBS and CORE-10 are left out: they pro-rate forms with missing items, so their
scores are not always whole numbers."""

_PREFIX_STEP = {"ONS4.": 1.0, "EQ5D5L.": 1.0}
OUTCOME_SECTIONS = ("outcomes", "pooled", "networks")
OUTCOME_COUNTS = (
    "n_baseline",
    "n_paired",
    "n_improved",
    "n_unchanged",
    "n_deteriorated",
    "n_case_baseline",
    "n_recovered",
    "n_reliably_recovered",
)
_PROPORTIONS = {
    "coverage": ("n_paired", "n_baseline"),
    "share_improved": ("n_improved", "n_paired"),
    "share_unchanged": ("n_unchanged", "n_paired"),
    "share_deteriorated": ("n_deteriorated", "n_paired"),
    "recovery_rate": ("n_recovered", "n_case_baseline"),
    "reliable_recovery_rate": ("n_reliably_recovered", "n_case_baseline"),
}
_EXACT = 7  # decimals above 6 mean "published at full precision"
_UNBOUNDED = 5000  # widest candidate range the attack enumerates


def score_step(instrument: str) -> float | None:
    """The lattice step of an instrument's scores (None: not known to be on a lattice)."""
    if instrument in SCORE_STEP:
        return SCORE_STEP[instrument]
    return next((s for p, s in _PREFIX_STEP.items() if instrument.startswith(p)), None)


def _decimals(value: float) -> int:
    for d in range(_EXACT):
        if abs(round(value, d) - value) <= 1e-12 * max(1.0, abs(value)):
            return d
    return _EXACT


def _half(decimals: int, value: float) -> float:
    """Half a unit of the published precision (a float tolerance when exact)."""
    if decimals >= _EXACT:
        return 1e-9 * max(1.0, abs(value))
    return 0.5 * 10.0**-decimals + 1e-12 * max(1.0, abs(value))


@dataclasses.dataclass
class Count:
    """One count of one published row and the values it could take."""

    section: str
    key: tuple[tuple[str, Any], ...]
    field: str
    published: int | None
    reason: str | None
    candidates: set[int]

    zero_published: bool = True

    @property
    def protected(self) -> bool:
        """Rounded or hidden (an exact published 0 is not protected by policy)."""
        return self.published is None or self.published != 0

    @property
    def pinned(self) -> bool:
        """Only one value is left for a rounded or hidden count.

        A count pinned to 0 is not counted when the policy publishes zeros as they are
        (``small_count_min > 0``): learning that a hidden count is 0 reveals nothing the
        policy protects.
        """
        if not self.protected or len(self.candidates) != 1:
            return False
        return not (self.zero_published and self.candidates == {0})


class Attack:
    """The state of one attack on one publication (see :func:`attack`)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        policy = (data.get("disclosure") or {}).get("policy") or {}
        self.base = int(policy.get("rounding_base", 5))
        self.small = (int(policy.get("small_count_min", 1)), int(policy.get("small_count_max", 7)))
        self.min_n = int((data.get("options") or {}).get("min_n", 10))
        self.precision = self._precision()
        self.counts: dict[tuple[str, tuple[tuple[str, Any], ...], str], Count] = {}

    def _precision(self) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = defaultdict(int)
        for section, rows in self.data.items():
            if not isinstance(rows, list):
                continue
            for row in rows:
                if not isinstance(row, Mapping):
                    continue
                for field, value in row.items():
                    if isinstance(value, float) and math.isfinite(value):
                        key = (section, field)
                        found[key] = max(found[key], _decimals(value))
        return dict(found)

    def half(self, section: str, field: str, value: float) -> float:
        """Half a unit of ``section.field``'s published precision."""
        return _half(self.precision.get((section, field), _EXACT), value)

    def start(
        self, section: str, key: Any, field: str, row: Mapping[str, Any], upper: int
    ) -> Count:
        """The initial candidates of a count from its published value or reason."""
        value = row.get(field)
        reason = (row.get("suppressed") or {}).get(field)
        if value is not None:
            value = int(value)
            spread = self.base // 2 if self.base > 1 else 0
            low = max(0, value - spread)
            cands = set(range(low, value + spread + 1))
            cands -= set(range(self.small[0], self.small[1] + 1)) if value else set()
        elif reason == "small-count":
            cands = set(range(self.small[0], self.small[1] + 1))
        elif reason is not None:
            cands = set(range(0, min(upper, _UNBOUNDED) + 1))
            cands -= set(range(self.small[0], self.small[1] + 1))
        else:
            cands = set()
        count = Count(section, key, field, value, reason, cands, self.small[0] > 0)
        self.counts[(section, key, field)] = count
        return count


def narrow(count: Count, keep: Iterable[int] | Any) -> None:
    """Apply a constraint (a predicate on n or a set) unless it would leave nothing."""
    if callable(keep):
        left = {n for n in count.candidates if keep(n)}
    else:
        left = count.candidates & set(keep)
    if left:
        count.candidates = left


def narrow_unless_published(count: Count, keep: Any) -> None:
    """Narrow by a statistic unless it fits the *published* count.

    peerbench recomputes intervals, SEs and adjusted R² from the published (rounded)
    count; a statistic that fits the published count exactly may be such a
    recomputation and then says nothing about the true count. (For a publication that
    used the true count, this skips the rows where the true and published counts agree,
    which is sound.)
    """
    if count.published is not None and keep(count.published):
        return
    narrow(count, keep)


def mean_fits(n: int, mean: float, half: float, step: float) -> bool:
    """Some whole sum ``S`` gives ``S·step/n`` within ``half`` of the published mean."""
    if n <= 0:
        return False
    low, high = (mean - half) * n / step, (mean + half) * n / step
    return math.floor(high + 1e-9) >= math.ceil(low - 1e-9)


def sd_fits(n: int, mean: float, mean_half: float, sd: float, sd_half: float, step: float) -> bool:
    """Some admissible sum ``S`` and whole sum of squares ``Q`` give the published SD."""
    if n < 2:
        return False
    s_low = math.ceil((mean - mean_half) * n / step - 1e-9)
    s_high = math.floor((mean + mean_half) * n / step + 1e-9)
    lo_sd, hi_sd = max(0.0, sd - sd_half) / step, (sd + sd_half) / step
    for s in range(s_low, min(s_high, s_low + 200) + 1):
        # In score units of ``step``: Q = (n − 1)·sd² + S²/n is a whole number.
        q_low = (n - 1) * lo_sd**2 + s * s / n
        q_high = (n - 1) * hi_sd**2 + s * s / n
        if math.floor(q_high + 1e-9) >= math.ceil(q_low - 1e-9):
            return True
    return False


def t_half_fits(n: int, half_width: float, tol: float, sd: float, sd_half: float) -> bool:
    """``t₀.₉₇₅,ₙ₋₁·sd/√n`` can equal the published half-width."""
    if n < 2:
        return False
    factor = float(stats.t.ppf(0.975, n - 1)) / math.sqrt(n)
    return factor * max(0.0, sd - sd_half) - tol <= half_width <= factor * (sd + sd_half) + tol


def se_fits(n: int, se: float, se_half: float, sd: float, sd_half: float) -> bool:
    """``sd/√n`` can equal the published standard error."""
    if n < 1:
        return False
    root = math.sqrt(n)
    return max(0.0, sd - sd_half) / root - se_half <= se <= (sd + sd_half) / root + se_half


def dz_fits(n: int, dz: float, dz_half: float, low: float, high: float, half: float) -> bool:
    """The noncentral-t interval of d_z at ``n`` matches the published bounds."""
    if n < 2:
        return False
    found = cohens_dz_from_summary(n, dz, 1.0)
    slack = half + 1.5 * dz_half
    return abs(found.ci_low - low) <= slack and abs(found.ci_high - high) <= slack


def ratio_fits(n: int, p: float, half: float) -> bool:
    """Some whole ``k`` in ``[0, n]`` gives ``k/n`` within ``half`` of ``p``."""
    if n <= 0:
        return False
    low, high = max(0.0, (p - half) * n), min(float(n), (p + half) * n)
    return math.floor(high + 1e-9) >= math.ceil(low - 1e-9)


def _key(section: str, row: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    from peerbench.benchmarking.result import SECTIONS

    return tuple((k, row.get(k)) for k in SECTIONS[section].KEY)


def _outcome_row(
    att: Attack, section: str, row: Mapping[str, Any], upper: Mapping[str, int]
) -> dict[str, Count]:
    key = _key(section, row)
    c = {f: att.start(section, key, f, row, upper.get(f, _UNBOUNDED)) for f in OUTCOME_COUNTS}
    if any(row.get(f) is not None for f in ("follow_up_mean", "mean_change", "sd_change", "d_z")):
        narrow(c["n_paired"], lambda n: n >= att.min_n)
    if row.get("baseline_mean") is not None:
        narrow(c["n_baseline"], lambda n: n >= att.min_n)
    step = score_step(str(row["instrument"]))
    value = row.get
    half = lambda f: att.half(section, f, float(value(f)))  # noqa: E731
    if step is not None:
        for f, nf in (
            ("follow_up_mean", "n_paired"),
            ("mean_change", "n_paired"),
            ("baseline_mean", "n_baseline"),
        ):
            if (m := value(f)) is not None:
                h = half(f)
                narrow(c[nf], lambda n, m=m, h=h: mean_fits(n, m, h, step))
        for f, sdf, nf in (
            ("mean_change", "sd_change", "n_paired"),
            ("baseline_mean", "baseline_sd", "n_baseline"),
        ):
            if (m := value(f)) is not None and (sd := value(sdf)) is not None:
                mh, sh = half(f), half(sdf)
                narrow(c[nf], lambda n, m=m, sd=sd, mh=mh, sh=sh: sd_fits(n, m, mh, sd, sh, step))
    low, high, sd = value("change_ci_low"), value("change_ci_high"), value("sd_change")
    if low is not None and high is not None and sd is not None:
        tol, sh = half("change_ci_low") + half("change_ci_high"), half("sd_change")
        narrow_unless_published(
            c["n_paired"], lambda n: t_half_fits(n, (high - low) / 2, tol, sd, sh)
        )
    dz, dlow, dhigh = value("d_z"), value("d_z_ci_low"), value("d_z_ci_high")
    if (
        dz is not None
        and dlow is not None
        and dhigh is not None
        and len(c["n_paired"].candidates) <= 60
    ):
        dh, ch = half("d_z"), max(half("d_z_ci_low"), half("d_z_ci_high"))
        narrow_unless_published(c["n_paired"], lambda n: dz_fits(n, dz, dh, dlow, dhigh, ch))
    for p, (num, den) in _PROPORTIONS.items():
        if (v := value(p)) is None:
            continue
        pn, pd = value(num), value(den)
        if pn is not None and pd and abs(pn / pd - v) <= 1e-12:
            continue  # recomputed from the published counts: nothing new
        h = half(p)
        narrow(c[den], lambda n, v=v, h=h: ratio_fits(n, v, h))
    return c


def additive(parts: list[Count], total: Count) -> bool:
    """Narrow ``total = Σ parts`` by interval arithmetic; True when anything changed."""
    members = [*parts, total]
    if not parts or any(not m.candidates for m in members):
        return False
    before = [len(m.candidates) for m in members]
    lo = [min(p.candidates) for p in parts]
    hi = [max(p.candidates) for p in parts]
    narrow(total, lambda n: sum(lo) <= n <= sum(hi))
    t_lo, t_hi = min(total.candidates), max(total.candidates)
    for i, part in enumerate(parts):
        rest_lo, rest_hi = sum(lo) - lo[i], sum(hi) - hi[i]
        narrow(part, lambda n, a=t_lo - rest_hi, b=t_hi - rest_lo: a <= n <= b)
    return before != [len(m.candidates) for m in members]


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
        narrow_unless_published(counts["n_paired"], lambda n: se_fits(n, se, seh, sd, sdh))


def _casemix(att: Attack) -> None:
    terms: dict[tuple[Any, ...], int] = defaultdict(int)
    for coef in att.data.get("casemix_coefficients", []):
        terms[(coef["instrument"], coef["period"], coef["timepoint"])] += 1
    for fit in att.data.get("casemix_fit", []):
        count = att.start("casemix_fit", _key("casemix_fit", fit), "n", fit, _UNBOUNDED)
        r2, adj = fit.get("r2"), fit.get("adj_r2")
        p = terms.get((fit["instrument"], fit["period"], fit["timepoint"]), 0) - 1
        if r2 is None or adj is None or p < 1:
            continue
        h_adj, h_r2 = att.half("casemix_fit", "adj_r2", adj), att.half("casemix_fit", "r2", r2)

        def fits(n: int, r2: float = r2, adj: float = adj, p: int = p) -> bool:
            if n - p - 1 <= 0:
                return False
            ratio = (n - 1) / (n - p - 1)
            return abs(1 - (1 - r2) * ratio - adj) <= h_adj + h_r2 * ratio

        narrow_unless_published(count, fits)


def _economics(att: Attack) -> None:
    changes = [
        float(r["mean"])
        for r in att.data.get("economics", [])
        if r.get("quantity") == "life_satisfaction_change" and r.get("mean") is not None
    ]
    change_half = _half(max(map(_decimals, changes), default=_EXACT), 0.0) * 1.01
    groups: dict[tuple[Any, ...], list[Count]] = defaultdict(list)
    totals: dict[tuple[Any, ...], Count] = {}
    for row in att.data.get("economics", []):
        count = att.start("economics", _key("economics", row), "n", row, _UNBOUNDED)
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
                    narrow(count, lambda n, m=m, h=h: mean_fits(n, m, h, 1.0))
        mean, quantity = row.get("mean"), row.get("quantity")
        value = assumptions.get("adjusted_value")
        if mean is not None and quantity == "wellby_value_per_participant" and value:
            # As precise as the value in pounds, or as the change it may be computed from.
            h = max(att.half("economics", "mean", mean) / float(value), change_half)
            narrow(count, lambda n, m=mean / float(value), h=h: mean_fits(n, m, h, 1.0))
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
    for row in data.get("reach", []):
        for field in ("engagements", "participants", "n_ended", "n_completed"):
            att.start("reach", _key("reach", row), field, row, _UNBOUNDED)
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
            f: att.start("sustainment", _key("sustainment", r), f, r, _UNBOUNDED) for f in fields
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
                    max(total[f].candidates) if f in total and total[f].candidates else _UNBOUNDED,
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
