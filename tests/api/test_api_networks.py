"""``/v1/networks``: agreement end dates, member updates and the coverage endpoint."""

from __future__ import annotations

from pathlib import Path

from tests.api.harness import NETWORK, PERIOD, TODAY, Server, files_of


def test_coverage_shows_each_member_by_quarter(server: Server, slices: dict[str, Path]) -> None:
    first = server.organisations[0]
    sent = server.client.post(
        "/v1/submissions",
        data={"period": PERIOD},
        files=files_of(slices[first]),
        headers=server.auth(first),
    )
    assert sent.json()["status"] == "accepted", sent.text
    response = server.client.get(f"/v1/networks/{NETWORK}/coverage", headers=server.auth("analyst"))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["as_of"] == TODAY.isoformat()
    assert page["quarters"][-1] >= PERIOD
    members = {m["organisation_id"]: m for m in page["members"]}
    assert set(members) == set(server.organisations[:2])
    cell = next(c for c in members[first]["cells"] if c["period"] == PERIOD)
    assert cell["status"] == "submitted" and cell["rows"] > 0
    other = next(c for c in members[server.organisations[1]]["cells"] if c["period"] == PERIOD)
    assert other["status"] in {"missing", "not_due"}
    total = next(t for t in page["totals"] if t["period"] == PERIOD)
    assert (total["submitted"], total["expected"]) == (1, 2)


def test_coverage_is_for_admins_and_the_networks_analysts(server: Server) -> None:
    path = f"/v1/networks/{NETWORK}/coverage"
    assert server.client.get(path, headers=server.auth("admin")).status_code == 200
    for who in ("researcher", server.organisations[0]):
        assert server.client.get(path, headers=server.auth(who)).status_code == 403
    missing = server.client.get("/v1/networks/nope/coverage", headers=server.auth("admin"))
    assert missing.status_code == 404
    # An analyst of another network is refused without learning whether this one exists.
    admin = server.auth("admin")
    server.client.post("/v1/networks", json={"id": "net-2", "name": "Two"}, headers=admin)
    key = server.client.post(
        "/v1/keys", json={"role": "network-analyst", "network_id": "net-2"}, headers=admin
    ).json()["secret"]
    other = {"Authorization": f"Bearer {key}"}
    assert server.client.get(path, headers=other).status_code == 403
    assert server.client.get("/v1/networks/nope/coverage", headers=other).status_code == 403


def test_an_ended_agreement_hides_the_member(server: Server) -> None:
    admin = server.auth("admin")
    member = server.organisations[1]
    response = server.client.put(
        f"/v1/networks/{NETWORK}/members/{member}",
        json={
            "agreement_reference": "DSA-1",
            "agreement_start": "2020-01-01",
            "agreement_end": "2020-12-31",
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["agreement_end"] == "2020-12-31"
    page = server.client.get(f"/v1/networks/{NETWORK}/coverage", headers=admin).json()
    row = next(m for m in page["members"] if m["organisation_id"] == member)
    assert row["visible"] is False
    assert {c["status"] for c in row["cells"]} == {"outside_agreement"}
    scope = server.client.get("/v1/benchmarks", headers=server.auth("analyst"))
    assert scope.status_code == 200
    assert member not in scope.json()["scope"]["organisations"]


def test_member_updates_are_for_admins_and_checked(server: Server) -> None:
    path = f"/v1/networks/{NETWORK}/members/{server.organisations[0]}"
    body = {"agreement_reference": "DSA-1", "agreement_start": "2020-01-01"}
    assert server.client.put(path, json=body, headers=server.auth("analyst")).status_code == 403
    backwards = {**body, "agreement_end": "2019-01-01"}
    bad = server.client.put(path, json=backwards, headers=server.auth("admin"))
    assert bad.status_code == 422 and "cannot end" in bad.text
    unknown = server.client.put(
        f"/v1/networks/{NETWORK}/members/nobody", json=body, headers=server.auth("admin")
    )
    assert unknown.status_code == 404
