"""Fixtures for the benchmark layer: the reference dataset (computed once) and tiny data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkResult, compute, controlled, open_source
from peerbench.io.tabular import FileFormat, conform
from peerbench.synth import SynthConfig, generate, write_dataset

SERVICES = {  # service → (organisation, structure, participants with PHQ-9 pairs)
    "s1": ("org-a", "structured_programme", 12),
    "s2": ("org-b", "ad_hoc", 5),
    "s3": ("org-b", "ad_hoc", 15),
}


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``peerbench synth --reference`` written as Parquet to a temporary folder."""
    out = tmp_path_factory.mktemp("reference")
    write_dataset(generate(SynthConfig.reference()), out, FileFormat("parquet"))
    return out


@pytest.fixture(scope="session")
def reference_raw(reference_dir: Path) -> BenchmarkResult:
    """The raw (uncontrolled) benchmark of the reference dataset, every period pooled."""
    loaded = open_source(reference_dir)
    return compute(loaded.source, service_use=loaded.service_use, generated_from=loaded.description)


@pytest.fixture(scope="session")
def reference_public(reference_raw: BenchmarkResult) -> BenchmarkResult:
    """The public (non-owner) view of the reference benchmark."""
    return controlled(reference_raw)


def _phq9(
    key: str, service: str, seq: int, timepoint: str, date: str, level: int
) -> dict[str, Any]:
    # Nine items; the level sets the total, seq varies it so the SD is not zero.
    items = [min(3, max(0, level + (i + seq) % 2 - (i == 0))) for i in range(9)]
    return {
        "record_id": f"{service}-{key}-{timepoint}",
        "participant_key": key,
        "service_id": service,
        "instrument": "PHQ9",
        "timepoint": timepoint,
        "date_administered": dt.date.fromisoformat(date),
        "items": items,
    }


def tiny_tables() -> dict[str, pa.Table]:
    """Three services of two organisations with PHQ-9 pairs (scores fall = improvement)."""
    outcomes = []
    for service, (_, _, people) in SERVICES.items():
        for i in range(people):
            key = f"p{service}{i:02d}"
            outcomes.append(_phq9(key, service, i, "baseline", "2025-01-10", 2))
            outcomes.append(_phq9(key, service, i, "end", "2025-04-10", 1 if i % 4 else 2))
    services = {
        "service_id": list(SERVICES),
        "organisation_id": [v[0] for v in SERVICES.values()],
        "name": [f"Service {s}" for s in SERVICES],
        "condition_focus": ["mental_health"] * 3,
        "delivery_format": ["group"] * 3,
        "facilitator_model": ["volunteer_peers"] * 3,
        "structure": [v[1] for v in SERVICES.values()],
    }
    return {
        "outcome": conform(pa.Table.from_pylist(outcomes), "outcome"),
        "service": conform(pa.table(services), "service"),
    }


@pytest.fixture(scope="session")
def tiny_raw() -> BenchmarkResult:
    """The raw benchmark of :func:`tiny_tables`."""
    return compute(BenchmarkSource.from_tables(tiny_tables()), generated_from="tiny")
