"""``controlled(result, policy, viewer_organisation_id=...)``: the publishable benchmark.

Every count and statistic passes :mod:`peerbench.disclosure` (defaults: NHS Digital):
counts 1–7 suppressed, other counts rounded to the nearest 5, statistics and
proportions on fewer than ``policy.min_n`` people suppressed, proportions recomputed
from rounded counts, then secondary suppression so no hidden count can be solved from
the published totals. Tables published together are controlled together:

* outcomes: per instrument × period × timepoint, the service rows and the pooled row
  form one group (margins: improved + unchanged + deteriorated = paired; services sum
  to the pooled row), see :mod:`.disclosure_tables`;
* sustainment (service rows + pooled row per instrument × period × horizon), economics
  (service rows + pooled row per kind × quantity) and reach (per period) likewise;
* networks: a network count is also hidden (``secondary``) wherever a service count of
  the same column and comparison is hidden, since networks are sums of services;
* statistics that imply counts (:mod:`.implied`): a statistic is hidden with any count
  it implies; beside rounded counts, means/SDs go to one decimal and intervals, SEs,
  effect sizes and adjusted R² are recomputed from the published counts
  (:mod:`.public_values`); economic assumptions show the published counts;
* derived sections are recomputed from the public outcome rows: funnels (a service
  with a hidden ``n_paired`` is not plotted), forest, meta-analysis and subgroups (a
  service whose n is hidden still enters the pooled estimate with its own g and
  variance, but its forest row and the pooled ``n_paired`` are hidden); case-mix
  ``n`` is the published ``n_paired``.

Owner view: rows of the viewer's own services (and a pooled row made only of them) are
shown unrounded and unsuppressed; everything else is exactly what the public sees, so
two viewers never get inconsistent patterns. Counts of services (``k``, ``levels``,
``df``) are not counts of people and are published as they are.

Limit: the protection is the disclosure module's (exact recovery from the published
linear margins, per comparison) plus the implication model, checked by
:mod:`.attack`; an organisation's knowledge of its own rows is not modelled as extra
equations (SPEC §12.12 lists the limits).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

from peerbench.benchmarking.access_disclose import controlled_access
from peerbench.benchmarking.disclose_derived import derived_sections, outcome_key
from peerbench.benchmarking.disclosure_tables import SECONDARY, Layout, control_group, replaced
from peerbench.benchmarking.implied import hide_implied
from peerbench.benchmarking.outcome_stats import COUNT_FIELDS, STATISTIC_N
from peerbench.benchmarking.public_values import (
    public_economics,
    public_outcomes,
)
from peerbench.benchmarking.result import BenchmarkResult, DisclosureInfo
from peerbench.benchmarking.rows import OutcomeRow, Row
from peerbench.benchmarking.sufficiency import withhold_thin
from peerbench.benchmarking.workforce_disclose import controlled_workforce
from peerbench.disclosure import TOTAL, DisclosurePolicy, SuppressionReason
from peerbench.stats import wilson_interval

R = TypeVar("R", bound=Row)

_OUTCOME_PROPORTIONS = {
    "coverage": ("n_paired", "n_baseline"),
    "share_improved": ("n_improved", "n_paired"),
    "share_unchanged": ("n_unchanged", "n_paired"),
    "share_deteriorated": ("n_deteriorated", "n_paired"),
    "recovery_rate": ("n_recovered", "n_case_baseline"),
    "reliable_recovery_rate": ("n_reliably_recovered", "n_case_baseline"),
}
OUTCOMES = Layout(
    counts=COUNT_FIELDS,
    margin=(("n_improved", "n_unchanged", "n_deteriorated"), "n_paired"),
    statistics={f: n for f, n in STATISTIC_N.items() if f not in _OUTCOME_PROPORTIONS},
    proportions=_OUTCOME_PROPORTIONS,
)
NETWORKS = dataclasses.replace(OUTCOMES, margin=None)
SUSTAINMENT = Layout(
    counts=("n_eligible", "n_followed_up", "n_sustained"),
    proportions={
        "share_sustained": ("n_sustained", "n_followed_up"),
        "retention": ("n_followed_up", "n_eligible"),
    },
)
REACH = Layout(
    counts=("engagements", "participants", "n_ended", "n_completed"),
    statistics={"median_sessions": "engagements"},
    proportions={"share_completed": ("n_completed", "n_ended")},
)
ECONOMICS = Layout(
    counts=("n",), statistics=dict.fromkeys(("mean", "ci_low", "ci_high", "low", "high"), "n")
)
_INTERVALS = {  # Wilson interval fields → the proportion and its counts
    ("improved_ci_low", "improved_ci_high"): ("share_improved", "n_improved", "n_paired"),
    ("recovery_ci_low", "recovery_ci_high"): ("recovery_rate", "n_recovered", "n_case_baseline"),
}


def _grouped(rows: Sequence[R], key: Callable[[R], Hashable]) -> dict[Hashable, list[int]]:
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[key(row)].append(i)
    return groups


def _control(
    rows: Sequence[R],
    key: Callable[[R], Hashable],
    label: Callable[[R], str],
    layout: Layout,
    policy: DisclosurePolicy,
    forced: Callable[[Hashable, list[R]], dict[Any, SuppressionReason]] | None = None,
) -> list[R]:
    """Public versions of ``rows``, controlled group by group (order kept)."""
    out: list[R] = list(rows)
    for group, index in _grouped(rows, key).items():
        members = [rows[i] for i in index]
        extra = forced(group, members) if forced else None
        public = control_group(members, [label(r) for r in members], layout, policy, forced=extra)
        for i, row in zip(index, public, strict=True):
            out[i] = row
    return out


def _wilson(rows: Sequence[R]) -> list[R]:
    """Wilson intervals recomputed from the published (rounded) counts (all rows at once)."""
    values: list[dict[str, Any]] = [{} for _ in rows]
    hidden: list[dict[str, str]] = [{} for _ in rows]
    todo: list[tuple[int, str, str]] = []
    events: list[int] = []
    sizes: list[int] = []
    for i, row in enumerate(rows):
        state = row.__dict__  # plain dataclasses (see disclosure_tables.replaced)
        for (low, high), (share, num, n) in _INTERVALS.items():
            x, size = state[num], state[n]
            if state[share] is None or x is None or not size:
                for f in (low, high):
                    if state[f] is not None:
                        values[i][f] = None
                        hidden[i][f] = row.suppressed.get(share, SECONDARY)
                continue
            todo.append((i, low, high))
            events.append(min(x, size))
            sizes.append(size)
    if todo:  # elementwise, so the same floats as one interval at a time
        interval = wilson_interval(events, sizes)
        bounds = zip(todo, interval.lower.tolist(), interval.upper.tolist(), strict=True)
        for (i, low, high), lower, upper in bounds:
            values[i] |= {low: lower, high: upper}
    return [
        replaced(row, {**values[i], "suppressed": {**row.suppressed, **hidden[i]}})
        for i, row in enumerate(rows)
    ]


def _network_forced(
    public: Sequence[OutcomeRow],
) -> Callable[[Hashable, list[Any]], dict[Any, SuppressionReason]]:
    hidden_cols: dict[Hashable, set[str]] = defaultdict(set)
    for row in public:
        hidden_cols[outcome_key(row)] |= {f for f in row.suppressed if f in COUNT_FIELDS}

    def forced(group: Hashable, rows: list[Any]) -> dict[Any, SuppressionReason]:
        cols = hidden_cols.get(group, set())
        return {(r.network, c): SuppressionReason.SECONDARY for r in rows for c in cols}

    return forced


def _service(row: Any) -> str:
    return TOTAL if row.service_id is None else str(row.service_id)


_pause_lock = threading.Lock()
_paused = 0
"""Controls in progress that paused the collector (a server runs them in threads)."""
_was_enabled = True


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory).

    Control builds hundreds of thousands of short-lived tuples and rows, none in cycles;
    each burst of allocations made the collector walk the whole raw result again (a
    quarter of a national benchmark's control time).
    """
    global _paused, _was_enabled
    with _pause_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        # Only the last of several overlapping controls (server threads) restores the
        # collector, to the state it had before the first: never left off for good.
        with _pause_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


