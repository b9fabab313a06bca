"""``peerbench migrate``: a thin shell over peerbench.io.migrate."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from peerbench.cli.main import cli
from peerbench.io.migrate import restamp_table
from peerbench.schema.arrow import arrow_schema


def _service_folder(folder: Path, version: str) -> Path:
    folder.mkdir()
    row = {
        "service_id": "s1",
        "organisation_id": "o1",
        "name": "Hearing Voices",
        "condition_focus": "mental_health",
        "delivery_format": "group",
        "facilitator_model": "peer",
        "structure": "structured",
    }
    table = pa.Table.from_pylist([row], schema=arrow_schema("service"))
    pq.write_table(restamp_table(table, version), folder / "services.parquet")
    (folder / "notes.txt").write_text("ours\n")
    return folder


def test_migrate_prints_each_file_and_writes_the_folder(tmp_path: Path) -> None:
    source = _service_folder(tmp_path / "q1", "1.0.0")
    out = tmp_path / "q1-v1.1"
    result = CliRunner().invoke(cli, ["migrate", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "services.parquet: 1.0.0 -> 1.2.0 (version metadata rewritten)" in result.output
    assert "notes.txt: 1.0.0 -> 1.2.0 (copied unchanged (not a data file))" in result.output
    assert pq.read_schema(out / "services.parquet").metadata[b"peerbench.standard_version"] == (
        b"1.2.0"
    )
    assert not (out / "peerbench.json").exists()  # Parquet declares its own version
    assert (out / "notes.txt").read_text() == "ours\n"
    again = CliRunner().invoke(cli, ["migrate", str(source), "--out", str(out)])
    assert again.exit_code == 1 and "exists; choose a new --out or pass --force" in again.output


def test_migrate_refuses_another_major(tmp_path: Path) -> None:
    source = _service_folder(tmp_path / "v2", "2.0.0")
    result = CliRunner().invoke(cli, ["migrate", str(source), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "standard version 2.0.0 was never released" in result.output
    assert not (tmp_path / "o").exists()
