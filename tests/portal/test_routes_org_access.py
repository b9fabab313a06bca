"""Organisation pages: who may see what, and how long the raw files live.

* Access matrix: a session of org-a gets 403 on every ``/o/org-b/...`` route (every
  route of the module, enumerated from the app) and on org-b's upload, submission and
  mapping ids under its own path; researchers never see organisation pages; analysts
  of the organisation's network see its read-only pages only; nobody signed in is sent
  to sign in.
* Staged files are owner-only (0700 folders, 0600 files), the raw files are deleted as
  soon as they are prepared, the key is never written, and uploads expire after 24 h
  (the fake clock is moved on).
* Hostile or oversized files give a finding on the page, never a 500.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from peerbench.portal import routes_org, routes_org_upload
from peerbench.server.db.models import PortalUpload
from peerbench.server.portal_uploads import STAGED_FOR, sweep_expired
from tests.portal.harness import ORG_A, ORG_B, PortalHarness, running_portal
from tests.portal.org_flow import (
    ORG_KEY,
    RIVERSIDE,
    confirm_mapping,
    location,
    standard_files_for,
    upload,
)

CORPUS_FILES = Path(__file__).resolve().parents[1] / "corpus" / "files"


def _org_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the organisation pages' routers."""
    out = []
    for module in (routes_org, routes_org_upload):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            assert route.path.startswith("/o/{organisation_id}"), route.path
            out += [(method, route.path) for method in sorted(route.methods or ())]
    return out


def _upload_id(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _org_b_things(portal: PortalHarness, tmp_path: Path) -> dict[str, str]:
    """As org-b's coordinator: an upload in progress, a submission and a saved mapping."""
    client = portal.sign_in("submitter-b")
    files, _ = standard_files_for(ORG_B, tmp_path)
    done = location(upload(portal, client, ORG_B, "2026-Q3", files))
    submission = location(portal.post_form(client, f"{done}/submit", {})).rsplit("/", 1)[1]
    pending = location(upload(portal, client, ORG_B, "2026-Q2", [RIVERSIDE]))
    saved = location(upload(portal, client, ORG_B, "2026-Q1", [RIVERSIDE]))
    confirm_mapping(portal, client, saved, {"service_id": "x", "save": "yes", "save_name": "B"})
    page = client.get(f"/o/{ORG_B}/mappings").text
    match = re.search(rf"/o/{ORG_B}/mappings/(\d+)\.yaml", page)
    assert match
    return {
        "upload_id": _upload_id(pending),
        "submission_id": submission,
        "mapping_id": match.group(1),
    }


def _call(portal: PortalHarness, client: TestClient, method: str, url: str) -> int:
    response = client.get(url) if method == "GET" else portal.post_form(client, url, {})
    return int(response.status_code)


def test_access_matrix(portal: PortalHarness, tmp_path: Path) -> None:
    ids = _org_b_things(portal, tmp_path)
    routes = _org_routes()
    assert len(routes) >= 14, routes

    def url(path: str, org: str) -> str:
        values = {"organisation_id": org, **ids}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)

    mine = portal.sign_in("submitter")
    for method, path in routes:
        # Another organisation's pages, whatever the id.
        assert _call(portal, mine, method, url(path, ORG_B)) == 403, (method, path)
        # Its upload, submission and mapping ids under one's own organisation's path.
        if "{upload_id}" in path or "{submission_id}" in path or "{mapping_id}" in path:
            assert _call(portal, mine, method, url(path, ORG_A)) == 403, (method, path)
    researcher = portal.sign_in("researcher")
    analyst = portal.sign_in("analyst")
    readable = {  # read-only pages: the organisation's network's analysts see them too
        "/o/{organisation_id}/submissions",
        "/o/{organisation_id}/submissions/{submission_id}",
        "/o/{organisation_id}/submissions/{submission_id}/report.html",
        "/o/{organisation_id}/report",
        "/o/{organisation_id}/report.html",
    }
    assert readable <= {path for _, path in routes}
    for method, path in routes:
        assert _call(portal, researcher, method, url(path, ORG_B)) == 403, (method, path)
        if path not in readable:
            assert _call(portal, analyst, method, url(path, ORG_B)) == 403, (method, path)
    for path in sorted(readable - {"/o/{organisation_id}/report.html"}):
        assert analyst.get(url(path, ORG_B)).status_code == 200, path
    anonymous = portal.client()
    for method, path in routes:
        if method == "GET":
            response = anonymous.get(url(path, ORG_B))
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/sign-in")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_staged_files_are_owner_only_short_lived_and_the_key_is_never_kept(
    portal: PortalHarness,
) -> None:
    client = portal.sign_in("submitter")
    url = location(upload(portal, client, ORG_A, "2026-Q2", [RIVERSIDE]))
    staged = portal.settings.data_dir / "portal-uploads" / _upload_id(url)
    raw = staged / "raw" / RIVERSIDE.name
    assert raw.read_bytes() == RIVERSIDE.read_bytes()
    assert _mode(staged.parent) == _mode(staged) == _mode(raw.parent) == 0o700
    assert _mode(raw) == 0o600
    assert not (portal.settings.data_dir / "pool").exists() or not any(
        p.name == RIVERSIDE.name for p in (portal.settings.data_dir / "pool").rglob("*")
    )

    confirm_mapping(portal, client, url, {"service_id": "walk-and-talk"})
    assert not raw.parent.exists(), "the raw files are deleted once prepared"
    assert (staged / "prepared").is_dir()
    secret = ORG_KEY.split(":", 1)[1].strip()
    for path in portal.settings.data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with portal.context.db.session() as session:
        row = session.get(PortalUpload, _upload_id(url))
        assert row is not None and secret not in str(row.report) + str(row.mapping_yaml)

    # A day later, the upload is gone: files, content, and the page says so.
    portal.clock.advance(hours=24, seconds=1)
    client = portal.sign_in("submitter")  # the session has timed out meanwhile
    with portal.context.db.session() as session:
        assert sweep_expired(portal.context, session, now=portal.clock()) == 1
        row = session.get(PortalUpload, _upload_id(url))
        assert row is not None and row.status == "discarded" and row.report is None
    assert not staged.exists()
    assert "This upload has expired" in client.get(url).text


