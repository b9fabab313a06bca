"""GET /v1/benchmarks serves the access sections, and the CLI shows exactly them."""

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

from peerbench.cli.benchmark import benchmark
from peerbench.io.tabular import FileFormat, conform, write_table
from tests.api.harness import Server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")
NOT_STARTED = ("declined", "no_contact", "waiting", "not_suitable")


def add_referrals(folder: Path) -> int:
    """One started referral per engagement (referred 3–30 days before it starts, first
    contact on its start day), and one not started per engagement; returns the count."""
    engagements = pq.read_table(folder / "engagements.parquet").to_pylist()
    rows: list[dict[str, Any]] = []
    for i, e in enumerate(engagements):
        start: dt.date = e["start_date"]
        referred = start - dt.timedelta(days=3 + (7 * i) % 28)
        route = ("self", "gp", "secondary_care")[i % 3]
        rows.append(
            {
                "participant_key": e["participant_key"],
                "service_id": e["service_id"],
                "referral_date": referred,
                "referral_route": route,
                "uptake": "started",
                "first_contact_date": start,
                "deprivation_decile": 1 + i % 10,
            }
        )
        rows.append(
            {
                # A person who never started: a 32-hex key of their own.
                "participant_key": hashlib.md5(f"never-{folder.name}-{i}".encode()).hexdigest(),
                "service_id": e["service_id"],
                "referral_date": referred,
                "referral_route": route,
                "uptake": NOT_STARTED[i % 4],
                "first_contact_date": None,
            }
        )
    write_table(conform(pa.Table.from_pylist(rows), "referral"), folder / "referrals.parquet",
                FileFormat("parquet"))  # fmt: skip
    manifest = json.loads((folder / "peerbench.json").read_text())
    manifest["files"]["referrals.parquet"] = {"record_type": "referral", "rows": len(rows)}
    (folder / "peerbench.json").write_text(json.dumps(manifest, indent=2))
    return len(rows)


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    found = synth_slices(tmp_path_factory.mktemp("bench-access"), organisations=3)
    for folder in found.values():
        add_referrals(folder)
    return found


def test_cli_json_equals_the_api_access_sections(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)
    env = {"PEERBENCH_SERVER": "http://testserver", "PEERBENCH_KEY": server.keys["analyst"]}
    out = CliRunner().invoke(
        benchmark,
        ["--server", "http://testserver", "--format", "json"],
        obj={"http_client": server.client},
        env=env,
    )
    assert out.exit_code == 0, out.output
    api = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()["result"]
    assert json.loads(out.output) == api
    overall = next(r for r in api["access"] if r["breakdown"] == "all")
    # The analyst's network holds the first two organisations: 2 × 10 engagements,
    # each with a started and a not-started referral → 40 referred, 20 started.
    assert (overall["n_referred"], overall["n_started"]) == (40, 20)
    assert {r["breakdown"] for r in api["access"]} >= {"all", "route", "service"}
    assert next(r for r in api["access_reasons"] if r["uptake"] == "Total")["n"] == 20
