"""Uploads are checked in a separate, memory-capped process; data problems are findings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbench.server import isolation
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import Organisation
from peerbench.server.isolation import CheckerError, check_files_isolated
from peerbench.server.settings import Settings
from peerbench.server.submission_checks import Inputs, check_files
from peerbench.server.submissions import SERVER_FAULT, NewSubmission, files_hash, process, register
from peerbench.validators.limits import DEFAULT_LIMITS
from tests.api.harness import synth_slices

KEY = "0123456789abcdef0123456789abcdef"
MEMORY = 6 << 30


def _duplicate_header(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "participants.csv").write_text(
        f"participant_key,service_id,service_id\n{KEY},svc-1,svc-2\n"
    )
    return folder


def test_a_malformed_file_is_a_finding_from_the_child(tmp_path: Path) -> None:
    checked = check_files_isolated(
        _duplicate_header(tmp_path / "up"), max_rows=100, limits=DEFAULT_LIMITS, memory_bytes=MEMORY
    )
    assert checked.report.by_code["column-duplicate"] == 1
    assert not checked.report.valid and checked.tables == {}


def test_running_out_of_memory_is_a_limit_not_a_crash(tmp_path: Path) -> None:
    # 64 MiB is far below what the preloaded interpreter already maps: the first
    # allocation of any size fails in the child, never in this process.
    checked = check_files_isolated(
        _duplicate_header(tmp_path / "up"),
        max_rows=100,
        limits=DEFAULT_LIMITS,
        memory_bytes=64 << 20,
    )
    [finding] = checked.report.findings
    assert finding.code == "limit-exceeded"
    assert "PEERBENCH_CHECK_MEMORY_BYTES" in finding.message


def test_overrunning_the_time_is_a_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "GRACE_SECONDS", 0.0)
    limits = DEFAULT_LIMITS.replace(max_seconds=0)
    checked = check_files_isolated(
        _duplicate_header(tmp_path / "up"), max_rows=100, limits=limits, memory_bytes=MEMORY
    )
    [finding] = checked.report.findings
    assert finding.code == "limit-exceeded" and "PEERBENCH_LIMIT_MAX_SECONDS" in finding.message


def test_a_fault_in_the_checker_is_raised(tmp_path: Path) -> None:
    with pytest.raises(CheckerError, match="FileNotFoundError"):
        check_files_isolated(
            tmp_path / "missing", max_rows=100, limits=DEFAULT_LIMITS, memory_bytes=MEMORY
        )


@pytest.fixture
def context(database_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    upgrade(database_url)
    ctx = open_server(Settings(data_dir=tmp_path, database_url=database_url))
    yield ctx
    ctx.close()


def _registered(ctx: ServerContext, digest: str) -> str:
    with ctx.db.session() as session:
        session.add(Organisation(id="org-h", name="org-h"))
        session.commit()
        new = NewSubmission("org-h", "2026-Q3", files_hash("2026-Q3", [("f", digest)]), ["f"])
        submission, _ = register(session, new, actor="test")
        return submission.id


def test_a_malformed_upload_ends_rejected_with_its_report(
    context: ServerContext, tmp_path: Path
) -> None:
    submission_id = _registered(context, "1")
    done = process(
        context, submission_id, Inputs(folder=_duplicate_header(tmp_path / "s")), actor="t"
    )
    assert done.status == "rejected" and done.failure is None
    findings = (done.report or {}).get("findings")
    assert isinstance(findings, list)
    assert {f["code"] for f in findings} >= {"column-duplicate"}


def test_a_server_fault_says_whether_sending_again_helps() -> None:
    assert "not in your data" in SERVER_FAULT and "Sending it again can help only" in SERVER_FAULT


def test_the_child_hands_back_what_an_in_process_check_gives(tmp_path: Path) -> None:
    # Tables come back as memory-mapped Arrow files, not pickled: the same tables, and
    # no file of them is left beside the spool.
    [folder, *_] = synth_slices(tmp_path / "synth", organisations=1, outcome_rows=200).values()
    spool = tmp_path / "spool" / "up"
    shutil.copytree(folder, spool)
    direct = check_files(spool, max_rows=10**6, limits=DEFAULT_LIMITS)
    isolated = check_files_isolated(
        spool, max_rows=10**6, limits=DEFAULT_LIMITS, memory_bytes=MEMORY
    )
    assert direct.tables and isolated.report.valid == direct.report.valid
    assert isolated.report.by_code == direct.report.by_code
    for record_type, table in direct.tables.items():
        assert isolated.tables[record_type].equals(table)
        assert isolated.origin[record_type].equals(direct.origin[record_type])
    assert isolated.tables.keys() == direct.tables.keys()
    assert isolated.versions == direct.versions
    assert sorted(p.name for p in spool.parent.iterdir()) == ["up"]
