"""Admin endpoints: organisations, networks, members, keys (secret shown once), audit."""

from __future__ import annotations

from pathlib import Path

from tests.api.harness import PERIOD, Server, files_of


def test_organisation_network_member(server: Server) -> None:
    admin = server.auth("admin")
    created = server.client.post(
        "/v1/organisations",
        json={"id": "org-new", "name": "New Org", "organisation_type": "charity"},
        headers=admin,
    )
    assert created.status_code == 201 and created.json()["id"] == "org-new"
    again = server.client.post(
        "/v1/organisations", json={"id": "org-new", "name": "X"}, headers=admin
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    network = server.client.post("/v1/networks", json={"id": "net-2", "name": "Two"}, headers=admin)
    assert network.status_code == 201
    member = server.client.post(
        "/v1/networks/net-2/members",
        json={
            "organisation_id": "org-new",
            "agreement_reference": "DSA-9",
            "agreement_start": "2026-01-01",
        },
        headers=admin,
    )
    assert member.status_code == 201 and member.json()["network_id"] == "net-2"
    missing = server.client.post(
        "/v1/networks/nope/members",
        json={
            "organisation_id": "org-new",
            "agreement_reference": "x",
            "agreement_start": "2026-01-01",
        },
        headers=admin,
    )
    assert missing.status_code == 404
    orgs = server.client.get("/v1/organisations", headers=admin).json()
    assert "org-new" in {o["id"] for o in orgs}


def test_key_secret_shown_once(server: Server) -> None:
    admin = server.auth("admin")
    org = server.organisations[0]
    created = server.client.post(
        "/v1/keys",
        json={"role": "submitter", "organisation_id": org, "label": "laptop"},
        headers=admin,
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("pbk_")
    listing = server.client.get("/v1/keys", headers=admin)
    assert secret not in listing.text and "hash" not in listing.text
    entry = next(k for k in listing.json() if k["id"] == created.json()["id"])
    assert entry["prefix"] == secret[: len(entry["prefix"])] and entry["label"] == "laptop"
    works = server.client.get("/v1/submissions", headers={"Authorization": f"Bearer {secret}"})
    assert works.status_code == 200
    revoked = server.client.delete(f"/v1/keys/{entry['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    bad_scope = server.client.post("/v1/keys", json={"role": "submitter"}, headers=admin)
    assert bad_scope.status_code == 422
    assert server.client.delete("/v1/keys/key_nope", headers=admin).status_code == 404


def test_everything_is_audited(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    body = server.client.post(
        "/v1/submissions",
        data={"period": PERIOD},
        files=files_of(slices[org]),
        headers=server.auth(org),
    ).json()
    server.client.get(body["report_url"], headers=server.auth(org))
    server.client.post("/v1/keys", json={"role": "admin"}, headers=server.auth("admin"))
    events = server.client.get(
        "/v1/audit", params={"limit": 1000}, headers=server.auth("admin")
    ).json()["items"]
    actions = [(e["action"], e["target"]) for e in events]
    assert ("submission.created", body["id"]) in actions
    statuses = [e["details"]["to"] for e in events if e["action"] == "submission.status"]
    assert statuses == ["accepted", "validating"]  # newest first
    assert ("download", body["id"]) in actions
    assert any(a == "key.created" for a, _ in actions)
    only = server.client.get(
        "/v1/audit", params={"action": "download"}, headers=server.auth("admin")
    ).json()["items"]
    assert [e["action"] for e in only] == ["download"]
    for secret in server.keys.values():
        assert secret not in str(events)
