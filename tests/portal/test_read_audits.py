"""Portal page reads go through the batched read-audit writer, each exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select

from peerbench.portal.deps import CurrentUser, PortalDb, audit_page_read
from peerbench.portal.errors import PortalNotFound
from peerbench.server import audit
from peerbench.server.db.models import AuditEvent
from peerbench.server.read_audit import ReadAudit
from tests.portal.harness import ORG_A, PortalHarness


def _stored(portal: PortalHarness, action: str) -> list[tuple[str, str | None]]:
    """``(actor, target)`` of the committed events of ``action``, without waiting for
    the queue (unlike :func:`audit.query`)."""
    with portal.context.db.session() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.target)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [(actor, target) for actor, target in rows]


@pytest.fixture
def held_writer(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The read-audit writer commits nothing until the event is set (or it closes)."""
    release = threading.Event()
    real = ReadAudit._write

    def held(self: ReadAudit, batch: list[Any], *, attempts: int | None) -> None:
        while not (release.is_set() or self._closing.is_set()):
            release.wait(0.01)
        real(self, batch, attempts=attempts)

    monkeypatch.setattr(ReadAudit, "_write", held)
    yield release
    release.set()


def test_page_reads_are_queued_not_committed_in_the_request(
    portal_sqlite: PortalHarness, held_writer: threading.Event
) -> None:
    client = portal_sqlite.sign_in("submitter")
    submitter = portal_sqlite.users["submitter"]
    for path in ("/account", f"/o/{ORG_A}", "/account"):
        assert client.get(path).status_code == 200
    assert _stored(portal_sqlite, "portal.read") == []  # answered before any commit
    held_writer.set()
    with portal_sqlite.context.db.session() as session:
        reads = audit.query(session, action="portal.read")  # waits for the queue
    assert [(e.actor, e.target) for e in reversed(reads)] == [
        (submitter, "/account"),
        (submitter, f"/o/{ORG_A}"),
        (submitter, "/account"),
    ]


def test_queued_page_reads_are_written_at_shutdown(
    portal_sqlite: PortalHarness, held_writer: threading.Event
) -> None:
    client = portal_sqlite.sign_in("analyst")
    for _ in range(3):
        assert client.get("/account").status_code == 200
    assert _stored(portal_sqlite, "portal.read") == []
    portal_sqlite.context.close()  # what the server does at shutdown
    assert (
        _stored(portal_sqlite, "portal.read") == [(portal_sqlite.users["analyst"], "/account")] * 3
    )


def _add_probe_pages(portal: PortalHarness) -> None:
    """Two pages that audit a read: one answers, one fails after auditing."""

    def built(request: Request, db: PortalDb, user: CurrentUser) -> PlainTextResponse:
        audit_page_read(request, actor=user.id, action="report.read", target="probe/ok")
        return PlainTextResponse("ok")

    def failed(request: Request, db: PortalDb, user: CurrentUser) -> PlainTextResponse:
        audit_page_read(request, actor=user.id, action="report.read", target="probe/failed")
        raise PortalNotFound("not here")

    def no_session(request: Request, user: CurrentUser) -> PlainTextResponse:
        audit_page_read(request, actor=user.id, action="report.read", target="probe/lost")
        return PlainTextResponse("unreachable")

    portal.app.add_api_route("/probe/ok", built, methods=["GET"])
    portal.app.add_api_route("/probe/failed", failed, methods=["GET"])
    portal.app.add_api_route("/probe/no-session", no_session, methods=["GET"])


def test_a_page_read_is_audited_once_and_only_if_the_page_is_built(
    portal_sqlite: PortalHarness,
) -> None:
    _add_probe_pages(portal_sqlite)
    client = portal_sqlite.sign_in("analyst")
    assert client.get("/probe/ok").status_code == 200
    assert client.get("/probe/failed").status_code == 404
    with pytest.raises(RuntimeError, match="PortalDb"):
        client.get("/probe/no-session")  # refused loudly rather than lost
    with portal_sqlite.context.db.session() as session:
        reads = audit.query(session, action="report.read")
        pages = audit.query(session, action="portal.read")
        total = session.scalar(select(func.count(AuditEvent.id)))
    assert [e.target for e in reads] == ["probe/ok"]
    assert sorted(str(e.target) for e in pages) == [
        "/probe/failed",
        "/probe/no-session",
        "/probe/ok",
    ]
    assert total is not None and total >= len(reads) + len(pages)
