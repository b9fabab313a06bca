"""Report data of a pooled store: tables from the pool, validation only when asked for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peerbench.reports.builders import build, load_report_data
from peerbench.reports.builders.inputs import _open_pool
from peerbench.reports.render import render_html
from peerbench.server.pool_view import submitted_files
from peerbench.validators.engine import validate
from tests.api.harness import running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A server data directory of three organisations."""
    root = tmp_path_factory.mktemp("inputs-pool")
    slices = synth_slices(root / "synth", organisations=3, outcome_rows=400)
    data = root / "data"
    with running_server(f"sqlite:///{data / 'peerbench.sqlite3'}", data, sorted(slices)) as s:
        s.submit_all(slices)
    yield data


def _revalidated(data_dir: Path) -> tuple[dict[str, pa.Table], Any]:
    """What the reports were built from before: the validator run over the pool's files."""
    with _open_pool(data_dir) as (store, session), submitted_files(store, session) as files:
        checked = validate(files, collect=True)
    return dict(checked.tables), checked.report


def _portable(report: dict[str, Any]) -> dict[str, Any]:
    """A report's dict with its temporary folder's name left out of file paths."""
    text = json.dumps(report, sort_keys=True)
    return json.loads(re.sub(r"/[^\"]*/peerbench-pool-[^/]+/", "", text))  # type: ignore[no-any-return]


def test_tables_equal_the_revalidated_pool(data_dir: Path) -> None:
    data = load_report_data(data_dir)
    tables, _report = _revalidated(data_dir)
    assert sorted(data.tables) == sorted(tables)
    for record_type, table in data.tables.items():
        assert table.equals(tables[record_type]), record_type
        assert table.schema.metadata == tables[record_type].schema.metadata


def test_validation_is_made_only_when_read(data_dir: Path) -> None:
    data = load_report_data(data_dir)
    assert "validation" not in vars(data)  # the network report never asks
    build(data, "network")
    assert "validation" not in vars(data)
    _tables, report = _revalidated(data_dir)
    assert _portable(data.validation.to_dict()) == _portable(report.to_dict())
    assert "validation" in vars(data)


def test_quality_report_is_unchanged(data_dir: Path) -> None:
    data = load_report_data(data_dir)
    html = render_html(build(data, "quality"))
    assert data.validation.errors == 0
    assert "quality" in html.lower()
