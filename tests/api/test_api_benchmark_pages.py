"""``GET /v1/benchmarks`` pages its per-service section; the pages join to the whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peerbench import client as client_module
from peerbench.api.routers.benchmarks import DEFAULT_SERVICE_LIMIT
from peerbench.client import PeerbenchClient
from peerbench.server import audit
from peerbench.server.service_pages import SERVICE_SECTIONS, merge_pages
from tests.api.harness import Server

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


def _get(server: Server, who: str, **params: Any) -> dict[str, Any]:
    response = server.client.get("/v1/benchmarks", params=params, headers=server.auth(who))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _rows(result: dict[str, Any], name: str) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in result[name])


def _pages(server: Server, who: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    pages = [_get(server, who, limit=limit, **params)]
    while (following := pages[-1]["services_page"]["next"]) is not None:
        response = server.client.get(following, headers=server.auth(who))
        pages.append(response.json())
    return pages


def test_pages_join_to_the_whole_result(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)
    whole = _get(server, "admin", limit=1000)
    services = sorted(s["service_id"] for s in whole["result"]["services"])
    assert whole["services_page"] == {
        "offset": 0,
        "limit": 1000,
        "total": len(services),
        "service_ids": services,
        "next": None,
    }
    by_service = [r for r in whole["result"]["access"] if r["breakdown"] == "service"]
    assert by_service and all(r["service_id"] == r["group"] for r in by_service)
    pages = _pages(server, "admin", 2)
    assert len(pages) == (len(services) + 1) // 2 > 1
    assert [i for p in pages for i in p["services_page"]["service_ids"]] == services
    for page in pages:
        ids = set(page["services_page"]["service_ids"])
        for name in SERVICE_SECTIONS:
            assert {r.get("service_id") for r in page["result"][name]} <= ids | {None}, name
        for name in set(whole["result"]) - {*SERVICE_SECTIONS, "suppressed"}:
            assert page["result"][name] == whole["result"][name], name
    joined = merge_pages([p["result"] for p in pages])
    assert set(joined) == set(whole["result"])
    for name in whole["result"]:
        if isinstance(whole["result"][name], list):
            assert _rows(joined, name) == _rows(whole["result"], name), name
        else:
            assert joined[name] == whole["result"][name], name


def test_default_page_and_filters(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)
    first = server.organisations[0]
    page = _get(server, "admin")
    assert page["services_page"]["limit"] == DEFAULT_SERVICE_LIMIT
    mine = _get(server, "admin", organisation_id=first)
    owners = {s["organisation_id"] for s in mine["result"]["services"]}
    assert owners == {first} and mine["services_page"]["total"] == len(mine["result"]["services"])
    one = mine["services_page"]["service_ids"][0]
    single = _get(server, "admin", service_id=one)
    assert single["services_page"]["service_ids"] == [one]
    assert {r["service_id"] for r in single["result"]["outcomes"]} == {one}
    beyond = _get(server, "admin", offset=10_000)
    assert beyond["services_page"]["service_ids"] == [] and beyond["result"]["services"] == []
    assert beyond["result"]["pooled"] == page["result"]["pooled"]
    with server.context.db.session() as session:
        events = audit.query(session, action="benchmark.read")
    assert events[0].details["offset"] == 10_000
    assert events[1].details["service_id"] == one
    assert "offset" not in events[-1].details and "limit" not in events[-1].details


BAD = [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"organisation_id": "../x"},
       {"service_id": "a b"}]  # fmt: skip


@pytest.mark.parametrize("params", BAD)
def test_bad_paging_is_refused(server: Server, params: dict[str, Any]) -> None:
    response = server.client.get("/v1/benchmarks", params=params, headers=server.auth("admin"))
    assert response.status_code == 422


def test_client_joins_every_page(
    server: Server, slices: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.submit_all(slices)
    whole = _get(server, "admin", limit=1000)
    monkeypatch.setattr(client_module, "SERVICES_PER_REQUEST", 1)
    with PeerbenchClient("http://testserver", server.keys["admin"], http=server.client) as c:
        page = c.benchmarks()
    assert page.services_page is not None and page.services_page.next is None
    assert page.services_page.service_ids == whole["services_page"]["service_ids"]
    for name in whole["result"]:
        if isinstance(whole["result"][name], list):
            assert _rows(page.result, name) == _rows(whole["result"], name), name


def test_merge_needs_a_page() -> None:
    with pytest.raises(ValueError, match="no page"):
        merge_pages([])
