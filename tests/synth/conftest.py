"""Shared synthetic datasets: generated once per test session (they are deterministic)."""

from __future__ import annotations

import pytest

from peerbench.synth import SynthConfig, SyntheticDataset, generate


@pytest.fixture(scope="session")
def small() -> SyntheticDataset:
    """A small clean dataset every row of which is validated."""
    return generate(SynthConfig(seed=7, organisations=6, outcome_rows=3_000))


@pytest.fixture(scope="session")
def reference() -> SyntheticDataset:
    """The reference preset."""
    return generate(SynthConfig.reference())


@pytest.fixture(scope="session")
def medium() -> SyntheticDataset:
    """50,000 outcome rows with many services, for statistical checks."""
    return generate(SynthConfig(seed=11, organisations=40, outcome_rows=50_000))


@pytest.fixture(scope="session")
def with_errors() -> SyntheticDataset:
    """A dataset with 5% injected errors."""
    return generate(SynthConfig(seed=5, organisations=12, outcome_rows=6_000, error_rate=0.05))