def controlled(
    result: BenchmarkResult,
    policy: DisclosurePolicy | None = None,
    *,
    viewer_organisation_id: str | None = None,
) -> BenchmarkResult:
    """The disclosure-controlled result for a viewer (``None``: the public).

    Args:
        result: The raw result of :func:`~peerbench.benchmarking.compute`.
        policy: The rules (default: ``result.options.disclosure_policy`` or NHS Digital).
        viewer_organisation_id: The organisation viewing; its own services' rows are
            shown unrounded (owner view).
    """
    with _no_cycle_collection():
        return _controlled(result, policy, viewer_organisation_id)


def _controlled(
    result: BenchmarkResult, policy: DisclosurePolicy | None, viewer_organisation_id: str | None
) -> BenchmarkResult:
    policy = policy or result.options.disclosure_policy or DisclosurePolicy()
    owned = {
        s.service_id
        for s in result.services
        if viewer_organisation_id is not None and s.organisation_id == viewer_organisation_id
    }
    everyone = {s.service_id for s in result.services}
    owns_all = bool(owned) and owned >= everyone

    def pick(raw: Sequence[R], public: Sequence[R]) -> tuple[R, ...]:
        def mine(row: R) -> bool:
            service = getattr(row, "service_id", None)
            return service in owned if service is not None else owns_all

        return tuple(r if mine(r) else p for r, p in zip(raw, public, strict=True))

    def pick_keyed(raw: Sequence[R], public: Sequence[R]) -> tuple[R, ...]:
        """Like ``pick`` for sections recomputed from the public rows (keys may differ)."""
        own = {r.key(): r for r in raw if getattr(r, "service_id", None) in owned}
        shown = [own.pop(p.key(), p) for p in public]
        return (*shown, *own.values())

    outcome_rows = [*result.outcomes, *result.pooled]
    public_all = _control(
        outcome_rows, outcome_key, lambda r: getattr(r, "service_id", TOTAL), OUTCOMES, policy
    )
    public_all = public_outcomes(
        outcome_rows,
        _wilson(public_all),
        ["outcomes" if isinstance(raw, OutcomeRow) else "pooled" for raw in outcome_rows],
        policy,
    )
    public = [r for r in public_all if isinstance(r, OutcomeRow)]
    public_pooled = public_all[len(result.outcomes) :]
    networks = _control(
        result.networks,
        outcome_key,
        lambda r: r.network,
        NETWORKS,
        policy,
        forced=_network_forced(public),
    )
    networks = public_outcomes(
        result.networks, _wilson(networks), ["networks"] * len(networks), policy
    )
    sustainment = _control(
        result.sustainment,
        lambda r: (r.instrument, r.period, r.horizon),
        _service,
        SUSTAINMENT,
        policy,
    )
    sustainment = [hide_implied(r, "sustainment") for r in sustainment]
    reach = _control(result.reach, lambda r: r.period, _service, REACH, policy)
    reach = [hide_implied(r, "reach") for r in reach]
    economics = _control(
        result.economics, lambda r: (r.kind, r.quantity), _service, ECONOMICS, policy
    )
    economics = [public_economics(r, policy) for r in economics]
    derived = derived_sections(result, public, policy)
    access, access_reasons = controlled_access(result.access, result.access_reasons, policy)
    out = dataclasses.replace(
        result,
        disclosure=DisclosureInfo(
            policy=policy.model_dump(mode="json"),
            viewer_organisation_id=viewer_organisation_id,
            owner_services=tuple(sorted(owned)),
        ),
        outcomes=pick(result.outcomes, public),
        pooled=pick(result.pooled, public_pooled),  # type: ignore[arg-type]
        networks=tuple(networks),
        sustainment=pick(result.sustainment, sustainment),
        reach=pick(result.reach, reach),
        economics=pick(result.economics, economics),
        access=pick(result.access, access),
        access_reasons=pick(result.access_reasons, access_reasons),
        funnel_points=derived["funnel_points"],
        funnels=derived["funnels"],
        forest=pick_keyed(result.forest, derived["forest"]),
        meta=derived["meta"],
        subgroups=derived["subgroups"],
        subgroup_tests=derived["subgroup_tests"],
        casemix_fit=derived["casemix_fit"],
        casemix_coefficients=derived["casemix_coefficients"],
        casemix_services=pick(result.casemix_services, derived["casemix_services"]),
        **controlled_workforce(result, policy, owned),
    )
    return withhold_thin(out, policy.min_services)
