"""``/v1/reports/{kind}``: every role's access, the HTML itself, audit, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from bs4 import BeautifulSoup

from peerbench.server import audit
from tests.api.harness import NETWORK, Server
from tests.api.test_api_errors import assert_envelope

# Small pools give case-mix models a rank-deficient design (as in test_api_benchmarks).
pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture
def submitted(server: Server, slices: dict[str, Path]) -> None:
    """One accepted submission per organisation (for a test that reads the audit log)."""
    server.submit_all(slices)


@pytest.fixture
def read_server(module_submitted_server: Server) -> Server:
    """The module's server with one accepted submission per organisation, for tests that
    only read (the report a test asks for does not depend on what was read before)."""
    return module_submitted_server


def _get(server: Server, who: str, kind: str, **params: Any) -> Any:
    return server.client.get(f"/v1/reports/{kind}", params=params, headers=server.auth(who))


def _service_of(slices: dict[str, Path], org: str) -> tuple[str, str]:
    """The first service of ``org``: (id, name)."""
    row = pq.read_table(slices[org] / "services.parquet").to_pylist()[0]
    return row["service_id"], row["name"]


def _title(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = BeautifulSoup(response.text, "html.parser")
    assert page.title is not None and page.h1 is not None
    assert page.h1.get_text(strip=True) == page.title.get_text(strip=True)
    return page.title.get_text(strip=True)


def test_roles(read_server: Server, slices: dict[str, Path]) -> None:
    server = read_server
    first, second, third = server.organisations
    mine, my_name = _service_of(slices, first)
    theirs, _ = _service_of(slices, second)
    assert _title(_get(server, first, "service", service_id=mine)).startswith(f"{my_name}:")
    assert _title(_get(server, first, "network")).startswith("North:")
    assert "case for investment" in _title(_get(server, "analyst", "commissioner"))
    assert _title(_get(server, "analyst", "quality"))
    assert _title(_get(server, third, "network"))  # in no network: its own data only
    assert _title(_get(server, "admin", "network", network_id=NETWORK)).startswith("North:")
    assert _title(_get(server, "admin", "service", service_id=theirs))
    # Refused, each with the envelope.
    assert_envelope(_get(server, "researcher", "network"), 403, "forbidden")
    assert_envelope(_get(server, first, "network", network_id=NETWORK), 403, "forbidden")
    assert_envelope(_get(server, "admin", "network", network_id="nope"), 404, "not-found")
    # Another organisation's service looks exactly like one that does not exist.
    other = assert_envelope(_get(server, first, "service", service_id=theirs), 404, "not-found")
    unknown = assert_envelope(_get(server, first, "service", service_id="nope"), 404)
    assert other["message"].replace(theirs, "x") == unknown["message"].replace("nope", "x")


def test_analyst_reads_a_member_service_under_disclosure_control(
    read_server: Server, slices: dict[str, Path]
) -> None:
    server = read_server
    first = server.organisations[0]
    mine, name = _service_of(slices, first)
    owner_view = _get(server, first, "service", service_id=mine)
    assert _title(owner_view).startswith(f"{name}:")
    analyst_view = _get(server, "analyst", "service", service_id=mine)
    assert _title(analyst_view) == _title(owner_view)
    owner_page = BeautifulSoup(owner_view.text, "html.parser").get_text(" ")
    page = BeautifulSoup(analyst_view.text, "html.parser").get_text(" ")
    assert "shown in full because they are your data" in owner_page
    assert "view for readers outside" in page and "your data" not in page
    # Progress below the minimum is the owner's alone.
    assert "Progress towards reporting change" not in page
    # The outsider's service is not the analyst's to read.
    outsider, _ = _service_of(slices, server.organisations[2])
    assert_envelope(_get(server, "analyst", "service", service_id=outsider), 404, "not-found")


def test_figures_are_those_of_the_page(read_server: Server, slices: dict[str, Path]) -> None:
    server = read_server
    first = server.organisations[0]
    service, _ = _service_of(slices, first)
    for who, kind, params in [
        (first, "service", {"service_id": service}),
        ("analyst", "network", {}),
        ("analyst", "commissioner", {}),
    ]:
        html = _get(server, who, kind, **params)
        title = _title(html)
        page = BeautifulSoup(html.text, "html.parser")
        response = _get(server, who, f"{kind}/figures", **params)
        assert response.status_code == 200, response.text
        figures = response.json()
        assert figures["kind"] == kind and figures["title"] == title
        headings = iter(h.get_text(strip=True) for h in page("h2"))
        assert all(title in headings for title in figures["sections"])  # each, in order
        text = page.get_text(" ", strip=True)
        shown = [f for f in figures["key_figures"] if f["value"]]
        assert shown and all(f["label"] in text and f["value"] in text for f in shown)
    # The same refusals as the page.
    theirs, _ = _service_of(slices, server.organisations[1])
    assert_envelope(_get(server, "researcher", "network/figures"), 403, "forbidden")
    assert_envelope(_get(server, first, "service/figures", service_id=theirs), 404, "not-found")
    assert_envelope(_get(server, first, "network/figures", service_id="x"), 422)


def test_audit_and_cache(server: Server, submitted: None, slices: dict[str, Path]) -> None:
    first = server.organisations[0]
    service, _ = _service_of(slices, first)
    page = _get(server, first, "service", service_id=service).text
    assert _get(server, first, "service", service_id=service).text == page
    _get(server, "analyst", "network")
    _get(server, "analyst", "network/figures")
    with server.context.db.session() as session:
        events = audit.query(session, action="report.read")
    assert [e.target for e in events] == [
        "reports/network", "reports/network", "reports/service", "reports/service"
    ]  # fmt: skip
    assert events[0].details["format"] == "figures" and "format" not in events[1].details
    events = events[1:]
    assert events[0].organisation_id is None
    assert events[0].details["organisations"] == server.organisations[:2]
    assert events[1].organisation_id == first
    assert events[1].details["service_id"] == service
    assert events[1].details["network_ids"] == [NETWORK]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("bogus", {}),
        ("service", {}),
        ("network", {"service_id": "x"}),
        ("service", {"service_id": "../etc"}),
    ],
)
def test_bad_requests_get_the_envelope(
    module_server: Server, kind: str, params: dict[str, str]
) -> None:
    assert_envelope(_get(module_server, "admin", kind, **params), 422)


def test_no_data_yet(module_server: Server) -> None:
    assert_envelope(_get(module_server, "admin", "network"), 404, "not-found")
