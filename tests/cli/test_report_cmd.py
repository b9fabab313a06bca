"""``peerbench report``: a thin shell over :mod:`peerbench.reports.builders`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerbench.cli.report import report
from peerbench.reports.builders import build, key_figures, largest_and_smallest
from tests.reports.test_reports_builders_data import small_data, small_folder


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(report, list(args))
    return result.exit_code, result.output


def test_help_has_an_example() -> None:
    code, output = _invoke("--help")
    assert code == 0
    assert "Example:" in output and "--kind" in output


def test_service_report_needs_a_service(tmp_path: Path) -> None:
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "service", "--out", str(tmp_path)
    )
    assert code == 2 and "--service" in output
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "network", "--service", "x", "--out", "o"
    )
    assert code == 2


def test_unknown_service_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "service", "--service", "nope",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 2 and "nope" in output


def test_writes_the_report_and_says_where(tmp_path: Path) -> None:
    service = largest_and_smallest(small_data())[0]
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "service", "--service", service,
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, output
    html = tmp_path / f"service-{service}.html"
    assert html.is_file() and html.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert str(html) in output and html.as_uri() in output


def test_figures_json_equals_the_library(tmp_path: Path) -> None:
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "commissioner", "--out", str(tmp_path)
    )
    assert code == 0, output
    written = json.loads((tmp_path / "commissioner.figures.json").read_text(encoding="utf-8"))
    assert written == key_figures(build(small_data(), "commissioner"))


def test_network_name_titles_and_names_the_file(tmp_path: Path) -> None:
    code, output = _invoke(
        "--store", str(small_folder()), "--kind", "network", "--network", "North East",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, output
    html = (tmp_path / "network-North-East.html").read_text(encoding="utf-8")
    assert "North East: peer-support outcomes" in html


def test_missing_store_is_refused(tmp_path: Path) -> None:
    code, _ = _invoke("--store", str(tmp_path / "none"), "--kind", "network", "--out", "o")
    assert code == 2


@pytest.mark.parametrize("kind", ["network", "quality"])
def test_folder_without_outcomes_is_an_error(tmp_path: Path, kind: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = _invoke("--store", str(empty), "--kind", kind, "--out", str(tmp_path))
    assert code == 1 and "Error" in output
