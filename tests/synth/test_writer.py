"""Writing a dataset: files per format, peerbench.json, injected_errors.csv."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.io.tabular import FileFormat
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.synth import SynthConfig, SyntheticDataset, generate, write_dataset
from peerbench.validators import validate

STEMS = [model.file_stem for model in RECORD_TYPES.values()]


@pytest.fixture(scope="module")
def dataset() -> SyntheticDataset:
    return generate(SynthConfig(seed=21, organisations=4, outcome_rows=1_500, error_rate=0.03))


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_writes_every_file(
    dataset: SyntheticDataset, tmp_path: Path, file_format: FileFormat
) -> None:
    paths = write_dataset(dataset, tmp_path, file_format)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"{s}.{file_format.value}" for s in STEMS} | {
        "peerbench.json",
        "datapackage.json",
        "injected_errors.csv",
    }
    assert paths["outcome"] == tmp_path / f"outcomes.{file_format.value}"


def test_parquet_keeps_the_schema(dataset: SyntheticDataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path, FileFormat.PARQUET)
    for record_type, model in RECORD_TYPES.items():
        table = pq.read_table(tmp_path / f"{model.file_stem}.parquet")
        # Parquet names list elements "element" where the Arrow schema says "item"; the
        # cast only renames that, so every type, field and value must survive.
        assert table.schema.metadata == arrow_schema(record_type).metadata
        assert table.cast(arrow_schema(record_type)).equals(dataset[record_type])


def test_manifest_describes_the_dataset(dataset: SyntheticDataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path, FileFormat.CSV)
    document = json.loads((tmp_path / "peerbench.json").read_text())
    assert document["standard_version"] == STANDARD_VERSION
    assert document["generator"]["seed"] == 21
    assert SynthConfig.model_validate(document["generator"]["config"]) == dataset.config
    assert document["as_of"] == dataset.config.as_of.isoformat()
    assert document["files"]["outcomes.csv"]["rows"] == dataset["outcome"].num_rows
    assert document["injected_errors"] == "injected_errors.csv"


def test_injected_errors_match_the_csv_cells(dataset: SyntheticDataset, tmp_path: Path) -> None:
    write_dataset(dataset, tmp_path, FileFormat.CSV)
    with open(tmp_path / "injected_errors.csv", newline="", encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    assert manifest and list(manifest[0]) == ["file", "row", "column", "code", "value"]
    files: dict[str, list[list[str]]] = {}
    for entry in manifest:
        if entry["file"] not in files:
            with open(tmp_path / entry["file"], newline="", encoding="utf-8") as handle:
                files[entry["file"]] = list(csv.reader(handle))
        sheet = files[entry["file"]]
        header, line = sheet[0], sheet[int(entry["row"]) - 1]  # spreadsheet row numbers
        if entry["column"] == "items":
            cells = [line[i] for i, name in enumerate(header) if name.startswith("item_")]
            width = len(entry["value"].split(";")) if entry["value"] else 0
            assert ";".join(cells[:width]) == entry["value"]
            assert not any(cells[width:])
            continue
        cell = line[header.index(entry["column"])]
        try:
            assert float(cell) == float(entry["value"]), entry
        except ValueError:
            assert cell == entry["value"], entry


def test_no_errors_file_when_clean(tmp_path: Path) -> None:
    clean = generate(SynthConfig(seed=1, organisations=2, outcome_rows=100))
    paths = write_dataset(clean, tmp_path, FileFormat.JSONL)
    assert "errors" not in paths
    assert not (tmp_path / "injected_errors.csv").exists()
    assert json.loads((tmp_path / "peerbench.json").read_text())["injected_errors"] is None


@settings(max_examples=25, derandomize=True, deadline=None, database=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    organisations=st.integers(min_value=1, max_value=3),
    outcome_rows=st.integers(min_value=0, max_value=80),
    file_format=st.sampled_from(list(FileFormat)),
)
def test_synth_never_writes_what_validate_rejects(
    seed: int, organisations: int, outcome_rows: int, file_format: FileFormat
) -> None:
    # Small datasets leave some record types without rows (one organisation's
    # service_use): those are not written, and everything written validates.
    config = SynthConfig(seed=seed, organisations=organisations, outcome_rows=outcome_rows)
    dataset = generate(config)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        paths = write_dataset(dataset, out, file_format)
        written = {rt for rt in RECORD_TYPES if rt in paths}
        assert written == {rt for rt, table in dataset.tables.items() if table.num_rows}
        report = validate([out], today=config.as_of)
        assert report.valid, report.flatten()[:5]
        assert report.errors == 0
        assert sum(s.rows for s in report.files) == sum(t.num_rows for t in dataset.tables.values())


def test_a_record_type_without_rows_is_not_written(tmp_path: Path) -> None:
    dataset = generate(SynthConfig(seed=3, organisations=1, outcome_rows=50))
    assert dataset["service_use"].num_rows == 0  # one small organisation: none recorded
    paths = write_dataset(dataset, tmp_path, FileFormat.JSONL)
    assert "service_use" not in paths
    assert not (tmp_path / "service_use.jsonl").exists()
    document = json.loads((tmp_path / "peerbench.json").read_text())
    assert "service_use.jsonl" not in document["files"]
    assert document["files"]["outcomes.jsonl"]["rows"] == dataset["outcome"].num_rows
    assert validate([tmp_path], today=dataset.config.as_of).valid
