"""``--network`` on a server data directory: only the network's members are reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerbench.cli.report import report
from peerbench.reports.builders import load_report_data
from peerbench.reports.builders.inputs import network_members
from tests.api.harness import NETWORK, running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A server data directory of three organisations; the first two form NETWORK."""
    root = tmp_path_factory.mktemp("scope")
    slices = synth_slices(root / "synth", organisations=3, outcome_rows=400)
    data = root / "data"
    url = f"sqlite:///{data / 'peerbench.sqlite3'}"
    with running_server(url, data, sorted(slices)) as server:
        server.submit_all(slices)
    yield data


def _organisations(path: Path, members: list[str] | None = None) -> set[str]:
    data = load_report_data(path, organisation_ids=members)
    assert {s.organisation_id for s in data.raw.services} == set(data.organisation_names)
    return set(data.organisation_names)


def test_network_restricts_the_data(data_dir: Path) -> None:
    members = network_members(data_dir, NETWORK)
    assert members is not None and len(members) == 2
    assert _organisations(data_dir, members) == set(members)
    assert len(_organisations(data_dir)) == 3
    assert _organisations(data_dir / "pool", members) == set(members)


def test_unknown_network_and_plain_folders(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope"):
        network_members(data_dir, "nope")
    assert network_members(tmp_path, NETWORK) is None
    with pytest.raises(ValueError, match="not a server data directory"):
        load_report_data(tmp_path, organisation_ids=["org001"])


def test_cli_network_report(data_dir: Path, tmp_path: Path) -> None:
    members = network_members(data_dir, NETWORK)
    result = CliRunner().invoke(
        report,
        ["--store", str(data_dir), "--kind", "network", "--network", NETWORK,
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / f"network-{NETWORK}.figures.json").read_text())
    whole = load_report_data(data_dir, organisation_ids=members)
    assert len(whole.raw.services) < len(load_report_data(data_dir).raw.services)
    html = (tmp_path / f"network-{NETWORK}.html").read_text(encoding="utf-8")
    assert f"{len(whole.raw.services)} services pooling their data" in html
    bad = CliRunner().invoke(
        report,
        [
            "--store",
            str(data_dir),
            "--kind",
            "network",
            "--network",
            "nope",
            "--out",
            str(tmp_path),
        ],
    )
    assert bad.exit_code == 2 and "--network" in bad.output
