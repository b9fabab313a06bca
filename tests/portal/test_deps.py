"""The access dependencies every portal page uses: roles, organisation and network scope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter

from peerbench.portal.deps import (
    AdminUser,
    AnalystUser,
    CsrfChecked,
    NetworkAccess,
    OrgAccess,
    OrgReadAccess,
    ResearcherUser,
    SubmitterUser,
)
from peerbench.server.tenancy import create_organisation
from tests.portal.harness import PortalHarness


def _probe_router() -> APIRouter:
    router = APIRouter(dependencies=[CsrfChecked])

    @router.get("/probe/o/{organisation_id}")
    def org(organisation: OrgAccess) -> dict[str, Any]:
        return {"id": organisation.id}

    @router.get("/probe/read/{organisation_id}")
    def org_read(organisation: OrgReadAccess) -> dict[str, Any]:
        return {"id": organisation.id}

    @router.get("/probe/n/{network_id}")
    def network(network: NetworkAccess) -> dict[str, Any]:
        return {"id": network.id}

    @router.get("/probe/submitter")
    def submitter(user: SubmitterUser) -> dict[str, Any]:
        return {"id": user.id}

    @router.get("/probe/analyst")
    def analyst(user: AnalystUser) -> dict[str, Any]:
        return {"id": user.id}

    @router.get("/probe/researcher")
    def researcher(user: ResearcherUser) -> dict[str, Any]:
        return {"id": user.id}

    @router.get("/probe/admin")
    def admin(user: AdminUser) -> dict[str, Any]:
        return {"id": user.id}

    return router


WHO = ("submitter", "submitter-b", "analyst", "researcher", "admin")
# path: expected status for each of WHO. org-c exists but is in no network; org-z does not exist.
MATRIX: dict[str, tuple[int, ...]] = {
    "/probe/o/org-a": (200, 403, 403, 403, 200),
    "/probe/o/org-b": (403, 200, 403, 403, 200),
    "/probe/o/org-z": (403, 403, 403, 403, 404),
    "/probe/read/org-a": (200, 403, 200, 403, 200),
    "/probe/read/org-c": (403, 403, 403, 403, 200),
    "/probe/read/org-z": (403, 403, 403, 403, 404),
    "/probe/n/net-1": (403, 403, 200, 403, 200),
    "/probe/n/net-z": (403, 403, 403, 403, 404),
    "/probe/submitter": (200, 200, 403, 403, 200),
    "/probe/analyst": (403, 403, 200, 403, 200),
    "/probe/researcher": (403, 403, 403, 200, 200),
    "/probe/admin": (403, 403, 403, 403, 200),
}


@pytest.fixture
def probed(portal_sqlite: PortalHarness) -> PortalHarness:
    portal_sqlite.app.include_router(_probe_router())
    with portal_sqlite.context.db.session() as session:
        create_organisation(session, id="org-c", name="Outsider")
    return portal_sqlite


def test_the_access_matrix(probed: PortalHarness) -> None:
    clients = {who: probed.sign_in(who) for who in WHO}
    for path, expected in MATRIX.items():
        got = tuple(clients[who].get(path).status_code for who in WHO)
        assert got == expected, path


def test_a_refusal_never_reveals_whether_the_organisation_exists(probed: PortalHarness) -> None:
    client = probed.sign_in("submitter")
    exists, missing = client.get("/probe/o/org-b"), client.get("/probe/o/org-z")
    assert exists.status_code == missing.status_code == 403
    assert exists.text.replace("org-b", "") == missing.text.replace("org-z", "")
    assert "You do not have access to this page" in exists.text


def test_nobody_signed_in_is_sent_to_sign_in(probed: PortalHarness) -> None:
    response = probed.client().get("/probe/o/org-a")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/probe/o/org-a"
