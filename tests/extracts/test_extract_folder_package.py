"""Folders of standard files (``synth``) carry a ``datapackage.json`` frictionless accepts.

The descriptor is not data: the readers, the upload and ``validate`` skip it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from frictionless import validate

from peerbench.client_upload import upload_files
from peerbench.extracts.folder_package import folder_descriptor
from peerbench.intake.upload_check import check_standard
from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, SyntheticDataset, generate, write_dataset
from peerbench.validators.readers import open_sources


@cache
def dataset(errors: float = 0.0) -> SyntheticDataset:
    return generate(SynthConfig(organisations=2, outcome_rows=250, seed=11, error_rate=errors))


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_a_synth_folder_validates_in_every_format(tmp_path: Path, file_format: FileFormat) -> None:
    paths = write_dataset(dataset(), tmp_path, file_format)
    report = validate(str(paths["datapackage"]))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type"])
    written = {k for k in paths if k not in ("manifest", "datapackage", "errors")}
    assert len(report.tasks) == len(written)
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["outcomes"] == dataset()["outcome"].num_rows  # every row was read


@pytest.mark.parametrize("file_format", [FileFormat.CSV, FileFormat.PARQUET, FileFormat.JSONL])
def test_injected_errors_are_found(tmp_path: Path, file_format: FileFormat) -> None:
    paths = write_dataset(dataset(0.03), tmp_path, file_format)
    report = validate(str(paths["datapackage"]))
    assert not report.valid
    assert {error.type for task in report.tasks for error in task.errors} <= {
        "constraint-error",
        "type-error",
        "primary-key",
        "foreign-key",
    }


def test_the_descriptor_is_not_data(tmp_path: Path) -> None:
    write_dataset(dataset(), tmp_path, FileFormat.CSV)
    files = {Path(source.file).name for source in open_sources(tmp_path)}
    assert "datapackage.json" not in files and "outcomes.csv" in files
    uploaded = {path.name for path in upload_files([tmp_path])}
    assert "datapackage.json" not in uploaded and "peerbench.json" in uploaded
    # Files sent one by one, without the manifest (as a portal upload may be).
    sent = [p for p in tmp_path.iterdir() if p.name != "peerbench.json"]
    assert check_standard(sent, today=dataset().config.as_of).valid


def test_a_key_to_a_missing_file_is_left_out(tmp_path: Path) -> None:
    paths = write_dataset(dataset(), tmp_path, FileFormat.CSV)
    package = folder_descriptor(
        {"outcome": paths["outcome"], "service": paths["service"]},
        name="Part Of It",
        title="t",
        description="d",
    )
    assert package["name"] == "part-of-it"
    outcomes = package["resources"][0]["schema"]
    assert [key["reference"]["resource"] for key in outcomes.get("foreignKeys", [])] == ["services"]
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    assert validate(str(tmp_path / "datapackage.json")).valid


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_outcomes_holding_workers_own_rows_declare_no_key_to_participants(
    tmp_path: Path, file_format: FileFormat
) -> None:
    """A worker's questionnaire references peer_workers, which a Table Schema cannot say."""
    data = dataset()
    assert "peer_worker" in data["outcome"]["subject"].to_pylist()
    paths = write_dataset(data, tmp_path, file_format)
    package = json.loads(paths["datapackage"].read_text(encoding="utf-8"))
    outcomes = next(r for r in package["resources"] if r["name"] == "outcomes")
    assert [k["reference"]["resource"] for k in outcomes["schema"]["foreignKeys"]] == ["services"]
    engagements = next(r for r in package["resources"] if r["name"] == "engagements")
    targets = {k["reference"]["resource"] for k in engagements["schema"]["foreignKeys"]}
    assert targets == {"services", "participants"}  # other files keep theirs
