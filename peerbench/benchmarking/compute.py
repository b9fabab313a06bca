"""``compute(source, options) -> BenchmarkResult``: the whole benchmark from pooled data.

Steps:

1. Periods: with ``options.period`` unset every row's ``_period`` lineage is relabelled
   :data:`~peerbench.benchmarking.result.ALL_PERIODS`, so the aggregate layer pools all
   periods (a pair still belongs to one baseline); with a period set, only rows whose
   baseline (or, for reach, engagement) falls in it are kept.
2. :func:`peerbench.aggregate.compute_tables` on ``options.backend`` (with the
   participant-level ``paired`` and ``baselines`` tables, and ``network_outcomes``
   when a service → network mapping is given). Change is already oriented there
   (positive = improvement, from the instrument's direction); instruments without a
   direction (ONSLONELY) are left out.
3. Per-service, pooled and network outcome rows (:mod:`.outcome_stats`), comparisons
   (:mod:`.comparisons`), case-mix (:mod:`.casemix`), sustainment, reach, economic
   value (:mod:`.value`) and access from referral to first contact (:mod:`.access`);
   comparisons resting on fewer than the policy's ``min_services`` services are withheld
   (:mod:`.sufficiency`). Every estimate below
   ``options.min_n`` is withheld with reason ``below-min-n`` and kept as a row.

The result is raw (unrounded): publish it only through :func:`~peerbench.benchmarking.controlled`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.aggregate import BenchmarkSource, compute_tables, instrument_parameters
from peerbench.aggregate.lineage import LINEAGE_COLUMNS, add_lineage, latest_rows
from peerbench.aggregate.scored_cache import scored_outcomes, with_period
from peerbench.aggregate.sources import BENCHMARK_RECORD_TYPES
from peerbench.benchmarking import (
    access,
    casemix,
    comparisons,
    joint,
    outcome_stats,
    sufficiency,
    value,
)
from peerbench.benchmarking.key_codes import key_codes
from peerbench.benchmarking.result import (
    ALL_PERIODS,
    BenchmarkOptions,
    BenchmarkResult,
    DataQualityNote,
)
from peerbench.benchmarking.rows import (
    NetworkOutcomeRow,
    OutcomeRow,
    PooledOutcomeRow,
    ReachRow,
    ServiceInfo,
    SustainmentRow,
)
from peerbench.benchmarking.workforce_source import with_practice, workforce_of
from peerbench.disclosure import DisclosurePolicy
from peerbench.schema.instruments import InstrumentRegistry

BELOW_MIN_N = outcome_stats.BELOW_MIN_N
_ATTRIBUTES = ("name", "facilitator_model", "delivery_format", "structure", "condition_focus")


def period_view(
    source: BenchmarkSource, period: str | None, registry: InstrumentRegistry | None = None
) -> tuple[BenchmarkSource, pa.Table]:
    """What to aggregate: the source and its scored outcomes, in one period when ``period``
    is None (every ``_period`` set to ``"all"``).

    The scored outcomes come from :func:`scored_outcomes` (cached), so a view never reads
    or scores the raw outcomes again.
    """
    scored = scored_outcomes(source, registry)
    if period is not None:
        return source, scored
    tables = {}
    for record_type in BENCHMARK_RECORD_TYPES:
        if record_type == "outcome":
            continue  # aggregated from the scored table
        tables[record_type] = with_period(source.read(record_type), ALL_PERIODS)
    return BenchmarkSource.from_tables(tables), with_period(scored, ALL_PERIODS)


def _select(table: pa.Table, options: BenchmarkOptions) -> pa.Table:
    """Rows of the requested instrument (and its subscales) and period."""
    names = table.column_names
    if options.instrument is not None and "instrument" in names:
        column = table.column("instrument")
        wanted = pc.or_(
            pc.equal(column, options.instrument),
            pc.starts_with(column, f"{options.instrument}."),
        )
        table = table.filter(wanted)
    if options.period is not None and "period" in names:
        table = table.filter(pc.equal(table.column("period"), options.period))
    return table


def _none(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _services(table: pa.Table, networks: Mapping[str, str] | None) -> list[ServiceInfo]:
    rows = table.select(["service_id", "organisation_id", *_ATTRIBUTES]).to_pylist()
    found = {
        r["service_id"]: ServiceInfo(**r, network=(networks or {}).get(r["service_id"]))
        for r in rows
    }
    return [found[k] for k in sorted(found)]


def _withheld(values: dict[str, Any], rules: Mapping[str, str], min_n: int) -> dict[str, str]:
    """Set statistics resting on fewer than ``min_n`` to None; return the markers."""
    suppressed: dict[str, str] = {}
    for field, n_field in rules.items():
        n = values.get(n_field)
        if n is not None and n < min_n and values.get(field) is not None:
            values[field] = None
            suppressed[field] = BELOW_MIN_N
    return suppressed


def _records(table: pa.Table, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: _none(r.get(k)) for k in fields} for r in table.to_pylist()]


def _sustainment(per_service: pa.Table, pooled: pa.Table, min_n: int) -> list[SustainmentRow]:
    fields = ("instrument", "period", "horizon", "n_eligible", "n_followed_up", "n_sustained")
    rules = {"share_sustained": "n_followed_up", "retention": "n_eligible"}
    rows: list[SustainmentRow] = []
    for table, by_service in ((per_service, True), (pooled, False)):
        for record in _records(table, (*fields, *rules, "service_id")):
            if not by_service:
                record["service_id"] = None
            suppressed = _withheld(record, rules, min_n)
            rows.append(SustainmentRow(**record, suppressed=suppressed))
    return rows


def _reach(table: pa.Table, min_n: int) -> list[ReachRow]:
    fields = ("service_id", "period", "engagements", "participants", "median_sessions")
    rules = {"median_sessions": "engagements", "share_completed": "n_ended"}
    rows: list[ReachRow] = []
    for record in _records(table, (*fields, "n_ended", "n_completed", "share_completed")):
        suppressed = _withheld(record, rules, min_n)
        rows.append(ReachRow(**record, suppressed=suppressed))
    return rows


def _economics(
    pairs: pd.DataFrame,
    baselines: pd.DataFrame,
    service_use: pa.Table | None,
    options: BenchmarkOptions,
    owners: Mapping[str, str],
) -> tuple[list[Any], list[DataQualityNote]]:
    rows = value.wellby_rows(
        pairs, min_n=options.min_n, target_price_year=options.target_price_year
    )
    notes: list[DataQualityNote] = []
    if service_use is not None and service_use.num_rows:
        # A record sent again in a later period counts once, as last submitted.
        latest = latest_rows(add_lineage("service_use", service_use), "service_use")
        records = latest.drop_columns(list(LINEAGE_COLUMNS)).to_pandas()
        # Only people benchmarked here: a baseline in the period (any instrument). (An
        # inner merge with the distinct people, as a filter on integer keys: key_codes.)
        mine, benchmarked = key_codes([records, baselines])
        # (pandas' hash-table isin: np.isin sorts both arrays, 3 s of this at 10M rows)
        kept = pd.Series(mine).isin(benchmarked).to_numpy()
        records = records[kept].reset_index(drop=True)
        records, notes = value.usable_service_use(records, owners)
        rows += value.service_use_rows(
            records,
            min_n=options.min_n,
            cost_table=options.cost_table,
            target_price_year=options.target_price_year,
        )
    return rows, notes


def _joint_rows(
    tables: Mapping[str, pa.Table],
    options: BenchmarkOptions,
    thresholds: dict[str, float | None],
    owners: dict[str, dict[str, Any]],
    mapping: pa.Table | None,
) -> tuple[list[OutcomeRow], list[PooledOutcomeRow], list[NetworkOutcomeRow]]:
    """The NHS Talking Therapies joint rows (:mod:`.joint`): services, pooled, networks.

    Only the two instruments' rows are converted to pandas (the joint counts read no
    others): a fifth of the participant-level tables."""
    period = options.period
    both = pa.array([joint.DEPRESSION, joint.ANXIETY])
    frames = []
    for name in ("paired", "baselines"):
        table = tables[name]
        if period is not None:
            table = table.filter(pc.equal(table.column("period"), period))
        frames.append(table.filter(pc.is_in(table.column("instrument"), both)).to_pandas())
    people = joint.JointPeople.of(*frames)  # once for the three groupings
    networks = None if mapping is None else mapping.to_pandas()

    def made(by: tuple[str, ...], row_type: Any, extra: Any = None) -> list[Any]:
        summary = joint.summarise(people, by, networks if by == ("network",) else None)
        return outcome_stats.outcome_rows(
            summary,
            joint.empty_moments(by),
            by,
            row_type,
            min_n=options.min_n,
            thresholds=thresholds,
            extra=extra,
        )

    return (
        made(("service_id",), OutcomeRow, owners),
        made((), PooledOutcomeRow),
        made(("network",), NetworkOutcomeRow) if networks is not None else [],
    )


def compute(
    source: BenchmarkSource,
    options: BenchmarkOptions | None = None,
    *,
    service_use: pa.Table | None = None,
    generated_from: str = "in-memory source",
    registry: InstrumentRegistry | None = None,
) -> BenchmarkResult:
    """Compute the benchmark of ``source`` (raw: control it before publishing).

    Args:
        source: Pooled-store files or a folder, as an aggregate-layer source.
        options: What to compute (default :class:`BenchmarkOptions`).
        service_use: Service-use records for the service-use value (optional).
        generated_from: Description of the source, kept in the result.
        registry: Instrument definitions (default: built-ins).
    """
    result, _ = compute_with_tables(
        source, options, service_use=service_use, generated_from=generated_from, registry=registry
    )
    return result


def compute_with_tables(
    source: BenchmarkSource,
    options: BenchmarkOptions | None = None,
    *,
    service_use: pa.Table | None = None,
    generated_from: str = "in-memory source",
    registry: InstrumentRegistry | None = None,
) -> tuple[BenchmarkResult, dict[str, pa.Table]]:
    """:func:`compute` and its :func:`~peerbench.aggregate.compute_tables` answer (before
    the instrument and period filters), so that a caller needing those tables too (the
    reports) does not aggregate the pool a second time."""
    options = options or BenchmarkOptions()
    view, scored = period_view(source, options.period, registry)
    mapping = None
    if options.networks:
        items = sorted(options.networks.items())
        mapping = pa.table({"service_id": [k for k, _ in items], "network": [v for _, v in items]})
    tables = compute_tables(
        view,
        backend=options.backend,
        scored=scored,
        networks=mapping,
        registry=registry,
        include_paired=True,
    )
    every_instrument = tables
    tables = {name: _select(table, options) for name, table in tables.items()}
    params = instrument_parameters(registry).to_pandas()
    directed = set(params.loc[params["direction"].notna(), "instrument"])
    thresholds = {
        str(k): _none(v) for k, v in zip(params["instrument"], params["rc_threshold"], strict=False)
    }
    services = _services(view.read("service"), options.networks)
    staff = workforce_of(
        source,
        services,
        as_of=options.as_of,
        min_n=options.min_n,
        instrument=options.instrument,
        registry=registry,
    )
    services = with_practice(services, staff.practice)
    by_id = {s.service_id: s for s in services}
    # Instruments with a direction only, filtered before the conversion (a boolean
    # filter of the pandas frame took 7 s at 10M rows: it gathers every text column).
    paired = tables["paired"]
    wanted = pa.array(sorted(directed), pa.string())
    pairs = paired.filter(pc.is_in(paired.column("instrument"), wanted)).to_pandas()

    def rows(name: str, by: tuple[str, ...], row_type: Any, extra: Any = None) -> list[Any]:
        summary = tables[name].to_pandas()
        summary = summary[summary["instrument"].isin(directed)]
        frame = pairs
        if by == ("network",) and mapping is not None:
            frame = pairs.merge(mapping.to_pandas(), on="service_id")
        moments = outcome_stats.pair_moments(frame, [*by, "instrument", "period", "timepoint"])
        return outcome_stats.outcome_rows(
            summary,
            moments,
            by,
            row_type,
            min_n=options.min_n,
            thresholds=thresholds,
            extra=extra,
        )

    owners = {s.service_id: {"organisation_id": s.organisation_id} for s in services}
    outcomes = rows("service_outcomes", ("service_id",), OutcomeRow, owners)
    pooled = rows("overall_outcomes", (), PooledOutcomeRow)
    networks = rows("network_outcomes", ("network",), NetworkOutcomeRow) if mapping else []
    if options.instrument in (None, joint.TALKING_THERAPIES):
        both = _joint_rows(every_instrument, options, thresholds, owners, mapping)
        outcomes, pooled, networks = outcomes + both[0], pooled + both[1], networks + both[2]
    groups = comparisons.group_rows(outcomes)
    funnel_points, funnels = comparisons.funnels(groups)
    meta, forest = comparisons.meta(groups)
    levels, tests = comparisons.subgroups(groups, by_id, options.by)
    participants = view.read("participant").to_pandas()
    fits, coefficients, adjusted = casemix.casemix(
        casemix.with_covariates(pairs, participants), min_n=options.min_n
    )
    economics, notes = _economics(
        pairs,
        tables["baselines"].to_pandas(),
        service_use,
        options,
        {s.service_id: s.organisation_id for s in services},
    )
    access_rows, access_reasons = access.access_sections(
        view,
        period=options.period,
        as_of=options.as_of,
        min_n=options.min_n,
        service_models={s.service_id: s.facilitator_model for s in services},
        networks=options.networks,
        all_periods=ALL_PERIODS,
    )
    result = BenchmarkResult(
        options=options,
        generated_from=generated_from,
        services=tuple(services),
        reach=tuple(_reach(tables["reach"], options.min_n)),
        outcomes=tuple(outcomes),
        pooled=tuple(pooled),
        networks=tuple(networks),
        funnel_points=tuple(funnel_points),
        funnels=tuple(funnels),
        meta=tuple(meta),
        forest=tuple(forest),
        subgroups=tuple(levels),
        subgroup_tests=tuple(tests),
        casemix_fit=tuple(fits),
        casemix_coefficients=tuple(coefficients),
        casemix_services=tuple(adjusted),
        sustainment=tuple(
            _sustainment(tables["sustainment"], tables["overall_sustainment"], options.min_n)
        ),
        economics=tuple(economics),
        access=tuple(access_rows),
        access_reasons=tuple(access_reasons),
        workforce=staff.rows,
        worker_wellbeing=staff.wellbeing,
        worker_end_reasons=staff.end_reasons,
        data_quality=tuple(notes),
    )
    policy = options.disclosure_policy or DisclosurePolicy()
    return sufficiency.withhold_thin(result, policy.min_services), every_instrument
