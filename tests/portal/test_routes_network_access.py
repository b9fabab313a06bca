"""Who may open the network pages, and managing members and agreement dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.routing import APIRoute

from peerbench.portal import routes_network, routes_network_members
from peerbench.server.db.models import Role, User
from peerbench.server.tenancy import create_network, network_member_ids
from tests.portal.harness import NETWORK, ORG_A, ORG_B, PortalHarness, email_of, password_hash
from tests.portal.network_world import soup


def network_paths() -> list[str]:
    """Every GET page of the network router for net-1, its parameters filled in."""
    paths = {
        route.path.replace("{network_id}", NETWORK)
        .replace("{organisation_id}", ORG_A)
        .replace("{kind}", "network")
        for router in (routes_network.router, routes_network_members.router)
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in (route.methods or set())
    }
    assert len(paths) >= 7, paths
    return sorted(paths)


def _other_analyst(portal: PortalHarness) -> Any:
    """A signed-in analyst of another network, net-2."""
    with portal.context.db.session() as session:
        create_network(session, id="net-2", name="Network Two")
        session.add(
            User(
                id="usr_analyst2",
                email=email_of("analyst-2"),
                name="Analyst Two",
                role=Role.NETWORK_ANALYST.value,
                network_id="net-2",
                password_hash=password_hash(),
                created_at=portal.clock(),
                activated_at=portal.clock(),
                failed_sign_ins=0,
            )
        )
    return portal.sign_in(email_of("analyst-2"))


def test_only_the_networks_analysts_and_admins_open_its_pages(portal_sqlite: PortalHarness) -> None:
    portal = portal_sqlite
    paths = network_paths()
    others = {
        "analyst of net-2": _other_analyst(portal),
        "submitter": portal.sign_in("submitter"),
        "researcher": portal.sign_in("researcher"),
    }
    for who, client in others.items():
        for path in paths:
            response = client.get(path)
            assert response.status_code == 403, (who, path)
            assert "text/html" in response.headers["content-type"]
        # Not even whether a network exists is revealed.
        assert client.get("/n/no-such-network").status_code == 403, who
    anonymous = portal.client()
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    analyst = portal.sign_in("analyst")
    for path in paths:
        expected = 403 if "/members/" in path else 200  # changing agreements: admins only
        assert analyst.get(path).status_code == expected, path
    admin = portal.sign_in("admin")
    for path in paths:
        assert admin.get(path).status_code == 200, path
    assert admin.get("/n/no-such-network").status_code == 404


def test_analysts_see_members_but_cannot_change_agreements(portal_sqlite: PortalHarness) -> None:
    portal = portal_sqlite
    analyst = portal.sign_in("analyst")
    page = analyst.get(f"/n/{NETWORK}/members")
    assert page.status_code == 200
    table = soup(page.text).find("table", id="members")
    assert [th.get_text(strip=True) for th in table.tbody.select("th[scope=row]")] == [ORG_A, ORG_B]
    assert "ask an administrator" in page.text and "<form" not in page.text.split("</table>")[-1]
    body = {"agreement_reference": "DSA-1", "agreement_start": "2020-01-01",
            "agreement_end": "2020-06-30"}  # fmt: skip
    refused = portal.post_form(analyst, f"/n/{NETWORK}/members/{ORG_B}", body)
    assert refused.status_code == 403
    added = portal.post_form(analyst, f"/n/{NETWORK}/members", {"organisation_id": ORG_A, **body})
    assert added.status_code == 403
    with portal.context.db.session() as session:
        assert network_member_ids(session, NETWORK, as_of=portal.clock().date()) == [ORG_A, ORG_B]


def test_an_end_date_set_on_the_page_hides_the_member_after_it(
    portal_sqlite: PortalHarness,
) -> None:
    portal = portal_sqlite
    admin = portal.sign_in("admin")
    today = portal.clock().date()
    ended = today - dt.timedelta(days=1)
    form = admin.get(f"/n/{NETWORK}/members/{ORG_B}")
    assert form.status_code == 200 and 'name="agreement_end"' in form.text
    saved = portal.post_form(
        admin,
        f"/n/{NETWORK}/members/{ORG_B}",
        {"agreement_reference": "DSA-1", "agreement_start": "2020-01-01",
         "agreement_end": ended.isoformat()},
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"/n/{NETWORK}/members"
    listing = soup(admin.get(f"/n/{NETWORK}/members").text)
    row = next(tr for tr in listing.select("#members tbody tr") if tr.th.get_text() == ORG_B)
    assert ended.isoformat() in row.get_text() and "Ended" in row.get_text()
    with portal.context.db.session() as session:
        assert network_member_ids(session, NETWORK, as_of=today) == [ORG_A]
        assert network_member_ids(session, NETWORK, as_of=ended) == [ORG_A, ORG_B]
    # The analyst's coverage and benchmark scope agree: org-b is no longer seen.
    analyst = portal.sign_in("analyst")
    coverage = soup(analyst.get(f"/n/{NETWORK}").text)
    row_b = coverage.find("tr", attrs={"data-organisation": ORG_B})
    assert "Not visible today" in row_b.get_text()
    assert {td["data-status"] for td in row_b.select("td[data-status]")} == {"outside_agreement"}
    api = portal.api.get(f"/v1/networks/{NETWORK}/coverage", headers=portal.auth("analyst"))
    member_b = next(m for m in api.json()["members"] if m["organisation_id"] == ORG_B)
    assert member_b["visible"] is False and member_b["agreement_end"] == ended.isoformat()
    scope = portal.api.get("/v1/benchmarks", headers=portal.auth("analyst")).json()["scope"]
    assert scope["organisations"] == [ORG_A]


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"agreement_start": "2020-01-01", "agreement_end": "2019-01-01"}, "agreement_end",
         "cannot end"),
        ({"agreement_start": "soon"}, "agreement_start", "must be a date"),
        ({"agreement_start": ""}, "agreement_start", "Enter the date it starts"),
        ({"agreement_reference": " ", "agreement_start": "2020-01-01"}, "agreement_reference",
         "reference"),
    ],
)  # fmt: skip
def test_agreement_form_errors_link_to_their_fields(
    portal_sqlite: PortalHarness, form: dict[str, str], field: str, words: str
) -> None:
    portal = portal_sqlite
    admin = portal.sign_in("admin")
    body = {"agreement_reference": "DSA-1", **form}
    page = portal.post_form(admin, f"/n/{NETWORK}/members/{ORG_B}", body)
    assert page.status_code == 422
    summary = soup(page.text).find(class_="error-summary")
    link = summary.find("a", href=f"#{field}")
    assert link is not None and words in link.get_text()
    assert soup(page.text).find(id=field)["aria-invalid"] == "true"


def test_admin_adds_a_member_with_dates(portal_sqlite: PortalHarness) -> None:
    portal = portal_sqlite
    from peerbench.server.tenancy import create_organisation

    with portal.context.db.session() as session:
        create_organisation(session, id="org-c", name="Organisation C")
    admin = portal.sign_in("admin")
    page = admin.get(f"/n/{NETWORK}/members")
    options = [o["value"] for o in soup(page.text).select("#organisation_id option")]
    assert options == ["", "org-c"]  # only organisations that are not members yet
    missing = portal.post_form(admin, f"/n/{NETWORK}/members", {"organisation_id": ""})
    assert missing.status_code == 422
    assert {a["href"] for a in soup(missing.text).select(".error-summary a")} == {
        "#organisation_id", "#agreement_reference", "#agreement_start"}  # fmt: skip
    added = portal.post_form(
        admin,
        f"/n/{NETWORK}/members",
        {"organisation_id": "org-c", "agreement_reference": "DSA-3",
         "agreement_start": "2027-01-01", "agreement_end": "2027-12-31"},
    )  # fmt: skip
    assert added.status_code == 303
    with portal.context.db.session() as session:
        today = portal.clock().date()
        assert "org-c" not in network_member_ids(session, NETWORK, as_of=today)
        assert "org-c" in network_member_ids(session, NETWORK, as_of=dt.date(2027, 6, 1))
        assert "org-c" not in network_member_ids(session, NETWORK, as_of=dt.date(2028, 1, 1))
    again = portal.post_form(
        admin,
        f"/n/{NETWORK}/members",
        {"organisation_id": "org-c", "agreement_reference": "DSA-3",
         "agreement_start": "2027-01-01"},
    )  # fmt: skip
    assert again.status_code == 422 and "already a member" in again.text
