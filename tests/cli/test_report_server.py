"""``peerbench report --server``: the server builds the report, the CLI writes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from peerbench.cli.report import report
from peerbench.client import PeerbenchClient
from peerbench.reports.render import find_chromium
from tests.api.harness import Server, running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=400)


@pytest.fixture
def server(tmp_path: Path, slices: dict[str, Path]) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", sorted(slices)) as running:
        running.submit_all(slices)
        yield running


def run(server: Server, args: list[str], who: str) -> Result:
    env = {"PEERBENCH_CONFIG": "/nonexistent/config.toml", "PEERBENCH_KEY": server.keys[who]}
    result = CliRunner().invoke(report, args, obj={"http_client": server.client}, env=env)
    assert server.keys[who] not in result.output
    return result


def test_network_report(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run(server, ["--server", "http://testserver", "--kind", "network", "--out", str(out)],
                 "analyst")  # fmt: skip
    assert result.exit_code == 0, result.output
    html, figures = out / "network.html", out / "network.figures.json"
    assert result.stdout.splitlines() == [str(html), str(figures)]
    assert html.as_uri() in result.stderr
    client = PeerbenchClient("http://testserver", server.keys["analyst"], http=server.client)
    assert html.read_text(encoding="utf-8") == client.report_html("network")
    assert json.loads(figures.read_text(encoding="utf-8")) == client.report_figures("network")
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    assert page.title is not None and page.title.text.startswith("North:")


def test_own_service_report_and_pdf(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = server.organisations[0]
    service = pq.read_table(slices[org] / "services.parquet")["service_id"][0].as_py()
    args = ["--server", "http://testserver", "--kind", "service", "--service", service,
            "--out", str(tmp_path), "--pdf"]  # fmt: skip
    result = run(server, args, org)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"service-{service}.html").is_file()
    figures = json.loads((tmp_path / f"service-{service}.figures.json").read_text(encoding="utf-8"))
    assert figures["kind"] == "service" and figures["key_figures"]
    if find_chromium() is not None:
        assert (tmp_path / f"service-{service}.pdf").read_bytes().startswith(b"%PDF")


def test_refusals_exit_1(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--server", "http://testserver", "--kind", "network", "--out", str(out)]
    result = run(server, args, "researcher")
    assert result.exit_code == 1 and "Researcher keys" in result.stderr
    other = server.organisations[1]
    args = ["--server", "http://testserver", "--kind", "service", "--service", "nope",
            "--out", str(out)]  # fmt: skip
    result = run(server, args, other)
    assert result.exit_code == 1 and "nope" in result.stderr
    assert not out.exists()


def test_store_or_server(server: Server, tmp_path: Path) -> None:
    both = ["--store", str(tmp_path), "--server", "http://testserver", "--kind", "network",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert run(server, both, "admin").exit_code == 2
    neither = ["--kind", "network", "--out", str(tmp_path / "o")]
    result = run(server, neither, "admin")
    assert result.exit_code == 2 and "--store" in result.output
