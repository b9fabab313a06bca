"""The submission lifecycle, pinned rule by rule (issue 11: tests that would notice).

Each test fixes one behaviour of :mod:`peerbench.server.submissions` that a small change
to the module would break: which repeats are answered with an earlier submission, the
status transitions and their audit trail, ``completed_at``, the rejected and failed
paths (nothing half-written), the race on the unique constraints, and content hashes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from peerbench.schema.version import STANDARD_VERSION
from peerbench.server import submissions as module
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import AuditEvent, Organisation, PoolVersion, Role, Submission
from peerbench.server.settings import Settings
from peerbench.server.submission_checks import Inputs
from peerbench.server.submissions import (
    SERVER_FAULT,
    NewSubmission,
    bundle_hash,
    files_hash,
    mark_failed,
    mark_validating,
    process,
    register,
)
from peerbench.server.tenancy import create_key
from tests.api.harness import synth_slices

PERIOD = "2026-Q3"


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=60)


@pytest.fixture
def context(database_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    upgrade(database_url)
    ctx = open_server(Settings(data_dir=tmp_path / "data", database_url=database_url))
    with ctx.db.session() as session:
        for org in ("org-a", "org-b"):
            session.add(Organisation(id=org, name=org))
        session.commit()
    yield ctx
    ctx.close()


def _send(
    ctx: ServerContext,
    org: str,
    content: str,
    *,
    api_key: str | None = None,
    key: str | None = None,
    version: str | None = None,
) -> tuple[Submission, bool]:
    with ctx.db.session() as session:
        if session.get(Organisation, org) is None:
            session.add(Organisation(id=org, name=org))
            session.commit()
        new = NewSubmission(
            org, PERIOD, content, ["a.csv"], api_key, idempotency_key=key, standard_version=version
        )
        return register(session, new, actor="test")


def _stored(ctx: ServerContext, submission_id: str) -> Submission:
    with ctx.db.session() as session:
        stored = session.get(Submission, submission_id)
        assert stored is not None
        session.expunge(stored)
        return stored


def _events(ctx: ServerContext, action: str) -> list[tuple[str | None, dict[str, object]]]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(AuditEvent.target, AuditEvent.details)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [(target, details) for target, details in rows]


def _spool(slices: dict[str, Path], tmp_path: Path, org: str) -> Path:
    spool = tmp_path / f"spool-{org}"
    shutil.copytree(slices[org], spool)
    return spool


def _pool_files(ctx: ServerContext) -> list[Path]:
    return sorted(Path(ctx.store.root).rglob("*.parquet"))


# ----------------------------------------------------------------------------- hashes
def test_bundle_hash_ignores_key_order_and_formatting_but_not_content() -> None:
    first = bundle_hash(PERIOD, {"b": [{"y": 1, "x": 2}], "a": []})
    assert len(first) == 64 and int(first, 16) >= 0
    assert first == bundle_hash(PERIOD, {"a": [], "b": [{"x": 2, "y": 1}]})
    assert first != bundle_hash(PERIOD, {"a": [], "b": [{"x": 2, "y": 2}]})
    assert first != bundle_hash("2026-Q2", {"a": [], "b": [{"x": 2, "y": 1}]})
    assert first != files_hash(PERIOD, [("bundle.json", "0" * 64)])


# ------------------------------------------------------------------------ registering
def test_repeats_are_matched_by_organisation_and_content(context: ServerContext) -> None:
    first, fresh = _send(context, "org-a", "h1")
    assert fresh and first.status == "received"
    again, fresh_again = _send(context, "org-a", "h1")
    assert (again.id, fresh_again) == (first.id, False)
    other_content, fresh_other = _send(context, "org-a", "h2")
    assert fresh_other and other_content.id != first.id
    other_org, fresh_org = _send(context, "org-b", "h1")  # same bytes, another sender
    assert fresh_org and other_org.id != first.id
    assert [target for target, _ in _events(context, "submission.repeated")] == [first.id]
    created = _events(context, "submission.created")
    assert len(created) == 3
    assert created[0] == (first.id, {"period": PERIOD, "files": ["a.csv"]})


def test_without_an_idempotency_key_an_api_key_sends_many_bodies(context: ServerContext) -> None:
    with context.db.session() as session:
        admin = create_key(session, role=Role.ADMIN)[0].id
    first, _ = _send(context, "org-a", "h1", api_key=admin)
    second, fresh = _send(context, "org-a", "h2", api_key=admin)  # key None both times
    assert fresh and second.id != first.id
    # A key sent without an API key (the library called directly) names nothing.
    keyed, _ = _send(context, "org-a", "h3", key="k")
    other, fresh_other = _send(context, "org-a", "h4", key="k")
    assert fresh_other and other.id != keyed.id


def test_idempotency_key_repeat_answers_with_the_first(context: ServerContext) -> None:
    with context.db.session() as session:
        keys = [create_key(session, role=Role.ADMIN)[0].id for _ in range(2)]
    first, _ = _send(context, "org-a", "h1", api_key=keys[0], key="k")
    again, fresh = _send(context, "org-a", "h1", api_key=keys[0], key="k")
    assert (again.id, fresh) == (first.id, False)
    # The same key string from another API key is another client's key.
    theirs, fresh_theirs = _send(context, "org-b", "h9", api_key=keys[1], key="k")
    assert fresh_theirs and theirs.id != first.id


def test_standard_version_is_kept_or_defaults_to_the_servers(context: ServerContext) -> None:
    assert _send(context, "org-a", "h1")[0].standard_version == STANDARD_VERSION
    assert _send(context, "org-a", "h2", version="0.9.0")[0].standard_version == "0.9.0"


def test_a_repeat_of_a_failed_submission_runs_again(context: ServerContext) -> None:
    first, _ = _send(context, "org-a", "h1")
    failed = mark_failed(context, first.id, "disk full", actor="test")
    assert failed.status == "failed" and failed.failure == "disk full"
    assert failed.completed_at is not None
    again, fresh = _send(context, "org-a", "h1")
    assert (again.id, fresh) == (first.id, True)
    stored = _stored(context, first.id)
    assert (stored.status, stored.failure, stored.completed_at) == ("received", None, None)
    assert _events(context, "submission.repeated") == []


def test_a_lost_race_answers_with_the_winner(
    context: ServerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = module.find_existing
    calls: list[int] = []

    def late(session: Any, new: NewSubmission) -> Submission | None:
        calls.append(1)
        if len(calls) == 1:  # another request inserts the same content meanwhile
            with context.db.session() as winner_session:
                winner_session.add(
                    Submission(id="winner", organisation_id="org-a", period=PERIOD,
                               content_hash="h1", file_names=["a.csv"])
                )  # fmt: skip
                winner_session.commit()
            return None
        return real(session, new)

    monkeypatch.setattr(module, "find_existing", late)
    submission, fresh = _send(context, "org-a", "h1")
    assert (submission.id, fresh) == ("winner", False)
    assert len(calls) == 2


def test_a_constraint_failure_that_no_repeat_explains_is_raised(
    context: ServerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with context.db.session() as session:
        session.add(
            Submission(id="earlier", organisation_id="org-a", period=PERIOD,
                       content_hash="h1", file_names=["a.csv"])
        )  # fmt: skip
        session.commit()
    monkeypatch.setattr(module, "find_existing", lambda session, new: None)
    with pytest.raises(IntegrityError):
        _send(context, "org-a", "h1")


# ------------------------------------------------------------------------- processing
def test_accepted_submission_moves_through_validating_and_is_pooled(
    context: ServerContext, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = next(iter(slices))
    submission, _ = _send(context, org, "h1")
    assert _stored(context, submission.id).completed_at is None
    done = process(
        context, submission.id, Inputs(folder=_spool(slices, tmp_path, org)), actor="test"
    )
    assert done.status == "accepted" and done.completed_at is not None and done.rows > 0
    assert done.errors == 0 and done.record_types
    statuses = [(d["from"], d["to"]) for _, d in _events(context, "submission.status")]
    assert statuses == [("received", "validating"), ("validating", "accepted")]
    with context.db.session() as session:
        versions = list(session.scalars(select(PoolVersion)))
    assert {v.record_type for v in versions} == set(done.record_types)
    assert all(v.is_current and v.submission_id == submission.id for v in versions)
    assert len(_pool_files(context)) == len(versions)


def test_validating_is_entered_once(context: ServerContext) -> None:
    submission, _ = _send(context, "org-a", "h1")
    first = mark_validating(context, submission.id, actor="test")
    again = mark_validating(context, submission.id, actor="test")
    assert first.status == again.status == "validating"
    assert first.completed_at is None
    assert len(_events(context, "submission.status")) == 1


def test_data_problems_reject_with_a_report_and_leave_the_pool_alone(
    context: ServerContext, slices: dict[str, Path], tmp_path: Path
) -> None:
    org = next(iter(slices))
    submission, _ = _send(context, "org-b", "h1")  # another organisation's records
    spool = _spool(slices, tmp_path, org)
    done = process(context, submission.id, Inputs(folder=spool), actor="test")
    assert done.status == "rejected" and done.failure is None
    assert done.errors > 0 and done.report and done.completed_at is not None
    assert not spool.exists()
    stored = _stored(context, submission.id)
    assert stored.status == "rejected" and stored.errors == done.errors
    with context.db.session() as session:
        assert list(session.scalars(select(PoolVersion))) == []
    assert _pool_files(context) == []


def test_a_server_fault_fails_cleanly_with_nothing_half_written(
    context: ServerContext,
    slices: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = next(iter(slices))
    submission, _ = _send(context, org, "h1")
    real = context.store.activate
    activated: list[str] = []

    def activate_then_break(session: Any, **kwargs: Any) -> Any:
        if activated:
            raise OSError("connection lost")
        activated.append(kwargs["record_type"])
        return real(session, **kwargs)

    monkeypatch.setattr(context.store, "activate", activate_then_break)
    spool = _spool(slices, tmp_path, org)
    done = process(context, submission.id, Inputs(folder=spool), actor="test")
    assert done.status == "failed" and done.failure == SERVER_FAULT
    assert "not in your data" in SERVER_FAULT and submission.id not in SERVER_FAULT
    assert activated and not spool.exists()
    stored = _stored(context, submission.id)
    assert (stored.status, stored.failure) == ("failed", SERVER_FAULT)
    with context.db.session() as session:
        assert list(session.scalars(select(PoolVersion))) == []
    assert _pool_files(context) == []  # written files removed, none activated
    statuses = [d["to"] for _, d in _events(context, "submission.status")]
    assert statuses == ["validating", "failed"]


def test_an_unknown_submission_is_a_lookup_error(context: ServerContext) -> None:
    with pytest.raises(LookupError, match="no submission missing"):
        mark_failed(context, "missing", SERVER_FAULT, actor="test")
    with pytest.raises(LookupError, match="no submission missing"):
        mark_validating(context, "missing", actor="test")


def test_a_spool_folder_already_gone_is_no_error(context: ServerContext, tmp_path: Path) -> None:
    submission, _ = _send(context, "org-a", "h1")
    done = process(context, submission.id, Inputs(folder=tmp_path / "gone"), actor="test")
    assert done.id == submission.id and done.status in {"rejected", "failed"}
