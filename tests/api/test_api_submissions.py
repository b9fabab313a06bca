"""POST/GET /v1/submissions: accepted, rejected, superseded, repeated, queued, failed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from peerbench.server.db.models import PoolVersion, Submission
from tests.api.harness import PERIOD, Server, bundle_of, files_of


def post_files(server: Server, who: str, folder: Path, **extra: Any) -> Any:
    headers = {**server.auth(who), **extra.pop("headers", {})}
    data = {"period": extra.pop("period", PERIOD), **extra}
    return server.client.post("/v1/submissions", data=data, files=files_of(folder), headers=headers)


def pooled_rows(server: Server, record_type: str, org: str) -> int:
    with server.context.db.session() as session:
        return int(server.context.store.read_current(session, record_type, [org]).num_rows)


def test_accepted_submission_is_pooled(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    response = post_files(server, org, slices[org])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "accepted"
    assert response.headers["location"] == body["status_url"]
    outcomes = pq.read_table(slices[org] / "outcomes.parquet").num_rows
    assert pooled_rows(server, "outcome", org) == outcomes
    assert body["is_current"] and {v["record_type"] for v in body["versions"]} >= {"outcome"}
    assert "peerbench.json" in body["files"]
    status = server.client.get(f"/v1/submissions/{body['id']}", headers=server.auth(org))
    assert status.json()["rows"] == body["rows"] > outcomes
    assert not list((server.settings.data_dir / "spool").iterdir())  # spool removed


def test_other_organisations_records_are_rejected(server: Server, slices: dict[str, Path]) -> None:
    mine, theirs = server.organisations[0], server.organisations[1]
    response = post_files(server, mine, slices[theirs])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "rejected" and body["errors"] > 0
    report = server.client.get(body["report_url"], headers=server.auth(mine)).json()
    columns = {(f["code"], f["column"]) for f in report["findings"]}
    assert ("organisation-mismatch", "organisation_id") in columns
    assert ("unknown-reference", "service_id") in columns
    assert report["findings"][0]["file"].endswith(".parquet")  # names, not spool paths
    assert pooled_rows(server, "outcome", mine) == 0
    assert pooled_rows(server, "outcome", theirs) == 0


def test_resubmission_supersedes_and_keeps_both(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = server.organisations[0]
    first = post_files(server, org, slices[org]).json()
    second_folder = tmp_path / "v2"
    shutil.copytree(slices[org], second_folder)
    outcomes = pq.read_table(second_folder / "outcomes.parquet")
    pq.write_table(outcomes.slice(0, outcomes.num_rows - 5), second_folder / "outcomes.parquet")
    second = post_files(server, org, second_folder).json()
    assert second["status"] == "accepted" and second["id"] != first["id"]
    assert second["supersedes"] == [first["id"]]
    listed = server.client.get(
        "/v1/submissions", params={"period": PERIOD}, headers=server.auth(org)
    ).json()
    assert listed["count"] == 2
    current = {item["id"]: item["is_current"] for item in listed["items"]}
    assert current == {first["id"]: False, second["id"]: True}
    old = server.client.get(first["status_url"], headers=server.auth(org)).json()
    assert {v["superseded_by"] for v in old["versions"]} == {second["id"]}
    assert pooled_rows(server, "outcome", org) == outcomes.num_rows - 5
    with server.context.db.session() as session:
        assert len(list(session.scalars(select(PoolVersion)))) == 2 * len(first["versions"])


def test_same_content_returns_the_first(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    first = post_files(server, org, slices[org])
    again = post_files(server, org, slices[org])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    with server.context.db.session() as session:
        assert len(list(session.scalars(select(Submission)))) == 1


def test_idempotency_key_returns_the_first(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = server.organisations[0]
    headers = {"Idempotency-Key": "upload-42"}
    first = post_files(server, org, slices[org], headers=headers)
    again = post_files(server, org, slices[org], headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_idempotency_key_with_other_data_is_a_conflict(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = server.organisations[0]
    headers = {"Idempotency-Key": "upload-42"}
    first = post_files(server, org, slices[org], headers=headers).json()
    changed = tmp_path / "changed"
    shutil.copytree(slices[org], changed)
    outcomes = pq.read_table(changed / "outcomes.parquet")
    pq.write_table(outcomes.slice(0, outcomes.num_rows - 1), changed / "outcomes.parquet")
    clash = post_files(server, org, changed, headers=headers)
    assert clash.status_code == 409, clash.text
    error = clash.json()["error"]
    assert error["code"] == "idempotency-key-reused"
    assert error["details"] == {"submission_id": first["id"]}
    assert first["id"] in error["message"]
    with server.context.db.session() as session:
        assert [s.id for s in session.scalars(select(Submission))] == [first["id"]]
    assert (
        pooled_rows(server, "outcome", org)
        == pq.read_table(slices[org] / "outcomes.parquet").num_rows
    )
    fresh = post_files(server, org, changed, headers={"Idempotency-Key": "upload-43"})
    assert fresh.status_code == 201 and fresh.json()["supersedes"] == [first["id"]]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_idempotency_key_is_no_key(
    server: Server, slices: dict[str, Path], tmp_path: Path, blank: str
) -> None:
    org = server.organisations[0]
    headers = {"Idempotency-Key": blank}
    first = post_files(server, org, slices[org], headers=headers)
    assert first.status_code == 201, first.text
    changed = tmp_path / "changed"
    shutil.copytree(slices[org], changed)
    outcomes = pq.read_table(changed / "outcomes.parquet")
    pq.write_table(outcomes.slice(0, outcomes.num_rows - 1), changed / "outcomes.parquet")
    second = post_files(server, org, changed, headers=headers)
    assert second.status_code == 201, second.text
    assert second.json()["supersedes"] == [first.json()["id"]]
    with server.context.db.session() as session:
        keys = {s.idempotency_key for s in session.scalars(select(Submission))}
    assert keys == {None}


def test_large_upload_is_queued(
    database_url: str, tmp_path: Path, orgs: list[str], slices: dict[str, Path]
) -> None:
    from tests.api.harness import running_server

    with running_server(database_url, tmp_path / "d", orgs, background_threshold_bytes=0) as srv:
        org = orgs[0]
        response = post_files(srv, org, slices[org])
        assert response.status_code == 202
        assert response.json()["status"] == "validating"
        srv.drain()
        done = srv.client.get(response.headers["location"], headers=srv.auth(org)).json()
        assert done["status"] == "accepted"
        assert pooled_rows(srv, "outcome", org) > 0


def test_json_bundle(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    body = bundle_of(slices[org])
    response = server.client.post("/v1/submissions", json=body, headers=server.auth(org))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "accepted"
    assert pooled_rows(server, "outcome", org) == len(body["outcomes"])
    body["outcomes"][0]["timepoint"] = "someday"
    body["outcomes"][1]["service_id"] = "not-my-service"
    rejected = server.client.post("/v1/submissions", json=body, headers=server.auth(org)).json()
    assert rejected["status"] == "rejected"
    report = server.client.get(rejected["report_url"], headers=server.auth(org)).json()
    found = {(f["file"], f["row"], f["column"], f["code"]) for f in report["findings"]}
    assert ("outcomes.json", 2, "timepoint", "code-invalid") in found
    assert ("outcomes.json", 3, "service_id", "unknown-reference") in found


def test_failure_is_clean_and_resend_works(
    server: Server, slices: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    org = server.organisations[0]
    store = server.context.store
    real = store.write_version
    calls = 0

    def flaky(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:  # after two files are written
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "write_version", flaky)
    failed = post_files(server, org, slices[org]).json()
    assert failed["status"] == "failed" and "nothing was stored" in failed["failure"]
    assert "disk full" not in failed["failure"]
    assert not list(Path(store.root).rglob("*.parquet"))
    again = post_files(server, org, slices[org])
    assert again.status_code == 201 and again.json()["id"] == failed["id"]
    assert again.json()["status"] == "accepted"


@pytest.mark.parametrize(("period", "status"), [("2026-Q5", 422), ("26-Q1", 422), ("2026-Q4", 201)])
def test_period_format(server: Server, slices: dict[str, Path], period: str, status: int) -> None:
    org = server.organisations[0]
    response = post_files(server, org, slices[org], period=period)
    assert response.status_code == status
    if status == 422:
        assert response.json()["error"]["details"] == {"field": "period"}


def test_admin_submits_for_an_organisation(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    missing = post_files(server, "admin", slices[org])
    assert missing.status_code == 422
    done = post_files(server, "admin", slices[org], organisation_id=org)
    assert done.status_code == 201 and done.json()["organisation_id"] == org


def test_submitter_cannot_submit_for_another(server: Server, slices: dict[str, Path]) -> None:
    mine, theirs = server.organisations[0], server.organisations[1]
    response = post_files(server, mine, slices[theirs], organisation_id=theirs)
    assert response.status_code == 403


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_report_formats(server: Server, slices: dict[str, Path], fmt: str) -> None:
    from bs4 import BeautifulSoup

    mine, theirs = server.organisations[0], server.organisations[1]
    body = post_files(server, mine, slices[theirs]).json()
    response = server.client.get(
        body["report_url"], params={"format": fmt}, headers=server.auth(mine)
    )
    assert response.status_code == 200
    if fmt == "text":
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith("NOT VALID") and "unknown-reference" in response.text
    else:
        assert response.headers["content-type"].startswith("text/html")
        page = BeautifulSoup(response.text, "html.parser")
        assert page.title is not None and "not valid" in page.title.text
        assert "unknown-reference" in page.get_text()


def test_start_up_removes_an_interrupted_submissions_pool_files(
    server: Server, slices: dict[str, Path]
) -> None:
    """A crash between writing and activating leaves files; the next start removes them."""
    from fastapi.testclient import TestClient

    from peerbench.api.app import create_app
    from peerbench.server.submissions import NewSubmission, register

    org = server.organisations[0]
    ctx = server.context
    with ctx.db.session() as session:
        crashed, _ = register(session, NewSubmission(org, PERIOD, "f" * 64, ["x"]), actor="t")
    with ctx.db.session() as session:
        session.get(Submission, crashed.id).status = "validating"  # type: ignore[union-attr]
    outcomes = pq.read_table(slices[org] / "outcomes.parquet")
    orphan = ctx.store.write_version(outcomes, record_type="outcome", organisation_id=org,
                                     period=PERIOD, submission_id=crashed.id,
                                     standard_version="1.0.0")  # fmt: skip
    with TestClient(create_app(server.settings, context=ctx)):
        pass  # start-up (the lifespan) ran
    on_disk = (Path(ctx.store.root) / orphan).exists()
    with ctx.db.session() as session:
        status = session.get(Submission, crashed.id).status  # type: ignore[union-attr]
    if ctx.db.is_sqlite:  # one process: the interrupted submission failed, its file gone
        assert (status, on_disk) == ("failed", False)
    else:  # another process may own it: in flight, kept
        assert (status, on_disk) == ("validating", True)


@pytest.mark.parametrize(
    ("period", "expected"),
    [("0796-Q1", "before 2000-Q1"), ("1999-Q4", "before 2000-Q1"),
     ("2027-Q1", "not started yet"), ("9999-Q4", "not started yet")],
)  # fmt: skip
def test_periods_outside_the_accepted_range_are_refused(
    server: Server, slices: dict[str, Path], period: str, expected: str
) -> None:
    org = server.organisations[0]
    as_files = post_files(server, org, slices[org], period=period)
    body = bundle_of(slices[org], period=period)
    as_json = server.client.post("/v1/submissions", json=body, headers=server.auth(org))
    for response in (as_files, as_json):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert expected in error["message"]
        assert error["details"] == {"field": "period", "earliest": "2000-Q1", "latest": "2026-Q4"}
    with server.context.db.session() as session:
        assert list(session.scalars(select(Submission))) == []
    assert not list((server.settings.data_dir / "spool").iterdir())  # spool removed


def test_the_current_quarter_and_a_configured_earliest_one(
    database_url: str, tmp_path: Path, orgs: list[str], slices: dict[str, Path]
) -> None:
    from tests.api.harness import running_server

    with running_server(database_url, tmp_path / "d", orgs, earliest_period="2026-Q2") as srv:
        org = orgs[0]
        assert post_files(srv, org, slices[org], period="2026-Q4").status_code == 201  # TODAY's
        refused = post_files(srv, org, slices[org], period="2026-Q1")
        assert refused.status_code == 422
        assert "before 2026-Q2" in refused.json()["error"]["message"]
        assert post_files(srv, org, slices[org], period="2026-Q2").status_code == 201


def test_concurrent_clients_for_one_period_all_end_accepted(
    server: Server, slices: dict[str, Path], tmp_path: Path
) -> None:
    """Racing submissions for one organisation and period: none fails, one is current."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    clients, org = 5, server.organisations[0]
    folders = []
    for i in range(clients):
        folder = tmp_path / f"v{i}"
        shutil.copytree(slices[org], folder)
        outcomes = pq.read_table(folder / "outcomes.parquet")
        pq.write_table(outcomes.slice(0, outcomes.num_rows - i), folder / "outcomes.parquet")
        folders.append(folder)
    gate = threading.Barrier(clients)

    def send(folder: Path) -> tuple[int, str]:
        gate.wait(timeout=60)
        response = post_files(server, org, folder)
        return response.status_code, response.json()["status"]

    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(send, folders))
    assert answers == [(201, "accepted")] * clients
    with server.context.db.session() as session:
        submissions = list(session.scalars(select(Submission)))
        newest = max(submissions, key=lambda s: (s.created_at, s.id)).id
        versions = list(session.scalars(select(PoolVersion)))
    assert len(submissions) == clients
    current = {v.submission_id for v in versions if v.is_current}
    assert current == {newest}
    record_types = {v.record_type for v in versions}
    assert sum(not v.is_current for v in versions) == (clients - 1) * len(record_types)
