"""Reading and assembling the workforce pillar (:mod:`peerbench.benchmarking.workforce`).

:func:`workforce_of` reads ``peer_worker`` records and the peer workers' own
questionnaires (outcome rows with ``subject = peer_worker``), scores the latter with
the instrument registry, and hands both to
:func:`workforce_sections`, which computes every section; :func:`with_practice` puts
the derived practice attributes on the services.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from peerbench.aggregate.parameters import instrument_parameters
from peerbench.aggregate.scoring import SCORED_SCHEMA, score_outcomes
from peerbench.aggregate.sources import BenchmarkSource, Subset
from peerbench.aggregate.subjects import WORKER, worker_outcomes
from peerbench.benchmarking.rows import ServiceInfo
from peerbench.benchmarking.workforce import (
    WorkforceSections,
    default_as_of,
    end_reason_rows,
    service_practice,
    wellbeing_rows,
    worker_flags,
    worker_pairs,
    worker_roles,
    workforce_rows,
)
from peerbench.schema.instruments import InstrumentRegistry

WORKER_ROWS = Subset(worker_outcomes, "subject", WORKER)
"""Peer workers' own questionnaires among the outcome rows."""


def worker_scores(source: BenchmarkSource, registry: InstrumentRegistry | None = None) -> pa.Table:
    """Peer workers' own questionnaires in ``source``, scored (:func:`score_outcomes`).

    Only rows whose ``subject`` is ``peer_worker`` are read (files written before 1.2
    have no ``subject`` column and hold none), so a large pool's participant
    questionnaires are not read a second time.
    """
    raw = source.raw_subset("outcome", WORKER_ROWS)
    if raw.num_rows == 0:
        return SCORED_SCHEMA.empty_table()
    own = BenchmarkSource.from_tables({"service": source.read("service"), "outcome": raw})
    return score_outcomes(own.read("outcome"), registry)


def directions(registry: InstrumentRegistry | None = None) -> dict[str, int]:
    """Instrument (and subscale) code → direction, for instruments that have one."""
    params = instrument_parameters(registry).to_pylist()
    return {str(p["instrument"]): int(p["direction"]) for p in params if p["direction"] is not None}


def workforce_of(
    source: BenchmarkSource,
    services: Iterable[ServiceInfo],
    *,
    as_of: dt.date | None,
    min_n: int,
    instrument: str | None = None,
    registry: InstrumentRegistry | None = None,
) -> WorkforceSections:
    """The workforce sections of ``source`` (reads ``peer_worker`` and worker outcomes)."""
    workers = source.read("peer_worker")
    if workers.num_rows == 0:
        return WorkforceSections(as_of=as_of)
    scores = worker_scores(source, registry).to_pandas()
    wanted = directions(registry)
    if instrument is not None:
        wanted = {
            k: v for k, v in wanted.items() if k == instrument or k.startswith(f"{instrument}.")
        }
    return workforce_sections(
        workers.to_pandas(), scores, services, wanted, as_of=as_of, min_n=min_n
    )


def workforce_sections(
    workers: pd.DataFrame,
    scores: pd.DataFrame,
    services: Iterable[ServiceInfo],
    directions: Mapping[str, int],
    *,
    as_of: dt.date | None,
    min_n: int,
) -> WorkforceSections:
    """Every workforce figure of one pool (empty when there are no worker records)."""
    day = as_of or default_as_of(workers, scores)
    if workers.empty or day is None:
        return WorkforceSections(as_of=day)
    flags = worker_flags(workers, day)
    models = {s.service_id: s.facilitator_model for s in services}
    pairs = worker_pairs(scores, directions, day)
    return WorkforceSections(
        rows=tuple(workforce_rows(flags, models, day, min_n)),
        wellbeing=tuple(wellbeing_rows(pairs, worker_roles(workers), day, min_n)),
        end_reasons=tuple(end_reason_rows(workers, day)),
        practice=service_practice(flags),
        as_of=day,
    )


def with_practice(
    services: Iterable[ServiceInfo], practice: Mapping[str, Mapping[str, str]]
) -> list[ServiceInfo]:
    """``services`` with their derived practice attributes set (:func:`service_practice`)."""
    out = []
    for service in services:
        changes: dict[str, Any] = dict(practice.get(service.service_id, {}))
        out.append(dataclasses.replace(service, **changes))
    return out
