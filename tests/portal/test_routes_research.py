"""Researcher pages: who may open them, the data dictionary, and extracts like the API's."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from peerbench.extracts.consent import CONSENT_RULE
from peerbench.extracts.documents import DISCLOSURE_NOTE
from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.server.db.models import AuditEvent
from peerbench.template.dictionary import dictionary_rows
from tests.portal.harness import PROJECT, PortalHarness
from tests.portal.network_world import NetworkWorld, network_world, soup

RESEARCH_PAGES = ("/research", "/research/extracts")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkWorld]:
    with network_world(
        tmp_path_factory.mktemp("research-pages"), organisations=3, outcome_rows=300
    ) as running:
        yield running


def test_research_pages_are_for_researchers_and_admins(portal_sqlite: PortalHarness) -> None:
    portal = portal_sqlite
    for who in ("submitter", "analyst"):
        client = portal.sign_in(who)
        for path in RESEARCH_PAGES:
            assert client.get(path).status_code == 403, (who, path)
        refused = portal.post_form(client, "/research/extracts", {"acknowledged": "yes"})
        assert refused.status_code == 403
    for who in ("researcher", "admin"):
        client = portal.sign_in(who)
        for path in RESEARCH_PAGES:
            assert client.get(path).status_code == 200, (who, path)
    anonymous = portal.client()
    assert anonymous.get("/research/extracts").status_code == 303
    # The dictionary describes the standard, not anyone's data: open to everyone.
    assert anonymous.get("/research/dictionary").status_code == 200


def test_the_dictionary_lists_every_field_and_code(portal_sqlite: PortalHarness) -> None:
    page = soup(portal_sqlite.sign_in("researcher").get("/research/dictionary").text)
    shown = {
        (table.find_parent("section").h2.get_text(strip=True), tr.th.get_text(strip=True))
        for table in page.select("table.dictionary")
        for tr in table.tbody.find_all("tr")
    }
    expected = {(row[0], row[1]) for row in dictionary_rows()}
    assert shown == expected
    for codelist in ALL_CODELISTS:
        section = page.find(id=f"cl-{codelist.codelist_name()}").find_parent("section")
        codes = [th.get_text(strip=True) for th in section.select("tbody th")]
        assert codes == [member.value for member in codelist]
    for table in page.find_all("table"):
        assert table.caption is not None and table.find("th", scope="col") is not None
    assert len(page.find_all("h1")) == 1


def test_the_notes_come_before_the_download(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("researcher")
    html = client.get("/research/extracts").text
    assert CONSENT_RULE in html and DISCLOSURE_NOTE in html
    assert html.index(CONSENT_RULE) < html.index('action="/research/extracts"')
    assert PROJECT in html
    unconfirmed = portal_sqlite.post_form(client, "/research/extracts", {})
    assert unconfirmed.status_code == 422
    link = soup(unconfirmed.text).select_one(".error-summary a")
    assert link["href"] == "#acknowledged"


def _zip_names(content: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return set(archive.namelist())


def _zip_rows(content: bytes) -> dict[str, int]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).count(b"\n")
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_the_extract_is_the_apis(world: NetworkWorld) -> None:
    portal = world.portal
    client = portal.sign_in("researcher")
    page = portal.post_form(client, "/research/extracts", {"acknowledged": "yes"})
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"] == "application/zip"
    api = portal.api.get("/v1/extracts", headers=portal.auth("researcher"))
    assert api.status_code == 200
    assert _zip_names(page.content) == _zip_names(api.content)
    assert _zip_rows(page.content) == _zip_rows(api.content)  # same rows, other keys
    assert page.headers["x-peerbench-extract-id"] != api.headers["x-peerbench-extract-id"]
    with portal.context.db.session() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "download",
                AuditEvent.target == page.headers["x-peerbench-extract-id"],
            )
        ).one()
        assert event.actor == portal.users["researcher"]
        assert event.details["project"] == PROJECT
        organisations = event.details["organisations"]
        assert isinstance(organisations, list)
        assert sorted(organisations) == sorted(["org-a", "org-b", *world.members])


def test_a_researcher_cannot_widen_the_scope(world: NetworkWorld) -> None:
    portal = world.portal
    client = portal.sign_in("researcher")
    widened = portal.post_form(
        client,
        "/research/extracts",
        {"acknowledged": "yes", "organisation_id": "org-a", "project": "other"},
    )
    # The fields are ignored for researchers: their scope and project are fixed.
    assert widened.status_code == 200
    with zipfile.ZipFile(io.BytesIO(widened.content)) as archive:
        readme = next(n for n in archive.namelist() if n.endswith("README.md"))
        assert f"Project: **{PROJECT}**" in archive.read(readme).decode()


def test_an_admin_chooses_project_and_scope(world: NetworkWorld) -> None:
    portal = world.portal
    admin = portal.sign_in("admin")
    form = soup(admin.get("/research/extracts").text)
    assert form.find(id="project") is not None and form.find(id="organisation_id") is not None
    missing = portal.post_form(admin, "/research/extracts", {"acknowledged": "yes"})
    assert missing.status_code == 422 and 'href="#project"' in missing.text
    both = portal.post_form(
        admin,
        "/research/extracts",
        {"acknowledged": "yes", "project": "p", "organisation_id": "org-a", "network_id": "net-1"},
    )
    assert both.status_code == 422 and "not both" in both.text
    one = world.members[0]
    page = portal.post_form(
        admin,
        "/research/extracts",
        {"acknowledged": "yes", "project": "p2", "organisation_id": one},
    )
    api = portal.api.get(
        "/v1/extracts",
        params={"project": "p2", "organisation_id": one},
        headers=portal.auth("admin"),
    )
    assert page.status_code == api.status_code == 200
    assert _zip_names(page.content) == _zip_names(api.content)
    assert _zip_rows(page.content) == _zip_rows(api.content)
