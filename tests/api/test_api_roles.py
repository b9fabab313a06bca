"""Every role against every endpoint: what it may do, and the 403/404 it gets otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.harness import NETWORK, PERIOD, Server, files_of

ADMIN_ONLY = [
    ("GET", "/v1/keys"),
    ("GET", "/v1/audit"),
    ("GET", "/v1/organisations"),
    ("POST", "/v1/organisations"),
    ("POST", "/v1/networks"),
    ("POST", f"/v1/networks/{NETWORK}/members"),
    ("POST", "/v1/keys"),
    ("DELETE", "/v1/keys/key_000000000000"),
]


@pytest.fixture
def read_server(module_submitted_server: Server) -> Server:
    """The module's server with one accepted submission per organisation (ids in
    ``submissions``), for tests that only read or are refused."""
    return module_submitted_server


@pytest.mark.parametrize("who", ["first", "analyst", "researcher"])
@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_admin_endpoints_refuse_other_roles(
    module_server: Server, who: str, method: str, path: str
) -> None:
    server = module_server  # refused: nothing changes
    name = server.organisations[0] if who == "first" else who
    response = server.client.request(method, path, headers=server.auth(name), json={})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_submitter_sees_only_its_own(read_server: Server) -> None:
    server, submitted = read_server, read_server.submissions
    first, second = server.organisations[0], server.organisations[1]
    listed = server.client.get("/v1/submissions", headers=server.auth(first)).json()
    assert [item["id"] for item in listed["items"]] == [submitted[first]]
    for path in ("", "/report"):
        url = f"/v1/submissions/{submitted[second]}{path}"
        response = server.client.get(url, headers=server.auth(first))
        assert response.status_code == 404  # another's submission is not revealed
        own = server.client.get(
            f"/v1/submissions/{submitted[first]}{path}", headers=server.auth(first)
        )
        assert own.status_code == 200


def test_analyst_reads_member_submissions(read_server: Server) -> None:
    server, submitted = read_server, read_server.submissions
    members, outsider = server.organisations[:2], server.organisations[2]
    listed = server.client.get("/v1/submissions", headers=server.auth("analyst")).json()
    assert sorted(item["organisation_id"] for item in listed["items"]) == sorted(members)
    ok = server.client.get(
        f"/v1/submissions/{submitted[members[0]]}", headers=server.auth("analyst")
    )
    assert ok.status_code == 200
    hidden = server.client.get(
        f"/v1/submissions/{submitted[outsider]}", headers=server.auth("analyst")
    )
    assert hidden.status_code == 404


@pytest.mark.parametrize("who", ["analyst", "researcher"])
def test_only_submitters_and_admins_submit(
    module_server: Server, slices: dict[str, Path], who: str
) -> None:
    server = module_server  # refused: nothing changes
    org = server.organisations[0]
    response = server.client.post(
        "/v1/submissions",
        data={"period": PERIOD},
        files=files_of(slices[org]),
        headers=server.auth(who),
    )
    assert response.status_code == 403


def test_researcher_has_no_submission_access(read_server: Server) -> None:
    server, submitted = read_server, read_server.submissions
    for path in ("/v1/submissions", f"/v1/submissions/{next(iter(submitted.values()))}"):
        response = server.client.get(path, headers=server.auth("researcher"))
        assert response.status_code == 403


def test_admin_sees_everything(read_server: Server) -> None:
    server, submitted = read_server, read_server.submissions
    listed = server.client.get("/v1/submissions", headers=server.auth("admin")).json()
    assert listed["count"] == len(submitted)
    one = next(iter(submitted.values()))
    assert server.client.get(
        f"/v1/submissions/{one}/report", headers=server.auth("admin")
    ).is_success
    audit = server.client.get("/v1/audit", headers=server.auth("admin"))
    assert audit.status_code == 200


def test_revoked_key_is_refused(server: Server) -> None:
    org = server.organisations[0]
    keys = server.client.get("/v1/keys", headers=server.auth("admin")).json()
    mine = next(k for k in keys if k["organisation_id"] == org and k["role"] == "submitter")
    assert server.client.get("/v1/submissions", headers=server.auth(org)).status_code == 200
    server.client.delete(f"/v1/keys/{mine['id']}", headers=server.auth("admin"))
    refused = server.client.get("/v1/submissions", headers=server.auth(org))
    assert refused.status_code == 401
    assert server.keys[org] not in refused.text
