"""The access matrix: every endpoint × role × ownership, against one declared table.

Five organisations: ``A`` and ``B`` are members of the network (agreements started),
``C`` belongs to no network, ``D`` joined under an agreement that has not started yet,
and ``E``'s agreement has ended. Each has one accepted submission. The principals are the
submitters of A, C, D and E, the network's analyst, its researcher (project
``study-1``), an admin and no key.

``MATRIX`` says the status each principal gets from each endpoint; ``SCOPE`` says whose
data each principal's pooled reads cover; ``AUDITED`` says which audit action each read
writes. A read that answers 200 must write exactly one event of its action, by the
principal's key, naming that scope; a refused read writes none.

An ended agreement hides the member from the network as a future one does: E, like D,
sees only its own data and the network none of E's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from peerbench.server.db.models import AuditEvent
from peerbench.server.keys import authenticate
from peerbench.server.tenancy import add_member
from tests.api.harness import NETWORK, Server, bundle_of, running_server, synth_slices

NOT_STARTED = dt.date(2100, 1, 1)
"""D's agreement start: after any day this suite can run on."""
ENDED = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
"""E's agreement window: over before the harness's day."""

PRINCIPALS = ("A", "C", "D", "E", "analyst", "researcher", "admin", "anonymous")

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    # endpoint: A, C, D, E, analyst, researcher, admin, anonymous
    "GET /v1/health": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /v1/submissions": (200, 200, 200, 200, 200, 403, 200, 401),
    "GET /v1/submissions/{A}": (200, 404, 404, 404, 200, 403, 200, 401),
    "GET /v1/submissions/{B}": (404, 404, 404, 404, 200, 403, 200, 401),
    "GET /v1/submissions/{C}": (404, 200, 404, 404, 404, 403, 200, 401),
    "GET /v1/submissions/{D}": (404, 404, 200, 404, 404, 403, 200, 401),
    "GET /v1/submissions/{E}": (404, 404, 404, 200, 404, 403, 200, 401),
    "GET /v1/submissions/{A}/report": (200, 404, 404, 404, 200, 403, 200, 401),
    "GET /v1/submissions/{B}/report": (404, 404, 404, 404, 200, 403, 200, 401),
    "GET /v1/submissions/{C}/report": (404, 200, 404, 404, 404, 403, 200, 401),
    "GET /v1/submissions/{D}/report": (404, 404, 200, 404, 404, 403, 200, 401),
    "GET /v1/submissions/{E}/report": (404, 404, 404, 200, 404, 403, 200, 401),
    "POST /v1/submissions as own": (201, 201, 201, 201, 403, 403, 422, 401),
    "POST /v1/submissions for B": (403, 403, 403, 403, 403, 403, 201, 401),
    "GET /v1/benchmarks": (200, 200, 200, 200, 200, 403, 200, 401),
    "GET /v1/benchmarks/funnel": (200, 200, 200, 200, 200, 403, 200, 401),
    "GET /v1/benchmarks/meta-analysis": (200, 200, 200, 200, 200, 403, 200, 401),
    "GET /v1/benchmarks?network": (403, 403, 403, 403, 403, 403, 200, 401),
    "GET /v1/directory": (200, 200, 200, 200, 200, 403, 200, 401),
    # E's own slice has no outcomes and it sees nobody else's: no report (404).
    "GET /v1/reports/network/figures": (200, 200, 200, 404, 200, 403, 200, 401),
    "GET /v1/reports/network": (200, 200, 200, 404, 200, 403, 200, 401),
    "GET /v1/reports/service?{A}": (200, 404, 404, 404, 200, 403, 200, 401),
    "GET /v1/extracts": (403, 403, 403, 403, 403, 200, 422, 401),
    "GET /v1/extracts?project": (403, 403, 403, 403, 403, 200, 200, 401),
    "GET /v1/extracts?organisation": (403, 403, 403, 403, 403, 403, 200, 401),
    "GET /v1/organisations": (403, 403, 403, 403, 403, 403, 200, 401),
    "POST /v1/organisations": (403, 403, 403, 403, 403, 403, 201, 401),
    "POST /v1/networks": (403, 403, 403, 403, 403, 403, 201, 401),
    "POST /v1/networks/{net}/members": (403, 403, 403, 403, 403, 403, 201, 401),
    "GET /v1/keys": (403, 403, 403, 403, 403, 403, 200, 401),
    "POST /v1/keys": (403, 403, 403, 403, 403, 403, 201, 401),
    "DELETE /v1/keys/{spare}": (403, 403, 403, 403, 403, 403, 200, 401),
    "GET /v1/audit": (403, 403, 403, 403, 403, 403, 200, 401),
    "GET /v1/networks/{net}/coverage": (403, 403, 403, 403, 200, 403, 200, 401),
    "PUT /v1/networks/{net}/members/{A}": (403, 403, 403, 403, 403, 403, 200, 401),
}

