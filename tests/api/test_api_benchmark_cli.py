"""``peerbench benchmark --server``: the CLI shows what the API serves, nothing more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerbench.cli.benchmark import benchmark
from tests.api.harness import Server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("bench-cli"), organisations=3, outcome_rows=2000)


def _invoke(server: Server, who: str, *args: str) -> tuple[int, str]:
    env = {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys[who]}
    result = CliRunner().invoke(benchmark, list(args), obj={"http_client": server.client}, env=env)
    return result.exit_code, result.output


def test_server_json_equals_the_api_result(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)
    code, output = _invoke(server, "analyst", "--server", "http://testserver", "--format", "json")
    assert code == 0, output
    api = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()
    assert json.loads(output) == api["result"]
    code, output = _invoke(server, "analyst", "--server", "http://testserver")
    assert code == 0 and "What works for whom" in output


def test_store_and_server_are_exclusive(server: Server, tmp_path: Path) -> None:
    code, _ = _invoke(server, "analyst", "--server", "http://x", "--store", str(tmp_path))
    assert code == 2
    assert _invoke(server, "analyst")[0] == 2


def test_researchers_are_refused(server: Server) -> None:
    code, output = _invoke(server, "researcher", "--server", "http://testserver")
    assert code == 1
    assert "Error" in output
