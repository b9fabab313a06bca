"""``peerbench submit`` / ``status`` through CliRunner, with the client routed in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from peerbench.cli.submit import status, submit
from peerbench.client import PeerbenchClient
from tests.api.harness import PERIOD, Server, running_server, synth_slices


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=200)


@pytest.fixture
def server(tmp_path: Path, slices: dict[str, Path]) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", sorted(slices)) as running:
        yield running


def run(server: Server, command: object, args: list[str], who: str | None = None) -> Result:
    env = {
        "PEERBENCH_CONFIG": "/nonexistent/config.toml",
        "PEERBENCH_SERVER": "",
        "PEERBENCH_KEY": "",
    }
    if who is not None:
        env |= {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys[who]}
    result = CliRunner().invoke(command, args, obj={"http_client": server.client}, env=env)  # type: ignore[arg-type]
    if who is not None:
        assert server.keys[who] not in result.output
    return result


def test_accepted(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    result = run(server, submit, [str(slices[org]), "--period", PERIOD], org)
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.stdout and f"organisation {org}" in result.stdout


def test_json_output_equals_the_library(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    result = run(server, submit, [str(slices[org]), "--period", PERIOD, "--format", "json"], org)
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    client = PeerbenchClient("http://testserver", server.keys[org], http=server.client)
    assert shown == json.loads(client.status(shown["id"]).model_dump_json())


def test_rejected_by_server(server: Server, slices: dict[str, Path]) -> None:
    mine, theirs = server.organisations
    result = run(server, submit, [str(slices[theirs]), "--period", PERIOD], mine)
    assert result.exit_code == 1
    assert "REJECTED" in result.stdout and "unknown-reference" in result.stdout


def test_invalid_locally_is_not_sent(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = server.organisations[0]
    table = pq.read_table(slices[org] / "outcomes.parquet")
    bad = tmp_path / "outcomes.csv"
    bad.write_text("record_id,timepoint\nr1,someday\n")
    result = run(server, submit, [str(bad), "--period", PERIOD], org)
    assert result.exit_code == 1 and result.stdout.startswith("NOT VALID")
    assert "Not submitted" in result.stderr
    assert table.num_rows > 0
    listed = run(server, status, [], org)
    assert "No submissions." in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--period", "2026-Q9"], "quarter"), (["--period", PERIOD], "no server URL")],
)
def test_usage_errors(
    server: Server, slices: dict[str, Path], args: list[str], message: str
) -> None:
    result = run(server, submit, [str(next(iter(slices.values()))), *args])
    assert result.exit_code == 2 and message in result.output


def test_status_one_and_list(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    submitted = json.loads(
        run(server, submit, [str(slices[org]), "--period", PERIOD, "--format", "json"], org).stdout
    )
    one = run(server, status, [submitted["id"], "--report"], org)
    assert one.exit_code == 0 and "ACCEPTED" in one.stdout and "VALID" in one.stdout
    listed = run(server, status, ["--period", PERIOD], org)
    assert submitted["id"] in listed.stdout and "accepted" in listed.stdout
    as_json = json.loads(run(server, status, ["--format", "json"], org).stdout)
    assert [item["id"] for item in as_json] == [submitted["id"]]
    missing = run(server, status, ["nope"], org)
    assert missing.exit_code == 1 and "no submission" in missing.stderr.lower()