# Whose data a principal's pooled reads (benchmarks, reports, extracts) cover; None: all.
SCOPE: dict[str, tuple[str, ...] | None] = {
    "A":          ("A", "B"),        # its network's started members, and itself
    "C":          ("C",),            # no network: its own data only
    "D":          ("D",),            # its agreement has not started: its own data only
    "E":          ("E",),            # its agreement has ended: its own data only
    "analyst":    ("A", "B"),        # D's data stays out until its agreement starts
    "researcher": ("A", "B"),
    "admin":      None,
}

# The audit action each read writes.
AUDITED: dict[str, str] = {
    "GET /v1/submissions":            "submission.read",
    "GET /v1/submissions/{A}":        "submission.read",
    "GET /v1/submissions/{B}":        "submission.read",
    "GET /v1/submissions/{C}":        "submission.read",
    "GET /v1/submissions/{D}":        "submission.read",
    "GET /v1/submissions/{E}":        "submission.read",
    "GET /v1/submissions/{A}/report": "download",
    "GET /v1/submissions/{B}/report": "download",
    "GET /v1/submissions/{C}/report": "download",
    "GET /v1/submissions/{D}/report": "download",
    "GET /v1/submissions/{E}/report": "download",
    "GET /v1/benchmarks":             "benchmark.read",
    "GET /v1/benchmarks/funnel":      "benchmark.read",
    "GET /v1/benchmarks/meta-analysis": "benchmark.read",
    "GET /v1/benchmarks?network":     "benchmark.read",
    "GET /v1/directory":              "directory.read",
    "GET /v1/reports/network/figures": "report.read",
    "GET /v1/reports/network":        "report.read",
    "GET /v1/reports/service?{A}":    "report.read",
    "GET /v1/extracts":               "download",
    "GET /v1/extracts?project":       "download",
    "GET /v1/extracts?organisation":  "download",
}
# fmt: on


@dataclass
class World:
    """The running server and what the table's symbols stand for."""

    server: Server
    orgs: dict[str, str]  # symbol -> organisation id
    submissions: dict[str, str]  # symbol -> submission id
    services: dict[str, str]  # symbol -> one of its service ids
    slices: dict[str, Path]
    spare_keys: list[str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("matrix")
    slices = synth_slices(tmp, organisations=5, outcome_rows=200)
    ids = sorted(slices)
    orgs = dict(zip("ABCDE", ids, strict=True))
    with running_server(f"sqlite:///{tmp / 'peerbench.sqlite3'}", tmp / "data", ids) as server:
        with server.context.db.session() as session:
            add_member(
                session,
                network_id=NETWORK,
                organisation_id=orgs["D"],
                agreement_reference="DSA-2",
                agreement_start=NOT_STARTED,
            )
            add_member(
                session,
                network_id=NETWORK,
                organisation_id=orgs["E"],
                agreement_reference="DSA-3",
                agreement_start=ENDED[0],
                agreement_end=ENDED[1],
            )
        submitted = server.submit_all(slices)
        services = {
            s: str(pq.read_table(slices[o] / "services.parquet")["service_id"][0])
            for s, o in orgs.items()
        }
        spare = []
        for _ in PRINCIPALS:
            created = server.client.post(
                "/v1/keys", json={"role": "admin"}, headers=server.auth("admin")
            )
            spare.append(created.json()["id"])
        yield World(
            server,
            orgs,
            {s: submitted[o] for s, o in orgs.items()},
            services,
            slices,
            spare,
        )


def _key_name(world: World, principal: str) -> str | None:
    if principal in "ACDE":
        return world.orgs[principal]
    return None if principal == "anonymous" else principal


def _request(world: World, endpoint: str, principal: str) -> dict[str, Any]:
    """The request a table row stands for, with the principal's key."""
    method, target = endpoint.split(" ", 1)
    n = PRINCIPALS.index(principal)
    body: dict[str, Any] = {}
    params: dict[str, str] = {}
    path = target
    for symbol, submission in world.submissions.items():
        path = path.replace("{" + symbol + "}", submission)
    if target.startswith(("/v1/submissions as", "/v1/submissions for")):
        # Records as JSON for the same period: new content, so a fresh submission that
        # supersedes the organisation's files (another period would resend the same
        # participants, which is issue 11 item 1's ground).
        own = world.orgs[principal] if principal in "ACDE" else world.orgs["A"]
        if target.endswith("for B"):
            other = world.orgs["B"]
            bundle = {**bundle_of(world.slices[other]), "organisation_id": other}
        else:
            bundle = bundle_of(world.slices[own])
        path, body = "/v1/submissions", {"json": bundle}
    elif target == "/v1/benchmarks?network":
        path, params = "/v1/benchmarks", {"network_id": NETWORK}
    elif target == "/v1/reports/service?{A}":
        path, params = "/v1/reports/service", {"service_id": world.services["A"]}
    elif target == "/v1/extracts?project":
        path, params = "/v1/extracts", {"project": "study-1"}
    elif target == "/v1/extracts?organisation":
        path, params = "/v1/extracts", {"project": "study-1", "organisation_id": world.orgs["C"]}
    elif target == "/v1/organisations":
        body = {"json": {"id": f"new-org-{n}", "name": "New"}} if method == "POST" else {}
    elif target == "/v1/networks":
        body = {"json": {"id": f"new-net-{n}", "name": "New"}}
    elif target == "/v1/networks/{net}/members":
        path = f"/v1/networks/{NETWORK}/members"
        body = {"json": {"organisation_id": world.orgs["C"], "agreement_reference": "DSA-9",
                         "agreement_start": "2100-01-01"}}  # fmt: skip
    elif target == "/v1/networks/{net}/coverage":
        path = f"/v1/networks/{NETWORK}/coverage"
    elif target == "/v1/networks/{net}/members/{A}":
        # The terms A already has: the request is allowed or refused, and changes nothing.
        path = f"/v1/networks/{NETWORK}/members/{world.orgs['A']}"
        body = {"json": {"agreement_reference": "DSA-1", "agreement_start": "2020-01-01"}}
    elif target == "/v1/keys" and method == "POST":
        body = {"json": {"role": "submitter", "organisation_id": world.orgs["C"]}}
    elif target == "/v1/keys/{spare}":
        path = f"/v1/keys/{world.spare_keys[n]}"
    name = _key_name(world, principal)
    headers = world.server.auth(name) if name else {}
    return {"method": method, "url": path, "params": params, "headers": headers, **body}


def _last_event_id(world: World) -> int:
    world.server.context.flush_reads()  # reads are audited in batches
    with world.server.context.db.session() as session:
        return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def _events_after(world: World, after: int) -> list[AuditEvent]:
    world.server.context.flush_reads()  # reads are audited in batches
    with world.server.context.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.id > after)).all()
        session.expunge_all()
        return list(events)


