"""Run every benchmark aggregation on one backend and return Arrow tables.

Example:
    >>> from peerbench.synth import SynthConfig, generate
    >>> source = BenchmarkSource.from_tables(generate(SynthConfig(organisations=2,
    ...     outcome_rows=500)).tables)
    >>> tables = compute_tables(source)
    >>> sorted(tables)[:3]
    ['demographics', 'overall_outcomes', 'overall_sustainment']
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

import pyarrow as pa

from peerbench.aggregate.backends import Backend
from peerbench.aggregate.engine import Engine, Input
from peerbench.aggregate.parameters import instrument_parameters
from peerbench.aggregate.participant_order import People
from peerbench.aggregate.scored_cache import scored_outcomes
from peerbench.aggregate.scoring import read_scored
from peerbench.aggregate.sources import BenchmarkSource
from peerbench.aggregate.stable import stable_floats
from peerbench.schema.instruments import InstrumentRegistry

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "service_outcomes": ("service_id", "instrument", "period", "timepoint"),
    "network_outcomes": ("network", "instrument", "period", "timepoint"),
    "overall_outcomes": ("instrument", "period", "timepoint"),
    "reach": ("service_id", "period"),
    "demographics": ("service_id", "period", "dimension", "category"),
    "population_demographics": ("period", "dimension", "category"),
    "sustainment": ("service_id", "instrument", "period", "horizon"),
    "overall_sustainment": ("instrument", "period", "horizon"),
    "baselines": ("participant_key", "service_id", "instrument"),
    "paired": ("participant_key", "service_id", "instrument", "timepoint"),
}
"""Each output table's unique key; :func:`compute_tables` sorts every table by it."""

PARTICIPANT_TABLES = ("baselines", "paired")
"""Participant-level tables, returned only with ``include_paired=True``."""

Scored: TypeAlias = pa.Table | str | Path


def _scored_table(
    source: BenchmarkSource, scored: Scored | None, registry: InstrumentRegistry | None
) -> pa.Table:
    if scored is None:
        return scored_outcomes(source, registry)
    if isinstance(scored, pa.Table):
        return scored
    return read_scored(scored)


PARTICIPANT_LEVEL = frozenset({"baselines", "paired"})
"""Tables of one row per participant and time point (no engine sums in them)."""


def _fetch(engine: Engine, name: str, inputs: list[Input], step: str | None = None) -> pa.Table:
    """Output table ``name`` (step ``step``, default the same name), sorted by its key."""
    keys = TABLE_KEYS[name]
    if engine.is_spark:
        table = engine.fetch(step or name, inputs).sort_by([(k, "ascending") for k in keys])
    else:
        # DuckDB sorts in its own threads (byte-wise strings, nulls last: the order of
        # pyarrow's sort_by) while it builds the result, far cheaper than a pyarrow
        # sort of the fetched table; the keys are unique, so the order is the same.
        table = engine.fetch(step or name, inputs, keys)
    if name in PARTICIPANT_LEVEL:
        return table  # one row per person: nothing was summed
    # Sums to 12 significant digits: the engine's summation order must not reach a
    # published figure (peerbench.aggregate.stable).
    return stable_floats(table)


def _compute(
    engine: Engine,
    source: BenchmarkSource,
    *,
    scored: Scored | None,
    networks: pa.Table | None,
    registry: InstrumentRegistry | None,
    include_paired: bool,
) -> dict[str, pa.Table]:
    params = engine.register(instrument_parameters(registry))
    table = engine.register(_scored_table(source, scored, registry))
    # The participant-level table feeds every outcome table: compute it once.
    wide = engine.materialise("participant_outcomes", [table, params])
    engagements = engine.register(source.read("engagement"))
    participants = engine.register(source.read("participant"))
    services = engine.register(source.read("service"))
    out: dict[str, pa.Table] = {
        "service_outcomes": _fetch(engine, "service_outcomes", [table, params, wide]),
        "reach": _fetch(engine, "reach", [engagements, services]),
        "demographics": _fetch(engine, "demographics", [participants, engagements]),
        "sustainment": _fetch(engine, "sustainment", [wide]),
    }
    # Pooled tables follow exactly from the small per-service results (counts add up;
    # means and SDs combine from n, mean and SD), so the data is not read again.
    per_service = engine.register(out["service_outcomes"])
    out["overall_outcomes"] = _fetch(engine, "overall_outcomes", [per_service])
    if networks is not None:
        mapping = engine.register(networks)
        out["network_outcomes"] = _fetch(engine, "network_outcomes", [per_service, mapping])
    per_service = engine.register(out["demographics"])
    out["population_demographics"] = _fetch(engine, "population_demographics", [per_service])
    per_service = engine.register(out["sustainment"])
    out["overall_sustainment"] = _fetch(engine, "overall_sustainment", [per_service])
    if include_paired:
        # One distinct of the scored rows' participant keys, shared by both tables; the
        # keys are attached and the rows ordered in Arrow (peerbench.aggregate.participant_order).
        people = engine.fetch("participant_keys", [table])
        ranked = People.of(people)
        known = engine.register(people)
        steps = {
            "baselines": ([wide], [table, wide, known]),
            "paired": ([table, params, wide], [table, params, wide, known]),
        }
        for name, (inputs, keyed) in steps.items():
            ordered = None
            if ranked is not None:
                schema = engine.sql(f"{name}_keyed", keyed, TABLE_KEYS[name]).schema
                ordered = ranked.attach(engine.fetch(name, inputs), TABLE_KEYS[name], schema)
            if ordered is None:
                ordered = _fetch(engine, name, keyed, f"{name}_keyed")
            out[name] = ordered
    return dict(sorted(out.items()))


def compute_tables(
    source: BenchmarkSource,
    *,
    backend: Backend | str = "duckdb",
    scored: Scored | None = None,
    networks: pa.Table | None = None,
    registry: InstrumentRegistry | None = None,
    include_paired: bool = False,
) -> dict[str, pa.Table]:
    """Compute every benchmark table of ``source`` on ``backend``.

    Args:
        source: Where the data comes from.
        backend: ``"duckdb"`` (a cursor of its own on the shared in-memory database)
            or ``"spark"`` (the shared
            local session; needs ``peerbench[spark]``).
        scored: The scored outcomes, already computed (an Arrow table or a Parquet path
            written by :func:`peerbench.aggregate.scoring.write_scored`); when omitted,
            ``source`` is scored (:func:`~peerbench.aggregate.scored_cache.scored_outcomes`,
            from its cache when it has one).
        networks: A ``service_id`` → ``network`` mapping; adds ``network_outcomes``.
        registry: Instrument definitions (default: built-ins).
        include_paired: Also return the participant-level ``baselines`` and ``paired``.

    Returns:
        Table name → Arrow table sorted by :data:`TABLE_KEYS`: ``service_outcomes``,
        ``overall_outcomes`` (and ``network_outcomes``), ``reach``, ``demographics``,
        ``population_demographics``, ``sustainment``, ``overall_sustainment``.
    """
    engine = Engine(backend)
    try:
        return _compute(
            engine,
            source,
            scored=scored,
            networks=networks,
            registry=registry,
            include_paired=include_paired,
        )
    finally:
        engine.close()
