"""The intruder's attack (:mod:`peerbench.benchmarking.attack`) on the access tables.

Equations an intruder holding the published ``access`` and ``access_reasons`` rows can
write (each count starts from its published value, rounding interval or reason, as
:meth:`~peerbench.benchmarking.attack_checks.Attack.start` reads it):

* per period and breakdown, the groups' counts add up to the ``all`` row's, field by
  field;
* within a row, every nested difference of :data:`~.access_disclose.NESTED` is a
  *remainder* count ≥ 0 (e.g. referred = started + not started): it is registered as a
  count of its own (field ``n_referred-n_started``), so a remainder narrowed to one
  value is reported as pinned like any hidden count;
* reasons not started add up to their ``Total``, and the ``all`` row's started plus
  that total is its referred.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from peerbench.benchmarking.access_disclose import COUNTS, NESTED
from peerbench.benchmarking.access_rows import OVERALL, AccessReasonRow, AccessRow
from peerbench.benchmarking.attack_checks import UNBOUNDED, Attack, Count
from peerbench.disclosure import TOTAL

__all__ = ["access_equations"]

Equation = tuple[list[Count], Count]


def _remainder(att: Attack, key: Any, whole: Count, parts: tuple[str, ...], name: str) -> Count:
    upper = max(whole.candidates) if whole.candidates else UNBOUNDED
    field = "-".join((name, *parts))
    count = Count("access", key, field, None, "derived", set(range(0, upper + 1)),
                  att.small[0] > 0, att.base > 1)  # fmt: skip
    att.counts[("access", key, field)] = count
    return count


def _row_counts(att: Attack, row: Mapping[str, Any], equations: list[Equation]) -> dict[str, Count]:
    key = tuple((k, row.get(k)) for k in AccessRow.KEY)
    counts = {f: att.start("access", key, f, row, UNBOUNDED) for f in COUNTS}
    for whole, parts in NESTED:
        rest = _remainder(att, key, counts[whole], parts, whole)
        equations.append(([*(counts[p] for p in parts), rest], counts[whole]))
    return counts


def access_equations(att: Attack, equations: list[Equation]) -> None:
    """Add the access tables' counts to ``att`` and their equations to ``equations``."""
    rows: dict[tuple[str, str], list[dict[str, Count]]] = defaultdict(list)
    overall: dict[str, dict[str, Count]] = {}
    for row in att.data.get("access", []):
        counts = _row_counts(att, row, equations)
        if row["breakdown"] == OVERALL:
            overall[row["period"]] = counts
        else:
            rows[(row["period"], row["breakdown"])].append(counts)
    for (period, _), members in rows.items():
        if period in overall:
            for field in COUNTS:
                equations.append(([m[field] for m in members], overall[period][field]))
    reasons: dict[str, list[Count]] = defaultdict(list)
    totals: dict[str, Count] = {}
    for row in att.data.get("access_reasons", []):
        key = tuple((k, row.get(k)) for k in AccessReasonRow.KEY)
        count = att.start("access_reasons", key, "n", row, UNBOUNDED)
        if row["uptake"] == TOTAL:
            totals[row["period"]] = count
        else:
            reasons[row["period"]].append(count)
    for period, total in totals.items():
        equations.append((reasons[period], total))
        if period in overall:
            row = overall[period]
            equations.append(([row["n_started"], total], row["n_referred"]))