def _key_id(world: World, principal: str) -> str | None:
    name = _key_name(world, principal)
    if name is None:
        return None
    with world.server.context.db.session() as session:
        key = authenticate(session, world.server.keys[name])
        assert key is not None
        return key.id


def _cells() -> list[Any]:
    cells = []
    for endpoint, statuses in MATRIX.items():
        assert len(statuses) == len(PRINCIPALS), endpoint
        for principal, status in zip(PRINCIPALS, statuses, strict=True):
            cells.append(pytest.param(endpoint, principal, status))
    return cells


@pytest.mark.parametrize(("endpoint", "principal", "status"), _cells())
def test_access_matrix(world: World, endpoint: str, principal: str, status: int) -> None:
    before = _last_event_id(world)
    response = world.server.client.request(**_request(world, endpoint, principal))
    assert response.status_code == status, response.text[:500]
    if status >= 400:
        assert set(response.json()) == {"error"}
    action = AUDITED.get(endpoint)
    events = [e for e in _events_after(world, before) if e.action == action]
    if action is None:
        return
    if status != 200:
        assert events == []  # a refused read is not recorded as a read
        return
    assert len(events) == 1, [e.action for e in _events_after(world, before)]
    assert events[0].actor == _key_id(world, principal)
    if endpoint.startswith("GET /v1/submissions/"):
        assert events[0].target == response.url.path.split("/")[3]
        return
    expected = _expected_scope(world, endpoint, principal)
    assert _audited_scope(events[0]) == expected


def _expected_scope(world: World, endpoint: str, principal: str) -> list[str] | None:
    if endpoint == "GET /v1/extracts?organisation":
        return [world.orgs["C"]]
    if endpoint == "GET /v1/submissions":  # submitters list only their own submissions
        own = (principal,) if principal in "ACDE" else SCOPE[principal]
        return None if own is None else sorted(world.orgs[s] for s in own)
    if endpoint == "GET /v1/benchmarks?network":
        symbols: tuple[str, ...] | None = ("A", "B")
    elif principal == "admin" and endpoint.startswith("GET /v1/extracts"):
        symbols = None
    else:
        symbols = SCOPE[principal]
    return None if symbols is None else sorted(world.orgs[s] for s in symbols)


def _audited_scope(event: AuditEvent) -> list[str] | None:
    organisations = event.details.get("organisations")
    assert organisations is None or isinstance(organisations, list)
    return None if organisations is None else sorted(str(o) for o in organisations)


def test_matrix_covers_every_operation(world: World) -> None:
    declared = {e.split(" ", 1)[0] + " " + e.split(" ", 1)[1].split("?")[0] for e in MATRIX}
    declared = {d.replace(" as own", "").replace(" for B", "") for d in declared}
    for path, item in world.server.app.openapi()["paths"].items():
        for method in item:
            pattern = path.replace("{submission_id}", "{A}").replace("{key_id}", "{spare}")
            pattern = pattern.replace("{network_id}", "{net}").replace("{kind}", "network")
            pattern = pattern.replace("{organisation_id}", "{A}")
            assert f"{method.upper()} {pattern}" in declared, (method, path)
