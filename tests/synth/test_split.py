"""Splitting a multi-organisation dataset into valid per-organisation slices."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from peerbench.synth import SynthConfig, generate, write_dataset
from peerbench.synth.split import split_dataset
from peerbench.validators import validate


def test_slices_partition_the_dataset_and_each_validates(tmp_path: Path) -> None:
    write_dataset(
        generate(SynthConfig(organisations=3, outcome_rows=300, seed=3)), tmp_path / "all"
    )
    slices = split_dataset(tmp_path / "all", tmp_path / "by-org")
    assert len(slices) == 3
    total = pq.read_table(tmp_path / "all" / "outcomes.parquet").num_rows
    parts = [f / "outcomes.parquet" for f in slices.values()]
    # An organisation with no rows of a type gets no file (an empty file is invalid).
    assert sum(pq.read_table(p).num_rows for p in parts if p.exists()) == total
    for org, folder in slices.items():
        services = pq.read_table(folder / "services.parquet")
        assert set(services.column("organisation_id").to_pylist()) == {org}
        assert (folder / "peerbench.json").is_file()
        assert validate([folder]).valid