def test_expiry_counts_from_the_upload_and_sweeps_run_on_upload(
    portal_sqlite: PortalHarness,
) -> None:
    portal = portal_sqlite
    client = portal.sign_in("submitter")
    first = location(upload(portal, client, ORG_A, "2026-Q2", [RIVERSIDE]))
    folder = portal.settings.data_dir / "portal-uploads" / _upload_id(first)
    portal.clock.advance(seconds=STAGED_FOR.total_seconds() - 1)
    client = portal.sign_in("submitter")  # sessions time out sooner than uploads
    assert "Confirm how your columns" in client.get(first).text  # not yet
    portal.clock.advance(seconds=2)
    assert "This upload has expired" in client.get(first).text
    assert folder.exists()  # until the next sweep, which the next upload runs
    location(upload(portal, client, ORG_A, "2026-Q2", [RIVERSIDE]))
    assert not folder.exists()
    refused = portal.post_form(client, f"{first}/mapping", {"service_id": "x"})
    assert refused.status_code == 303 and "expired" in client.get(first).text


def test_every_hostile_file_gives_findings_not_errors(portal_sqlite: PortalHarness) -> None:
    """Each file of the hostile corpus (tests/corpus: damaged, renamed, bombs, odd
    encodings…) uploaded through the page: findings, the mapping form, or (a file that is
    only odd, e.g. UTF-16) ready to submit; never a server error."""
    portal = portal_sqlite
    client = portal.sign_in("submitter")
    cases = sorted(p for p in CORPUS_FILES.iterdir() if p.is_dir())
    assert len(cases) >= 40
    for case in cases:
        files = sorted(p for p in case.iterdir() if p.is_file())
        response = upload(portal, client, ORG_A, "2026-Q2", files)
        if response.status_code == 422:  # refused on the form (e.g. a .tsv): said there
            assert 'href="#files"' in response.text, case.name
            continue
        page = client.get(location(response))
        assert page.status_code == 200, case.name
        text = page.text
        kinds = ("Some things to fix", "Confirm how your columns", "Ready to submit")
        assert any(kind in text for kind in kinds), case.name
        if "Some things to fix" in text:
            assert "How to fix:" in text, case.name


def test_a_file_over_the_row_limit_is_a_finding(tmp_path: Path) -> None:
    with running_portal(
        f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path / "data", limit_max_rows=5
    ) as portal:
        client = portal.sign_in("submitter")
        page = client.get(location(upload(portal, client, ORG_A, "2026-Q2", [RIVERSIDE])))
        assert page.status_code == 200
        assert "limit-exceeded" in page.text and "How to fix:" in page.text


def test_files_that_cannot_be_taken_are_refused_on_the_form(portal_sqlite: PortalHarness) -> None:
    portal = portal_sqlite
    client = portal.sign_in("submitter")
    for files, text in [
        ([], "Choose at least one file"),
        ([("files", ("notes.docx", b"x", "application/msword"))], "not a spreadsheet"),
        ([("files", ("a.csv", b"x", "text/csv")), ("files", ("a.csv", b"y", "text/csv"))],
         "Two files are named"),
    ]:  # fmt: skip
        response = portal.post_form(
            client, f"/o/{ORG_A}/upload", {"period": "2026-Q2"}, files=files or None
        )
        assert response.status_code == 422, text
        assert text in response.text and 'href="#files"' in response.text
