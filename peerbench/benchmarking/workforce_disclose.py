"""Disclosure control of the workforce sections (SPEC §12 "Workforce", disclosure).

Small teams make workers easy to identify, so (same :class:`DisclosurePolicy` as for
participants):

* **No public per-service figures.** Rows of level ``service`` are shown only to the
  organisation that runs the service (unrounded, like its other rows).
* **Service models only when none is one service.** ``facilitator_model`` rows are
  published only when every model present (``not_recorded`` included) holds at least
  :data:`MIN_SERVICES_PER_GROUP` services with worker records; otherwise a model's
  figures would be one service's, or the pool's minus the others'.
* **Cells.** Per level × group × measure the roles and their total (role ``all``) form
  one margin table: ``n_yes + n_no = n_base`` across, roles summing to ``all`` down.
  Counts 1–7 are suppressed, others rounded to 5, secondary suppression so no hidden
  count can be solved, shares recomputed from rounded counts and hidden below
  ``min_n``. The ``accredited`` base is the ``trained`` count: a cell hidden in one is
  hidden in the other (until nothing changes). A cell hidden in a model's table is
  hidden in the pool's table too (the models sum to the pool).
* **Wellbeing** per instrument: roles and their total, the same rules; means and SDs
  to one decimal and the interval recomputed from the published n, so the interval's
  width cannot give n back.
* **End reasons**: network totals only, in four groups (own health never on its own).
* **Practice attributes** on ``services`` (``regular_supervision`` …) are shown only to
  the organisation running the service; the comparison by practice is published.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from peerbench.benchmarking.disclosure_tables import SECONDARY, Layout, control_group
from peerbench.benchmarking.implied import hide_implied
from peerbench.benchmarking.result import BenchmarkResult
from peerbench.benchmarking.rows import ServiceInfo
from peerbench.benchmarking.workforce_rows import (
    ALL,
    NOT_RECORDED,
    PRACTICE,
    WorkerEndReasonRow,
    WorkerWellbeingRow,
    WorkforceRow,
)
from peerbench.disclosure import TOTAL, DisclosurePolicy, SuppressionReason
from peerbench.stats import dist

MIN_SERVICES_PER_GROUP = 2
"""Fewest services with worker records in every published service-model group."""

WORKFORCE = Layout(
    counts=("n_base", "n_yes", "n_no"),
    margin=(("n_yes", "n_no"), "n_base"),
    proportions={"share": ("n_yes", "n_base")},
)
_STATISTICS = ("mean_baseline", "mean_change", "sd_change", "ci_low", "ci_high")
WELLBEING = Layout(counts=("n_paired",), statistics=dict.fromkeys(_STATISTICS, "n_paired"))
END_REASONS = Layout(counts=("n_ended",))
_COLUMN = {"n_base": TOTAL, "n_yes": "n_yes", "n_no": "n_no"}

Hidden = set[tuple[str, str, str]]
"""(measure, role label, table column) cells to hide."""


def _label(role: str) -> str:
    return TOTAL if role == ALL else role


def _hidden_cells(rows: Iterable[WorkforceRow]) -> Hidden:
    return {
        (r.measure, _label(r.role), _COLUMN[f])
        for r in rows
        for f in _COLUMN
        if getattr(r, f) is None and f in r.suppressed
    }


def control_block(
    rows: Sequence[WorkforceRow], policy: DisclosurePolicy, extra: Hidden | None = None
) -> list[WorkforceRow]:
    """Public rows of one level × group (every measure), ``extra`` cells forced hidden."""
    forced: Hidden = set(extra or ())
    by_measure: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_measure[row.measure].append(i)
    while True:
        out = list(rows)
        for measure, index in by_measure.items():
            members = [rows[i] for i in index]
            cells = {
                (label, col): SuppressionReason.SECONDARY
                for m, label, col in forced
                if m == measure
            }
            public = control_group(
                members, [_label(r.role) for r in members], WORKFORCE, policy, forced=cells or None
            )
            for i, row in zip(index, public, strict=True):
                out[i] = row
        linked: Hidden = set()
        for row in out:
            if row.measure == "trained" and row.n_yes is None:
                linked.add(("accredited", _label(row.role), TOTAL))
            if row.measure == "accredited" and row.n_base is None:
                linked.add(("trained", _label(row.role), "n_yes"))
        if linked <= forced:
            return out
        forced |= linked


def _model_groups_publishable(rows: Sequence[WorkforceRow], result: BenchmarkResult) -> bool:
    models = {s.service_id: s.facilitator_model or NOT_RECORDED for s in result.services}
    staffed = {r.group for r in rows if r.level == "service"}
    counts: dict[str, int] = defaultdict(int)
    for service in staffed:
        counts[models.get(service, NOT_RECORDED)] += 1
    return bool(counts) and min(counts.values()) >= MIN_SERVICES_PER_GROUP


def public_workforce(
    result: BenchmarkResult, policy: DisclosurePolicy, owned: set[str]
) -> tuple[WorkforceRow, ...]:
    """The workforce rows a viewer owning ``owned`` services may see."""
    rows = result.workforce
    staffed = {r.group for r in rows if r.level == "service"}
    if staffed and owned >= staffed:
        return rows
    own = [r for r in rows if r.level == "service" and r.group in owned]
    blocks: dict[tuple[str, str], list[WorkforceRow]] = defaultdict(list)
    for row in rows:
        if row.level != "service":
            blocks[(row.level, row.group)].append(row)
    models: list[WorkforceRow] = []
    if _model_groups_publishable(rows, result):
        for (level, _), members in sorted(blocks.items()):
            if level == "facilitator_model":
                models += control_block(members, policy)
    pooled = control_block(blocks.get(("all", ALL), []), policy, _hidden_cells(models))
    return (*pooled, *models, *own)


def _t_interval(mean: float, sd: float, n: int) -> tuple[float, float]:
    half = float(dist.t_ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def _rounded_wellbeing(row: WorkerWellbeingRow) -> WorkerWellbeingRow:
    """Means and SD to one decimal; the interval from them and the published n."""
    changes: dict[str, Any] = {
        f: round(getattr(row, f), 1)
        for f in ("mean_baseline", "mean_change", "sd_change")
        if getattr(row, f) is not None
    }
    hidden = dict(row.suppressed)
    if row.mean_change is None or row.sd_change is None:
        return dataclasses.replace(row, **changes)
    if row.n_paired is None or row.n_paired < 2:
        changes |= {"ci_low": None, "ci_high": None}
        hidden |= {"ci_low": SECONDARY, "ci_high": SECONDARY}
    else:
        low, high = _t_interval(changes["mean_change"], changes["sd_change"], row.n_paired)
        changes |= {"ci_low": round(low, 1), "ci_high": round(high, 1)}
    return dataclasses.replace(row, **changes, suppressed=hidden)


def public_wellbeing(
    rows: Sequence[WorkerWellbeingRow], policy: DisclosurePolicy
) -> tuple[WorkerWellbeingRow, ...]:
    """Worker wellbeing rows controlled per instrument (roles with their total)."""
    out = list(rows)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.instrument].append(i)
    for index in groups.values():
        members = [rows[i] for i in index]
        public = control_group(members, [_label(r.role) for r in members], WELLBEING, policy)
        for i, row in zip(index, public, strict=True):
            # A mean is withheld with the count it rests on (implied.py's rule 1).
            out[i] = hide_implied(_rounded_wellbeing(row), "worker_wellbeing")
    return tuple(out)


def public_end_reasons(
    rows: Sequence[WorkerEndReasonRow], policy: DisclosurePolicy
) -> tuple[WorkerEndReasonRow, ...]:
    """End reason groups and their total, controlled together."""
    if not rows:
        return ()
    labels = [_label(r.reason_group) for r in rows]
    return tuple(control_group(list(rows), labels, END_REASONS, policy))


def controlled_workforce(
    result: BenchmarkResult, policy: DisclosurePolicy, owned: set[str]
) -> dict[str, Any]:
    """The three workforce sections as ``owned``'s organisation (or the public) sees them."""
    staffed = {r.group for r in result.workforce if r.level == "service"}
    if staffed and owned >= staffed:
        return {
            "workforce": result.workforce,
            "worker_wellbeing": result.worker_wellbeing,
            "worker_end_reasons": result.worker_end_reasons,
        }
    return {
        "services": public_services(result, owned),
        "workforce": public_workforce(result, policy, owned),
        "worker_wellbeing": public_wellbeing(result.worker_wellbeing, policy),
        "worker_end_reasons": public_end_reasons(result.worker_end_reasons, policy),
    }


def public_services(result: BenchmarkResult, owned: set[str]) -> tuple[ServiceInfo, ...]:
    """Services with their workforce practice shown only to the organisation running them.

    The "what works" comparison has already used every service's practice (its levels
    publish the number of services and the pooled estimate, not which service is which);
    a service's own "yes"/"no" would say, for a team of one or two, how each worker is
    supervised or trained.
    """
    blank: dict[str, Any] = dict.fromkeys(PRACTICE)
    return tuple(
        s if s.service_id in owned else dataclasses.replace(s, **blank) for s in result.services
    )
