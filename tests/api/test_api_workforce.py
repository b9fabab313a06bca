"""The workforce sections through the API and ``peerbench benchmark --server``.

Each organisation's slice gets peer workers (a team of 9 per service, hand-made, see
:func:`_workers`); the pool's benchmark then carries the workforce sections, the CLI's
JSON is the API's result, and no per-service worker figure reaches a viewer who does
not run the service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.cli.benchmark import benchmark
from peerbench.io.tabular import conform
from tests.api.harness import Server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


def _workers(service: str) -> list[dict[str, Any]]:
    """Nine workers: 3 paid, 6 volunteers; volunteers 1 and 5 left after 3 months."""
    rows = []
    for i in range(9):
        paid = i % 3 == 0
        start = dt.date(2025, 1 + i, 1)
        left = not paid and i in (1, 5)
        rows.append(
            {
                "worker_key": hashlib.md5(f"{service}-w{i}".encode()).hexdigest(),
                "service_id": service,
                "role": "paid" if paid else "volunteer",
                "start_date": start,
                "end_reason": "role_strain" if left else "ongoing",
                "end_date": dt.date(2025, 4 + i, 1) if left else None,
                "training_status": "completed",
                "training_accredited": paid,
                "supervision_type": "group",
                "supervision_frequency": "monthly",
            }
        )
    return rows


def with_workers(slices: dict[str, Path]) -> dict[str, Path]:
    """Put the hand-made workers in every slice's ``peer_workers.parquet`` (and manifest).

    The synthetic workers they replace take their own questionnaires with them, which
    would otherwise name workers no longer in the slice (unknown-reference).
    """
    for folder in slices.values():
        outcomes = pq.read_table(folder / "outcomes.parquet")
        pq.write_table(participant_outcomes(outcomes), folder / "outcomes.parquet")
        services = pq.read_table(folder / "services.parquet").column("service_id").to_pylist()
        rows = [w for s in services for w in _workers(s)]
        table = conform(pa.Table.from_pylist(rows), "peer_worker")
        pq.write_table(table, folder / "peer_workers.parquet")
        manifest = json.loads((folder / "peerbench.json").read_text())
        manifest["files"]["peer_workers.parquet"] = {
            "record_type": "peer_worker",
            "rows": table.num_rows,
        }
        (folder / "peerbench.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return slices


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bench-workforce")
    return with_workers(synth_slices(folder, organisations=3, outcome_rows=1200))


def _invoke(server: Server, who: str, *args: str) -> tuple[int, str]:
    env = {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys[who]}
    result = CliRunner().invoke(benchmark, list(args), obj={"http_client": server.client}, env=env)
    return result.exit_code, result.output


def test_cli_json_equals_api_and_carries_the_workforce(
    server: Server, slices: dict[str, Path]
) -> None:
    server.submit_all(slices)
    code, output = _invoke(server, "analyst", "--server", "http://testserver", "--format", "json")
    assert code == 0, output
    api = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()
    assert json.loads(output) == api["result"]
    result = api["result"]
    assert result["workforce"], "the pool has peer workers"
    assert {r["level"] for r in result["workforce"]} <= {"all", "facilitator_model"}
    for row in result["workforce"]:
        for field in ("n_base", "n_yes", "n_no"):
            value = row[field]
            assert value is None or value == 0 or (value >= 8 and value % 5 == 0), row
    assert result["worker_end_reasons"][-1]["reason_group"] == "all"
    code, text = _invoke(server, "analyst", "--server", "http://testserver")
    assert code == 0 and "Peer workers, measured at" in text


def test_a_submitter_sees_only_its_own_services_worker_rows(
    server: Server, slices: dict[str, Path]
) -> None:
    server.submit_all(slices)
    org = sorted(slices)[0]
    page = server.client.get("/v1/benchmarks", headers=server.auth(org)).json()["result"]
    own = {s["service_id"] for s in page["services"] if s["organisation_id"] == org}
    shown = {r["group"] for r in page["workforce"] if r["level"] == "service"}
    assert shown and shown <= own
