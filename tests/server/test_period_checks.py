"""Records sent again for another period: equal copies pass, changed ones are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peerbench.server.period_checks import conflicts, report_conflicts
from peerbench.validators.report import Report
from tests.api.harness import files_of, running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per-organisation folders of a small valid synthetic dataset."""
    return synth_slices(tmp_path_factory.mktemp("synth"))


def _with_lineage(table: pa.Table, submission_id: str, period: str) -> pa.Table:
    for name, value in (("_submission_id", submission_id), ("_period", period)):
        table = table.append_column(name, pa.repeat(pa.scalar(value), table.num_rows))
    return table


def test_an_equal_copy_is_no_conflict_and_a_changed_one_names_the_columns(
    slices: dict[str, Path],
) -> None:
    outcomes = pq.read_table(next(iter(slices.values())) / "outcomes.parquet")
    pooled = _with_lineage(outcomes, "s1", "2026-Q3")
    assert conflicts(outcomes, pooled, "outcome") == []
    scores = outcomes.column("total_score").to_pylist()
    first = next(i for i, s in enumerate(scores) if s is not None)
    scores[first] = scores[first] + 1
    items = outcomes.column("items").to_pylist()
    items[first + 1] = [*(items[first + 1] or []), 1]
    changed = outcomes.set_column(
        outcomes.schema.get_field_index("total_score"),
        "total_score",
        pa.array(scores, outcomes.schema.field("total_score").type),
    ).set_column(
        outcomes.schema.get_field_index("items"),
        "items",
        pa.array(items, outcomes.schema.field("items").type),
    )
    found = conflicts(changed, pooled, "outcome")
    assert [(c.row, c.columns, c.submission_id, c.period) for c in found] == [
        (first, ("total_score",), "s1", "2026-Q3"),
        (first + 1, ("items",), "s1", "2026-Q3"),
    ]
    assert found[0].key == outcomes.column("record_id")[first].as_py()
    # A record the pool does not hold is new, not a conflict.
    assert conflicts(changed, pooled.slice(0, 0), "outcome") == []


def test_a_changed_copy_for_a_later_quarter_is_reported_naming_both_submissions(
    slices: dict[str, Path], tmp_path: Path
) -> None:
    orgs = sorted(slices)
    org = orgs[0]
    changed = tmp_path / "changed"
    shutil.copytree(slices[org], changed)
    outcomes = pq.read_table(changed / "outcomes.parquet")
    record = outcomes.column("record_id")[0].as_py()
    days = outcomes.column("days_since_start")
    bumped = pc.if_else(
        pc.equal(outcomes.column("record_id"), record), pc.add(pc.fill_null(days, 0), 1), days
    )
    pq.write_table(
        outcomes.set_column(
            outcomes.schema.get_field_index("days_since_start"),
            "days_since_start",
            bumped.cast(days.type),
        ),
        changed / "outcomes.parquet",
    )
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", orgs) as server:
        first = server.submit_all(slices)[org]
        again = server.client.post(
            "/v1/submissions",
            data={"period": "2026-Q4"},
            files=files_of(changed),
            headers=server.auth(org),
        ).json()
        report = server.client.get(
            f"/v1/submissions/{again['id']}/report", headers=server.auth(org)
        ).json()
        reads = [
            server.client.get(path, headers=server.auth("analyst")).status_code
            for path in ("/v1/benchmarks", "/v1/reports/network/figures")
        ]
    assert again["status"] == "accepted"  # a warning: the later copy is used
    found = [f for f in report["findings"] if f["code"] == "record-conflict"]
    assert len(found) == 1
    message = found[0]["message"]
    assert record in message and "days_since_start" in message
    assert first in message and again["id"] in message and "2026-Q3" in message
    assert reads == [200, 200]


def test_a_submission_with_errors_is_not_compared(slices: dict[str, Path]) -> None:
    """It will not be pooled, and its tables may lack required columns: never a crash."""
    outcomes = pq.read_table(next(iter(slices.values())) / "outcomes.parquet")
    pooled = {"outcome": _with_lineage(outcomes, "s1", "2026-Q3")}
    broken = {"outcome": outcomes.drop_columns(["participant_key"])}  # cannot be conformed
    report = Report()
    report.add("file-empty", file="outcomes.csv", detail="")
    count = report_conflicts(report, {}, broken, pooled, submission_id="s2", period="2026-Q4")
    assert count == 0 and "record-conflict" not in report.by_code
    valid = Report()
    modes = pa.array(["assisted"] * outcomes.num_rows, outcomes.schema.field("mode").type)
    index = outcomes.schema.get_field_index("mode")
    changed = {"outcome": outcomes.set_column(index, "mode", modes)}
    count = report_conflicts(valid, {}, changed, pooled, submission_id="s2", period="2026-Q4")
    assert count == valid.by_code["record-conflict"] > 0  # no origin: rows in table order
