from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from peerbench.cli.main import cli
from peerbench.schema.instruments import default_registry

LOCAL = """\
code: MYSCALE
name: Our confidence scale
version: "1"
licence: Free
source: Example Peer Network 2024
item_count: 5
response_min: 1
response_max: 5
scoring: {method: sum}
score_min: 5
score_max: 25
direction: higher_is_better
"""


def test_list_shows_every_builtin_and_local_instruments(tmp_path: Path) -> None:
    local = tmp_path / "myscale.yaml"
    local.write_text(LOCAL)
    result = CliRunner().invoke(cli, ["instruments", "list", "--register", str(local)])
    assert result.exit_code == 0
    codes = [line.split()[0] for line in result.output.splitlines()]
    assert codes == sorted([*default_registry().codes(), "MYSCALE"])


def test_show_prints_the_definition_as_json() -> None:
    result = CliRunner().invoke(cli, ["instruments", "show", "CORE10"])
    assert result.exit_code == 0
    assert json.loads(result.output)["reverse_items"] == [3, 4]
    assert CliRunner().invoke(cli, ["instruments", "show", "NOPE"]).exit_code == 2


def test_check_reports_a_malformed_definition(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(LOCAL.replace("method: sum", "method: average"))
    result = CliRunner().invoke(cli, ["instruments", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output and "scoring.method" in result.output
    good = tmp_path / "good.yaml"
    good.write_text(LOCAL)
    assert CliRunner().invoke(cli, ["instruments", "check", str(good)]).exit_code == 0
