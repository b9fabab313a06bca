"""Fixtures for the aggregation engine: a small synthetic dataset and tiny hand-made tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pytest

from peerbench.io.tabular import conform
from peerbench.synth import SynthConfig, generate

SYNTH_CONFIG = SynthConfig(seed=20260417, organisations=4, outcome_rows=5000)
"""Small enough for seconds, large enough for several services, periods and instruments."""

OutcomeRow = tuple[str, str, str, str, str, Sequence[int | None] | None]
"""(record_id, participant_key, instrument, timepoint, ISO date, items); service s1."""

MakeOutcomes = Callable[..., pa.Table]


@pytest.fixture(scope="session")
def synth_tables() -> dict[str, pa.Table]:
    """The small synthetic dataset, keyed by record type."""
    return generate(SYNTH_CONFIG).tables


def _outcomes(rows: Sequence[OutcomeRow], *, service_id: str = "s1", **extra: Any) -> pa.Table:
    columns: dict[str, list[Any]] = {
        "record_id": [r[0] for r in rows],
        "participant_key": [r[1] for r in rows],
        "service_id": [service_id] * len(rows),
        "instrument": [r[2] for r in rows],
        "timepoint": [r[3] for r in rows],
        "date_administered": [dt.date.fromisoformat(r[4]) for r in rows],
        "items": [None if r[5] is None else list(r[5]) for r in rows],
    }
    for name, values in extra.items():
        columns[name] = list(values)
    return conform(pa.table(columns), "outcome")


@pytest.fixture
def make_outcomes() -> MakeOutcomes:
    """Build an outcomes table from ``OutcomeRow`` tuples (extra columns as keywords)."""
    return _outcomes


@pytest.fixture
def services() -> pa.Table:
    """Two services of one organisation, in the standard's schema."""
    return conform(
        pa.table(
            {
                "service_id": ["s1", "s2"],
                "organisation_id": ["org-a", "org-a"],
                "name": ["One", "Two"],
                "condition_focus": ["mental_health", "diabetes"],
                "delivery_format": ["group", "online"],
                "facilitator_model": ["volunteer_peers", "paid_peer_workers"],
                "structure": ["ad_hoc", "structured_programme"],
            }
        ),
        "service",
    )
