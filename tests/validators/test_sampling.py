from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, generate, write_dataset
from peerbench.validators import validate, validate_sample
from peerbench.validators.sampling import ParticipantSampler, participant_buckets

SCHEMA = pa.schema([("participant_key", pa.string()), ("row", pa.int64())])


def test_buckets_come_from_the_first_four_hex_digits() -> None:
    keys = pa.array(["ffff" + "0" * 28, "00a1" + "0" * 28, None, "AB"])
    assert participant_buckets(keys).tolist() == [65535, 161, 0, 0xAB00]


def test_sample_is_bounded_and_keeps_participants_whole() -> None:
    sampler = ParticipantSampler(1_000)
    for batch in range(40):
        keys = [secrets.token_hex(16) for _ in range(500)]
        rows = np.arange(batch * 1000, batch * 1000 + 1000)
        sampler.add(pa.table({"participant_key": keys + keys, "row": rows}))
    table = sampler.table(SCHEMA)
    assert 0 < table.num_rows <= 2_000
    assert sampler.fraction < 1
    counts = table.group_by("participant_key").aggregate([("row", "count")])
    assert set(counts.column("row_count").to_pylist()) == {2}  # both rows of each person


def test_tables_without_participants_are_capped() -> None:
    sampler = ParticipantSampler(10)
    schema = pa.schema([("service_id", pa.string())])
    for _ in range(5):
        sampler.add(pa.table({"service_id": ["s"] * 8}))
    assert sampler.table(schema).num_rows == 20


def test_validate_sample_reports_like_validate_and_keeps_fewer_rows(tmp_path: Path) -> None:
    dataset = generate(SynthConfig(seed=5, organisations=3, outcome_rows=6_000))
    write_dataset(dataset, tmp_path, FileFormat.PARQUET)
    full = validate([tmp_path], collect=True)
    sampled = validate_sample([tmp_path], sample_rows=500)
    assert sampled.report.to_dict() == full.report.to_dict()
    outcomes = sampled.tables["outcome"]
    assert 0 < outcomes.num_rows <= 1_000 < full.tables["outcome"].num_rows
    assert outcomes.schema == full.tables["outcome"].schema


def test_target_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ParticipantSampler(0)
