"""``peerbench directory export`` and ``check``: the CLI over peerbench.directory."""

from __future__ import annotations

import json
import typing
from pathlib import Path

from click.testing import CliRunner

from peerbench.cli.directory_cmd import KINDS, SHAPES
from peerbench.cli.main import cli
from peerbench.directory.export import Shape
from peerbench.directory.schemas import Kind
from peerbench.io.tabular import FileFormat
from peerbench.synth import SynthConfig, generate
from peerbench.synth.writer import write_dataset


def test_choices_equal_the_library() -> None:
    assert typing.get_args(Kind) == KINDS
    assert typing.get_args(Shape) == SHAPES


def test_export_then_check(tmp_path: Path) -> None:
    folder = tmp_path / "pool"
    write_dataset(
        generate(SynthConfig(organisations=2, outcome_rows=60)), folder, FileFormat("csv")
    )
    out = tmp_path / "services.json"
    runner = CliRunner()
    done = runner.invoke(cli, ["directory", "export", "--store", str(folder), "--out", str(out)])
    assert done.exit_code == 0, done.output
    count = len(json.loads(out.read_text(encoding="utf-8"))["contents"])
    assert f"wrote {count} services of 2 organisations" in done.output
    checked = runner.invoke(cli, ["directory", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    assert f"{count} items, valid against the Open Referral UK schemas" in checked.output

    orgs = tmp_path / "organizations.json"
    args = ["--kind", "organization", "--shape", "list", "--out", str(orgs)]
    done = runner.invoke(cli, ["directory", "export", "--store", str(folder), *args])
    assert done.exit_code == 0, done.output
    assert (
        runner.invoke(cli, ["directory", "check", "--kind", "organization", str(orgs)]).exit_code
        == 0
    )


def test_check_reports_each_problem_and_fails(tmp_path: Path) -> None:
    document = {
        "total_items": 1,
        "total_pages": 1,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
        "contents": [{"id": "svc-1", "name": "Walk and Talk", "status": "open"}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    run = CliRunner().invoke(cli, ["directory", "check", str(path)])
    assert run.exit_code == 1
    assert "contents[0].id: 'svc-1' is not a 'uuid' (service schema)" in run.output
    assert "contents[0].status: 'open' is not one of" in run.output
    assert "4 problems in 1 items" in run.output


def test_check_refuses_what_is_not_a_page(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    assert CliRunner().invoke(cli, ["directory", "check", str(path)]).exit_code == 1
    path.write_text("{", encoding="utf-8")
    run = CliRunner().invoke(cli, ["directory", "check", str(path)])
    assert run.exit_code == 1 and "is not JSON" in run.output


def test_export_from_a_folder_without_services_fails(tmp_path: Path) -> None:
    out = tmp_path / "services.json"
    run = CliRunner().invoke(
        cli, ["directory", "export", "--store", str(tmp_path), "--out", str(out)]
    )
    assert run.exit_code == 1
    assert "No directory written:" in run.output and not out.exists()
