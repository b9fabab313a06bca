"""A second quarter never takes reads down (issue 11, problem 1).

Every organisation sends its cumulative spreadsheet again for the next quarter (the same
participants, baselines and service use): every read still answers 200, for every role,
and the benchmark is the one of the first quarter alone (the records are the same).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.harness import Server, running_server
from tests.compare import assert_json_close

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


def _reads(server: Server, first: str) -> list[tuple[str, str]]:
    with server.context.db.session() as session:
        from peerbench.server.pool_view import submitted_table

        services = submitted_table(server.context.store, session, "service", [first])
    mine = services.column("service_id")[0].as_py()
    return [
        ("analyst", "/v1/benchmarks"),
        ("analyst", "/v1/reports/network"),
        ("analyst", "/v1/reports/network/figures"),
        ("analyst", "/v1/reports/quality/figures"),
        ("analyst", "/v1/reports/commissioner/figures"),
        ("admin", "/v1/benchmarks"),
        (first, "/v1/benchmarks"),
        (first, f"/v1/reports/service/figures?service_id={mine}"),
    ]


def test_a_cumulative_second_quarter_keeps_every_read_answering(
    slices: dict[str, Path], tmp_path: Path
) -> None:
    orgs = sorted(slices)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", orgs, raise_server_exceptions=False) as server:
        server.submit_all(slices, period="2026-Q3")
        before = server.client.get("/v1/benchmarks", headers=server.auth("analyst")).json()
        server.submit_all(slices, period="2026-Q4")  # the same spreadsheet, next quarter
        answers = {
            (who, path): server.client.get(path, headers=server.auth(who))
            for who, path in _reads(server, orgs[0])
        }
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 200)
    after = answers[("analyst", "/v1/benchmarks")].json()
    assert after["result"]["data_quality"] == []
    assert_json_close(after["result"], before["result"])
