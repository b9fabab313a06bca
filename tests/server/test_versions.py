"""The server takes the previous minor version inside its window and stores the current one."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from peerbench.io.migrate import restamp_table
from peerbench.server.checked import Checked
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import AuditEvent, Organisation
from peerbench.server.settings import Settings
from peerbench.server.submission_checks import Inputs
from peerbench.server.submissions import NewSubmission, files_hash, process, register
from peerbench.server.versions import check_versions, declared_version
from peerbench.validators.catalogue import entry
from peerbench.validators.report import Report
from tests.api.harness import synth_slices

UNTIL = dt.date(2027, 6, 30)
INSIDE, AFTER = dt.date(2027, 1, 15), dt.date(2027, 7, 1)


def _checked(versions: dict[str, str | None]) -> Checked:
    return Checked(Report(), {}, {}, versions)


def test_previous_minor_inside_the_window_is_a_note() -> None:
    checked = _checked({"outcomes.parquet": "1.1.0", "services.csv": None})
    assert check_versions(checked, today=INSIDE, until=UNTIL) == "1.1.0"
    (note,) = checked.report.findings
    assert (note.code, note.severity.value, note.file) == (
        "version-migrated",
        "note",
        "outcomes.parquet",
    )
    assert note.message == (
        "The files declare standard version 1.1.0; they were stored as 1.2.0 "
        "(1.1.0 is accepted until 2027-06-30)."
    )
    assert checked.report.valid and declared_version(checked) == "1.1.0"


@pytest.mark.parametrize(
    ("declared", "today", "until", "code"),
    [
        ("1.1.0", AFTER, UNTIL, "version-window-closed"),
        ("1.1.0", INSIDE, None, "version-window-closed"),
        ("1.0.0", INSIDE, UNTIL, "version-unsupported"),  # two minors back: migrate first
        ("1.3.0", INSIDE, UNTIL, "version-unsupported"),
    ],
)
def test_refused_versions_are_errors(
    declared: str, today: dt.date, until: dt.date | None, code: str
) -> None:
    checked = _checked({"standard_version": declared})
    assert check_versions(checked, today=today, until=until) is None
    assert [f.code for f in checked.report.findings] == [code]
    assert not checked.report.valid


def test_current_undeclared_and_other_majors_add_nothing_here() -> None:
    # Another major is already refused by the readers (version-unsupported): not twice.
    checked = _checked({"a.parquet": "1.2.0", "b.csv": None, "c.parquet": "2.0.0"})
    assert check_versions(checked, today=AFTER, until=UNTIL) is None
    assert checked.report.findings == [] and declared_version(checked) == "1.2.0"


@pytest.fixture(scope="module")
def slice_1_1(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    slices = synth_slices(tmp_path_factory.mktemp("synth"), organisations=1, outcome_rows=80)
    org, folder = next(iter(slices.items()))
    for path in folder.glob("*.parquet"):
        pq.write_table(restamp_table(pq.read_table(path), "1.1.0"), path)
    return org, folder


def _context(url: str, data: Path, today: dt.date) -> ServerContext:
    settings = Settings(data_dir=data, database_url=url, previous_version_until=UNTIL)
    return open_server(settings, today=lambda: today)


@pytest.fixture
def make_context(database_url: str, tmp_path: Path) -> Iterator[Callable[[dt.date], ServerContext]]:
    upgrade(database_url)
    opened: list[ServerContext] = []

    def make(today: dt.date) -> ServerContext:
        opened.append(_context(database_url, tmp_path / "data", today))
        return opened[-1]

    yield make
    for ctx in opened:
        ctx.close()


def _submit(ctx: ServerContext, org: str, folder: Path, spool: Path, digest: str) -> str:
    shutil.copytree(folder, spool)
    with ctx.db.session() as session:
        if session.get(Organisation, org) is None:
            session.add(Organisation(id=org, name=org))
            session.commit()
        names = sorted(p.name for p in folder.iterdir())
        new = NewSubmission(org, "2026-Q3", files_hash("2026-Q3", [(n, digest) for n in names]),
                            names, idempotency_key=None)  # fmt: skip
        submission, _ = register(session, new, actor="test")
    return submission.id


def test_a_1_1_submission_inside_the_window_is_stored_as_1_2(
    make_context: Callable[[dt.date], ServerContext], slice_1_1: tuple[str, Path], tmp_path: Path
) -> None:
    org, folder = slice_1_1
    ctx = make_context(INSIDE)
    submission_id = _submit(ctx, org, folder, tmp_path / "spool", "a")
    done = process(ctx, submission_id, Inputs(folder=tmp_path / "spool"), actor="test")
    assert done.status == "accepted", done.report
    assert done.standard_version == "1.1.0"  # what was sent
    assert done.report is not None and Report.from_dict(done.report).by_code["version-migrated"] > 0
    pooled = sorted((tmp_path / "data").rglob("*.parquet"))
    assert pooled
    for path in pooled:  # what is stored
        assert set(pq.read_table(path, columns=["_standard_version"]).column(0).to_pylist()) == {
            "1.2.0"
        }
    with ctx.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.target == done.id)).all()
    accepted = [e.details for e in events if (e.details or {}).get("to") == "accepted"]
    assert accepted and accepted[0]["migrated_from"] == "1.1.0"
    assert accepted[0]["stored_as"] == "1.2.0"


def test_a_1_1_submission_after_the_window_is_rejected(
    make_context: Callable[[dt.date], ServerContext], slice_1_1: tuple[str, Path], tmp_path: Path
) -> None:
    org, folder = slice_1_1
    ctx = make_context(AFTER)
    submission_id = _submit(ctx, org, folder, tmp_path / "spool", "b")
    done = process(ctx, submission_id, Inputs(folder=tmp_path / "spool"), actor="test")
    assert done.status == "rejected"
    report = Report.from_dict(done.report or {})
    assert report.by_code["version-window-closed"] > 0
    closed = [f for f in report.findings if f.code == "version-window-closed"]
    assert closed[0].message == (
        "The files declare standard version 1.1.0; this server accepted it until 2027-06-30."
    )
    assert "peerbench migrate" in entry("version-window-closed").hint
