"""The model of :mod:`.attack`: candidate sets of counts and the checks that narrow them.

:class:`Count` holds the whole numbers one count could be; :class:`Attack` reads the
publication's policy and each field's precision; :func:`narrow` applies a constraint
unless it would leave nothing; :func:`additive` narrows ``total = Σ parts``. Each
``*_fits`` function answers for one candidate ``n`` and one published statistic, given
half a unit of the precision it was published to: exact arithmetic on the definitions
(scipy's t quantile and the d_z interval of :mod:`peerbench.stats` aside).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from peerbench.stats import cohens_dz_from_summary, dist

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
UNBOUNDED = 5000  # widest candidate range the attack enumerates
EXACT = 7  # decimals above 6 mean "published at full precision"


def score_step(instrument: str) -> float | None:
    """The lattice step of an instrument's scores (None: not known to be on a lattice)."""
    if instrument in SCORE_STEP:
        return SCORE_STEP[instrument]
    return next((s for p, s in _PREFIX_STEP.items() if instrument.startswith(p)), None)


def decimals(value: float) -> int:
    for d in range(EXACT):
        if abs(round(value, d) - value) <= 1e-12 * max(1.0, abs(value)):
            return d
    return EXACT


def half_unit(decimals: int, value: float) -> float:
    """Half a unit of the published precision (a float tolerance when exact)."""
    if decimals >= EXACT:
        return 1e-9 * max(1.0, abs(value))
    return 0.5 * 10.0**-decimals + 1e-12 * max(1.0, abs(value))


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
    factor = float(dist.t_ppf(0.975, n - 1)) / math.sqrt(n)
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


def at_least(n: int, low: int) -> bool:
    """``n ≥ low`` (a statistic published beside a count rests on at least min_n)."""
    return n >= low


def adjusted_r2_fits(
    n: int, r2: float, adj: float, terms: int, tol_adj: float, tol_r2: float
) -> bool:
    """``1 − (1 − R²)(n − 1)/(n − terms − 1)`` can equal the published adjusted R²."""
    if n - terms - 1 <= 0:
        return False
    ratio = (n - 1) / (n - terms - 1)
    return abs(1 - (1 - r2) * ratio - adj) <= tol_adj + tol_r2 * ratio


def ratio_fits(n: int, p: float, half: float) -> bool:
    """Some whole ``k`` in ``[0, n]`` gives ``k/n`` within ``half`` of ``p``."""
    if n <= 0:
        return False
    low, high = max(0.0, (p - half) * n), min(float(n), (p + half) * n)
    return math.floor(high + 1e-9) >= math.ceil(low - 1e-9)


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
    rounded: bool = True

    @property
    def protected(self) -> bool:
        """Rounded or hidden (a count the policy publishes exactly, such as 0, is not)."""
        return self.published is None or (self.rounded and self.published != 0)

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
                        found[key] = max(found[key], decimals(value))
        return dict(found)

    def half(self, section: str, field: str, value: float) -> float:
        """Half a unit of the precision ``value`` was published to.

        The field's precision (the most decimals any of its values shows), unless this
        value shows fewer: precision may differ from row to row (e.g. more decimals for
        means of more people), and reading a value as coarser than it is never rules
        out a true count.
        """
        field_decimals = self.precision.get((section, field), EXACT)
        return half_unit(min(field_decimals, decimals(value)), value)

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
            cands = set(range(0, min(upper, UNBOUNDED) + 1))
            cands -= set(range(self.small[0], self.small[1] + 1))
        else:
            cands = set()
        count = Count(section, key, field, value, reason, cands, self.small[0] > 0, self.base > 1)
        self.counts[(section, key, field)] = count
        return count


def narrow(count: Count, keep: Iterable[int] | Callable[[int], bool]) -> None:
    """Apply a constraint (a predicate on n or a set) unless it would leave nothing."""
    if callable(keep):
        left = {n for n in count.candidates if keep(n)}
    elif isinstance(keep, range):
        left = {n for n in count.candidates if n in keep}
    else:
        left = count.candidates & set(keep)
    if left:
        count.candidates = left


def narrow_unless_published(count: Count, keep: Callable[[int], bool]) -> None:
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


def additive(parts: list[Count], total: Count) -> bool:
    """Narrow ``total = Σ parts`` by interval arithmetic; True when anything changed."""
    members = [*parts, total]
    if not parts or any(not m.candidates for m in members):
        return False
    before = [len(m.candidates) for m in members]
    lo = [min(p.candidates) for p in parts]
    hi = [max(p.candidates) for p in parts]
    narrow(total, range(sum(lo), sum(hi) + 1))
    t_lo, t_hi = min(total.candidates), max(total.candidates)
    for i, part in enumerate(parts):
        rest_lo, rest_hi = sum(lo) - lo[i], sum(hi) - hi[i]
        narrow(part, range(t_lo - rest_hi, t_hi - rest_lo + 1))
    return before != [len(m.candidates) for m in members]
