"""Every failure, on every endpoint, has the one envelope: {"error": {code, message, details}}."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.harness import Server

PUBLIC = {"/v1/health"}


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    error: dict[str, Any] = body["error"]
    return error


def api_routes(server: Server) -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document lists, with ids filled in."""
    routes: list[tuple[str, str]] = []
    for path, operations in server.app.openapi()["paths"].items():
        concrete = re.sub(r"\{[a-z_]+\}", "x", path)
        routes.extend((method.upper(), concrete) for method in sorted(operations))
    return routes


def test_sweep_covers_every_endpoint(server: Server) -> None:
    # A new endpoint changes this count: check the sweeps below cover it, then update it.
    assert len(api_routes(server)) == 22


def test_every_endpoint_needs_a_key(server: Server) -> None:
    for method, path in api_routes(server):
        if path in PUBLIC:
            continue
        for headers in (
            {},
            {"Authorization": "Bearer pbk_not-a-real-key"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
        ):
            response = server.client.request(method, path, headers=headers)
            error = assert_envelope(response, 401, "unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"
            assert "pbk_not-a-real-key" not in error["message"]


def test_wrong_method_everywhere(server: Server) -> None:
    for method, path in api_routes(server):
        other = "PUT" if method != "PUT" else "PATCH"
        assert_envelope(server.client.request(other, path), 405, "method-not-allowed")


@pytest.mark.parametrize("path", ["/v1", "/v1/nope", "/v2/submissions", "/v1/keys/a/b"])
def test_unknown_routes(server: Server, path: str) -> None:
    assert_envelope(server.client.get(path, headers=server.auth("admin")), 404, "not-found")


def test_validation_errors(server: Server) -> None:
    admin = server.auth("admin")
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/v1/submissions", {"params": {"limit": 0}}),
        ("GET", "/v1/submissions", {"params": {"period": "Q3"}}),
        ("GET", "/v1/submissions/x/report", {"params": {"format": "pdf"}}),
        ("GET", "/v1/audit", {"params": {"since": "yesterday"}}),
        ("POST", "/v1/organisations", {"json": {"id": "../etc"}}),
        (
            "POST",
            "/v1/organisations",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        ("POST", "/v1/networks", {"json": {"id": "n", "name": "N", "extra": 1}}),
        ("POST", "/v1/keys", {"json": {"role": "emperor"}}),
        ("POST", "/v1/submissions", {"json": {"period": "2026-Q3", "nonsense": []}}),
        ("POST", "/v1/submissions", {"json": {"period": "2026-Q3"}}),
        (
            "POST",
            "/v1/submissions",
            {"data": {"period": "2026-Q3"}, "files": [("files", ("out$.csv", b"a"))]},
        ),
    ]
    for method, path, kwargs in cases:
        headers = {**admin, **kwargs.pop("headers", {})}
        response = server.client.request(method, path, headers=headers, **kwargs)
        error = assert_envelope(response, 422)
        if isinstance(error["details"], list):  # submitted values are never echoed back
            assert all(set(item) == {"location", "message"} for item in error["details"])


def test_unsupported_media_type(server: Server) -> None:
    org = server.organisations[0]
    response = server.client.post(
        "/v1/submissions",
        content=b"a,b\n1,2\n",
        headers={**server.auth(org), "content-type": "text/csv"},
    )
    assert_envelope(response, 415, "unsupported-media-type")


def test_report_not_ready(server: Server) -> None:
    from peerbench.server.db.models import Submission

    org = server.organisations[0]
    with server.context.db.session() as session:
        session.add(
            Submission(
                id="pending1",
                organisation_id=org,
                period="2026-Q3",
                status="validating",
                content_hash="h",
            )
        )
    response = server.client.get("/v1/submissions/pending1/report", headers=server.auth(org))
    assert_envelope(response, 409, "report-not-ready")


def test_unexpected_error(
    database_url: str, tmp_path: Any, orgs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerbench.api.routers import keys
    from tests.api.harness import running_server

    def broken(session: Any) -> Any:
        raise RuntimeError("internal detail pbk_secret")

    monkeypatch.setattr(keys, "list_keys", broken)
    with running_server(database_url, tmp_path, orgs, raise_server_exceptions=False) as srv:
        response = srv.client.get("/v1/keys", headers=srv.auth("admin"))
        error = assert_envelope(response, 500, "internal-error")
        assert "pbk_secret" not in response.text and "internal detail" not in error["message"]


def test_docs_are_served(server: Server) -> None:
    assert server.client.get("/docs").status_code == 200
    spec = server.client.get("/openapi.json").json()
    post = spec["paths"]["/v1/submissions"]["post"]
    assert set(post["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
