"""Limits: request size (413), submissions per minute (429), rows per file (rejected)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.api.harness import PERIOD, bundle_of, files_of, running_server
from tests.api.test_api_errors import assert_envelope


def test_request_size_limit(database_url: str, tmp_path: Path, orgs: list[str]) -> None:
    with running_server(database_url, tmp_path, orgs, max_request_bytes=4096) as srv:
        org = orgs[0]
        big = [("files", ("outcomes.csv", b"x" * 10_000))]
        declared = srv.client.post(
            "/v1/submissions", data={"period": PERIOD}, files=big, headers=srv.auth(org)
        )
        error = assert_envelope(declared, 413, "request-too-large")
        assert error["details"] == {"max_request_bytes": 4096}

        def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes are counted
            yield b'{"period": "2026-Q3", "outcomes": ['
            for _ in range(400):
                yield b'{"record_id": "r"},'
            yield b"{}]}"

        for path in ("/v1/submissions", "/v1/organisations"):
            who = org if path == "/v1/submissions" else "admin"
            streamed = srv.client.post(
                path,
                content=chunks(),
                headers={**srv.auth(who), "content-type": "application/json"},
            )
            assert "content-length" not in streamed.request.headers
            assert_envelope(streamed, 413, "request-too-large")

        def multipart() -> Iterator[bytes]:
            yield b'--b\r\nContent-Disposition: form-data; name="period"\r\n\r\n2026-Q3\r\n'
            yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\n'
            for _ in range(100):
                yield b"x" * 100
            yield b"\r\n--b--\r\n"

        headers = {**srv.auth(org), "content-type": "multipart/form-data; boundary=b"}
        upload = srv.client.post("/v1/submissions", content=multipart(), headers=headers)
        assert_envelope(upload, 413, "request-too-large")
        assert not list(tmp_path.glob("spool/*"))  # the half-received upload is gone


def test_submission_rate_limit(
    database_url: str, tmp_path: Path, orgs: list[str], slices: dict[str, Path]
) -> None:
    with running_server(database_url, tmp_path, orgs, submissions_per_minute=2) as srv:
        first, second = orgs[0], orgs[1]
        for _ in range(2):
            response = srv.client.post(
                "/v1/submissions",
                data={"period": PERIOD},
                files=files_of(slices[first]),
                headers=srv.auth(first),
            )
            assert response.status_code in (200, 201)
        limited = srv.client.post(
            "/v1/submissions",
            data={"period": PERIOD},
            files=files_of(slices[first]),
            headers=srv.auth(first),
        )
        error = assert_envelope(limited, 429, "rate-limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert error["details"]["limit_per_minute"] == 2
        other = srv.client.post(
            "/v1/submissions",
            data={"period": PERIOD},
            files=files_of(slices[second]),
            headers=srv.auth(second),
        )
        assert other.status_code == 201  # the limit is per key
        assert srv.client.get("/v1/submissions", headers=srv.auth(first)).status_code == 200


def test_rows_per_file_cap(
    database_url: str, tmp_path: Path, orgs: list[str], slices: dict[str, Path]
) -> None:
    with running_server(database_url, tmp_path, orgs, max_rows_per_file=20) as srv:
        org = orgs[0]
        body = srv.client.post(
            "/v1/submissions",
            data={"period": PERIOD},
            files=files_of(slices[org]),
            headers=srv.auth(org),
        ).json()
        assert body["status"] == "rejected"
        report = srv.client.get(body["report_url"], headers=srv.auth(org)).json()
        # One cap: each file is read within it and stops at its 21st row, naming the setting.
        findings = report["findings"]
        assert findings and {(f["column"], f["code"]) for f in findings} == {
            (None, "limit-exceeded")
        }
        assert all("the limit max_rows is 20" in f["message"] for f in findings)
        as_json = srv.client.post(
            "/v1/submissions", json=bundle_of(slices[org]), headers=srv.auth(org)
        ).json()
        assert as_json["status"] == "rejected"
