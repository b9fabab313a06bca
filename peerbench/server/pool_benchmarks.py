"""Role-scoped, disclosure-controlled benchmarks of the current pool.

The one place that decides whose data a benchmark pools and who is viewing it
(:func:`benchmark_scope`), and that computes the controlled result for that scope
(:func:`pooled_benchmark`). ``/v1/benchmarks``, ``/v1/reports`` and the portal's
network pages all call these, so the page and the API show the same figures.

* a **submitter** sees the pool of the networks its organisation belongs to (just its
  own data when it belongs to none), its own services unrounded (owner view), every
  other figure controlled;
* a **network analyst** sees its network's members, every figure controlled;
* an **admin** sees one network (``network_id``) or the whole pool, controlled;
* a **researcher** is refused: row-level data for research comes from extracts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pyarrow as pa
from sqlalchemy.orm import Session

from peerbench.aggregate import BenchmarkSource
from peerbench.aggregate.sources import BENCHMARK_RECORD_TYPES
from peerbench.benchmarking import DEFAULT_BY, BenchmarkOptions, BenchmarkResult
from peerbench.benchmarking.compute import compute_with_tables
from peerbench.benchmarking.disclose import controlled
from peerbench.benchmarking.rows import Row
from peerbench.disclosure import DisclosurePolicy
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.principal import Principal
from peerbench.server.service_pages import SERVICE_SECTIONS, ServicePage, service_page
from peerbench.server.tenancy import (
    get_network,
    network_member_ids,
    networks_of,
    pending_networks_of,
)

T = TypeVar("T")

__all__ = [
    "FUNNEL_METRICS",
    "SERVICE_SECTIONS",
    "ResultCache",
    "Scope",
    "ScopeRefused",
    "ServicePage",
    "benchmark_key",
    "benchmark_options",
    "benchmark_scope",
    "matching_rows",
    "network_name",
    "pool_state",
    "pooled_benchmark",
    "raw_benchmark",
    "raw_inputs",
    "service_page",
]

FUNNEL_METRICS = ("mean_change", "reliable_improvement")
"""Metrics the funnel plots show (see :mod:`peerbench.benchmarking.comparisons`)."""


class ResultCache(Protocol):
    """A cache with ``get_or_make`` (e.g. :class:`peerbench.api.cache.LruCache`)."""

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> tuple[Any, bool]: ...


class ScopeRefused(PermissionError):
    """The viewer may not read benchmarks in the scope asked for; the message says why."""


@dataclass(frozen=True)
class Scope:
    """Whose data a benchmark pools and who is viewing it, on which day.

    ``pending_network_ids``: networks the viewer's organisation has joined under an
    agreement that has not started on ``as_of`` (left out of the scope, and audited).
    """

    organisations: tuple[str, ...] | None
    network_ids: tuple[str, ...]
    viewer_organisation_id: str | None
    as_of: dt.date | None = None
    pending_network_ids: tuple[str, ...] = ()

    def audit_details(self) -> dict[str, Any]:
        """What the audit records of this scope."""
        details: dict[str, Any] = {
            "network_ids": list(self.network_ids),
            "organisations": None if self.organisations is None else list(self.organisations),
        }
        if self.as_of is not None:
            details["as_of"] = self.as_of.isoformat()
        if self.pending_network_ids:
            details["networks_not_started"] = list(self.pending_network_ids)
        return details


def benchmark_scope(
    session: Session, viewer: Principal, network_id: str | None, *, as_of: dt.date
) -> Scope:
    """The pool and viewer for ``viewer`` on ``as_of`` (admins may choose a network).

    Data-sharing agreements count only inside their window (from ``agreement_start``,
    until ``agreement_end`` when set), in both directions: a member outside its window
    neither shows its data to the network nor sees the other members' (it sees its own
    data only).

    Raises:
        ScopeRefused: researchers (they use extracts), or a non-admin choosing a network.
        peerbench.server.tenancy.NotFoundError: an admin chose a network that does not exist.
    """
    if network_id is not None and viewer.role != Role.ADMIN.value:
        raise ScopeRefused("Only admins may choose a network; other keys have a fixed scope.")
    if viewer.role == Role.SUBMITTER.value and viewer.organisation_id:
        own = viewer.organisation_id
        networks = networks_of(session, own, as_of=as_of)
        pending = pending_networks_of(session, own, as_of=as_of)
        members = {m for n in networks for m in network_member_ids(session, n, as_of=as_of)}
        members.add(own)  # its own data, even before an agreement starts
        return Scope(tuple(sorted(members)), tuple(networks), own, as_of, tuple(pending))
    if viewer.role == Role.NETWORK_ANALYST.value and viewer.network_id:
        members = set(network_member_ids(session, viewer.network_id, as_of=as_of))
        return Scope(tuple(sorted(members)), (viewer.network_id,), None, as_of)
    if viewer.role == Role.ADMIN.value:
        if network_id is None:
            return Scope(None, (), None, as_of)
        get_network(session, network_id)
        members_on = network_member_ids(session, network_id, as_of=as_of)
        return Scope(tuple(members_on), (network_id,), None, as_of)
    raise ScopeRefused(
        "Researcher keys have no benchmark access; download a research extract from "
        "/v1/extracts instead."
    )


def network_name(session: Session, scope: Scope) -> str:
    """The scope's networks' names (``"the network"`` when it has none)."""
    names = [get_network(session, n).name for n in scope.network_ids]
    return " and ".join(names) if names else "the network"


def benchmark_options(
    min_cell_count: int,
    instrument: str | None = None,
    period: str | None = None,
    by: tuple[str, ...] = DEFAULT_BY,
) -> BenchmarkOptions:
    """The options every server-side benchmark runs with (the server's minimum cell)."""
    return BenchmarkOptions(
        instrument=instrument,
        period=period,
        by=by,
        min_n=min_cell_count,
        disclosure_policy=DisclosurePolicy(min_n=min_cell_count),
    )


def pool_state(ctx: ServerContext, session: Session) -> str:
    """What a cached read depends on: the pool's generation.

    :meth:`peerbench.server.store.PooledStore.generation` changes exactly when a
    submission is accepted or superseded (compaction does not change it), and costs one
    small query whatever the pool's size. Keys add the scope and options to it.
    """
    return ctx.store.generation(session)


def benchmark_key(
    ctx: ServerContext, session: Session, scope: Scope, options: BenchmarkOptions
) -> Hashable:
    """The cache key of the controlled result of ``scope`` (see :func:`pooled_benchmark`)."""
    raw_key = ("raw", pool_state(ctx, session), scope.organisations, repr(options))
    return ("view", raw_key, scope.viewer_organisation_id)


def _raw_key(key: Hashable) -> Hashable:
    assert isinstance(key, tuple)
    raw: Hashable = key[1]
    return raw


def _cached(cache: ResultCache | None, key: Hashable, make: Callable[[], T]) -> tuple[T, bool]:
    """``make()`` through ``cache`` when there is one; and whether it came from it."""
    return (make(), False) if cache is None else cache.get_or_make(key, make)


PARTICIPANT_TABLES = ("paired", "demographics")
"""The aggregate tables the reports read besides the benchmark (participant level)."""


@dataclass(frozen=True)
class _Raw:
    """A raw result as cached, with the participant-level tables computed beside it.

    ``aggregates`` is empty when a period was asked for (the tables the reports need
    are of every period: :func:`peerbench.reports.builders.inputs.pool_report_data`).
    """

    result: BenchmarkResult
    aggregates: Mapping[str, pa.Table] = field(default_factory=dict)


def raw_inputs(
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    cache: ResultCache | None = None,
    key: Hashable | None = None,
) -> tuple[BenchmarkResult, Mapping[str, pa.Table], bool]:
    """:func:`raw_benchmark` and the participant-level tables made in the same pass.

    The reports need the pool's ``paired`` and ``demographics`` aggregates as well as
    the benchmark; :func:`~peerbench.benchmarking.compute.compute_with_tables` makes
    them on the way, so they are kept with the raw result instead of aggregating the
    pool again per report. Empty when ``options`` name a period.

    Returns:
        The raw result, the tables (by name), and whether they came from ``cache``.
    """
    view_key = key if key is not None else benchmark_key(ctx, session, scope, options)

    def make_raw() -> _Raw:
        reads = {
            rt: ctx.store.current_read(session, rt, scope.organisations)
            for rt in (*BENCHMARK_RECORD_TYPES, "service_use")
        }
        source = BenchmarkSource.from_reads({rt: reads[rt] for rt in BENCHMARK_RECORD_TYPES})
        organisations = (
            "all organisations"
            if scope.organisations is None
            else (", ".join(scope.organisations) or "no organisations")
        )
        service_use = reads["service_use"].table()
        result, tables = compute_with_tables(
            source,
            options,
            service_use=service_use if service_use.num_rows else None,
            generated_from=f"current pool of {organisations}",
        )
        # The same tables a report would aggregate (every period, the same view and
        # scores) only when no period narrows the benchmark.
        kept = {} if options.period is not None else {n: tables[n] for n in PARTICIPANT_TABLES}
        return _Raw(result, kept)

    raw, cached = _cached(cache, _raw_key(view_key), make_raw)
    return raw.result, raw.aggregates, cached


def raw_benchmark(
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    cache: ResultCache | None = None,
    key: Hashable | None = None,
) -> tuple[BenchmarkResult, bool]:
    """The raw (uncontrolled) result of ``scope``, and whether it came from ``cache``.

    Never publish it as it is: :func:`pooled_benchmark` controls it for a viewer, and
    the reports (:func:`peerbench.server.pool_reports.pool_report`) start from it too,
    so a report after a benchmark (or the other way round) computes it once.
    """
    result, _tables, cached = raw_inputs(ctx, session, scope, options, cache, key)
    return result, cached


def pooled_benchmark(
    ctx: ServerContext,
    session: Session,
    scope: Scope,
    options: BenchmarkOptions,
    cache: ResultCache | None = None,
    key: Hashable | None = None,
) -> tuple[BenchmarkResult, bool]:
    """The disclosure-controlled result for ``scope``, and whether it came from ``cache``.

    :func:`peerbench.benchmarking.compute` runs over the current pool files of the
    scoped organisations (:func:`raw_benchmark`) and
    :func:`peerbench.benchmarking.disclose.controlled` prepares the view for the scope's
    viewer. Raw results are cached per (pool state, scope, options) and controlled views
    per viewer too (:func:`benchmark_key`; pass ``key`` when already known), so repeated
    reads are cheap and a new submission (a new pool state) is never served stale.
    """
    view_key = key if key is not None else benchmark_key(ctx, session, scope, options)
    policy = options.disclosure_policy or DisclosurePolicy()

    def make_view() -> BenchmarkResult:
        raw, _ = raw_benchmark(ctx, session, scope, options, cache, view_key)
        return controlled(raw, policy, viewer_organisation_id=scope.viewer_organisation_id)

    return _cached(cache, view_key, make_view)


def matching_rows(rows: Sequence[Row], **match: str | None) -> list[dict[str, Any]]:
    """``rows`` as dicts, keeping those whose attributes equal every non-``None`` match."""
    wanted = {k: v for k, v in match.items() if v is not None}
    return [row.to_dict() for row in rows if all(getattr(row, k) == v for k, v in wanted.items())]
