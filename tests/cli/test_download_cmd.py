"""``peerbench download``: local folder, server data folder and server, through CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from peerbench.cli.download import download
from peerbench.extracts.manifest import read_manifest
from peerbench.synth import SynthConfig, generate, write_dataset
from tests.api.harness import Server, running_server, synth_slices

ENV = {"PEERBENCH_CONFIG": "/nonexistent/config.toml", "PEERBENCH_SERVER": "", "PEERBENCH_KEY": ""}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("standard")
    write_dataset(generate(SynthConfig(organisations=2, outcome_rows=300, seed=3)), out)
    return out


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=200)


@pytest.fixture
def server(tmp_path: Path, slices: dict[str, Path]) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'data' / 'peerbench.sqlite3'}"
    with running_server(url, tmp_path / "data", sorted(slices)) as running:
        running.submit_all(slices)
        yield running


def run(args: list[str], server: Server | None = None, who: str | None = None) -> Result:
    env = dict(ENV)
    if server is not None and who is not None:
        env |= {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys[who]}
    obj = {"http_client": server.client} if server is not None else None
    return CliRunner().invoke(download, args, obj=obj, env=env)


def test_local_folder_json_equals_the_library_manifest(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    result = run(["--store", str(folder), "--out", str(out), "--project", "p1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == read_manifest(out).model_dump(mode="json")
    assert json.loads(result.stdout)["project"] == "p1"


def test_secret_file_makes_a_repeatable_extract(folder: Path, tmp_path: Path) -> None:
    key = tmp_path / "extract.key"
    key.write_text("peerbench-key-v1:" + "ab" * 32 + "\n")
    for name in ("a", "b"):
        args = ["--store", str(folder), "--out", str(tmp_path / name), "--secret-file", str(key)]
        assert run(args).exit_code == 0
    # Different extract ids, so still different keys, even with the same secret.
    a = pq.read_table(tmp_path / "a" / "participants.parquet").column("participant_key")
    b = pq.read_table(tmp_path / "b" / "participants.parquet").column("participant_key")
    assert not set(a.to_pylist()) & set(b.to_pylist())


def test_invalid_folder_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "participants.csv").write_text("participant_key,service_id\nnot-a-key,s1\n")
    result = run(["--store", str(tmp_path / "in"), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "No extract written" in result.stderr
    assert not (tmp_path / "x").exists()


def test_usage_errors(folder: Path, tmp_path: Path) -> None:
    both = ["--store", str(folder), "--server", "http://x", "--out", str(tmp_path / "x")]
    assert run(both).exit_code == 2
    assert run(["--out", str(tmp_path / "x")]).exit_code == 2  # no server configured
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "f").write_text("x")
    result = run(["--store", str(folder), "--out", str(tmp_path / "used")])
    assert result.exit_code == 1 and "not an empty folder" in result.stderr


def test_server_data_folder_and_server(server: Server, tmp_path: Path) -> None:
    data_dir = server.settings.data_dir
    local = run(["--store", str(data_dir), "--out", str(tmp_path / "local"), "--format", "json"])
    assert local.exit_code == 0, local.output
    counts = json.loads(local.stdout)["row_counts"]
    assert counts["organisation"] == len(server.organisations)  # every organisation
    remote = run(["--out", str(tmp_path / "remote"), "--format", "json"], server, "researcher")
    assert remote.exit_code == 0, remote.output
    data = json.loads(remote.stdout)
    assert data["project"] == "study-1"
    assert data == read_manifest(tmp_path / "remote").model_dump(mode="json")
    refused = run(["--out", str(tmp_path / "no")], server, "analyst")
    assert refused.exit_code == 1 and "No extract written" in refused.stderr
    assert not (tmp_path / "no").exists()
    assert server.keys["researcher"] not in remote.output
    also = run(["--out", str(tmp_path / "stat"), "--also", "dta,sav", "--format", "json"],
               server, "researcher")  # fmt: skip
    assert also.exit_code == 0, also.output
    files = json.loads(also.stdout)["files"]
    assert {"outcomes.dta", "outcomes.sav", "scoring_rules.csv"} <= set(files)
    assert all(((tmp_path / "stat" / name).stat().st_mode & 0o077) == 0 for name in files)
