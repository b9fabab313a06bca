"""Shared fixtures: the reference synthetic pool's tables and a folder of its files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, generate
from peerbench.synth.writer import write_dataset


@pytest.fixture(scope="session")
def reference_tables() -> dict[str, pa.Table]:
    """Every table of the reference synthetic dataset."""
    return dict(generate(SynthConfig.reference()).tables)


@pytest.fixture(scope="session")
def reference_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference dataset written as Parquet files."""
    out = tmp_path_factory.mktemp("directory-reference")
    write_dataset(generate(SynthConfig.reference()), out, FileFormat("parquet"))
    return out
