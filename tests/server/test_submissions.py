"""The ingest library: periods, content hashes, ownership, row caps, lifecycle."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.migrate import upgrade
from peerbench.server.db.models import AuditEvent, Organisation, Submission
from peerbench.server.settings import Settings
from peerbench.server.submission_checks import (
    Checked,
    Inputs,
    check_bundle,
    check_files,
    check_ownership,
)
from peerbench.server.submissions import (
    NewSubmission,
    check_period,
    files_hash,
    process,
    quarter_of,
    recover_interrupted,
    register,
)
from peerbench.validators.report import Report
from tests.api.harness import bundle_of, synth_slices


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=200)


@pytest.fixture
def context(database_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    upgrade(database_url)
    ctx = open_server(Settings(data_dir=tmp_path, database_url=database_url))
    yield ctx
    ctx.close()


@pytest.mark.parametrize("good", ["2026-Q1", "1999-Q4"])
def test_period_accepts_quarters(good: str) -> None:
    assert check_period(good) == good


@pytest.mark.parametrize("bad", ["2026-Q0", "2026-Q5", "2026Q1", "2026-q1", "", "2026-Q1 "])
def test_period_refuses_others(bad: str) -> None:
    with pytest.raises(ValueError, match="quarter"):
        check_period(bad)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [((2026, 1, 1), "2026-Q1"), ((2026, 3, 31), "2026-Q1"), ((2026, 4, 1), "2026-Q2"),
     ((2026, 9, 30), "2026-Q3"), ((2026, 12, 31), "2026-Q4"), ((999, 5, 5), "0999-Q2")],
)  # fmt: skip
def test_quarter_of(day: tuple[int, int, int], quarter: str) -> None:
    assert quarter_of(dt.date(*day)) == quarter


def test_period_must_lie_between_the_earliest_and_the_current_quarter() -> None:
    today = dt.date(2026, 8, 14)  # 2026-Q3
    for good in ("2000-Q1", "2013-Q2", "2026-Q3"):
        assert check_period(good, earliest="2000-Q1", today=today) == good
    with pytest.raises(ValueError, match="before 2000-Q1, the earliest"):
        check_period("0796-Q1", earliest="2000-Q1", today=today)
    with pytest.raises(ValueError, match="before 2000-Q1"):
        check_period("1999-Q4", earliest="2000-Q1", today=today)
    for future in ("2026-Q4", "2027-Q1", "9999-Q4"):
        with pytest.raises(ValueError, match=r"not started yet: .* 2026-Q3"):
            check_period(future, earliest="2000-Q1", today=today)
    assert check_period("2026-Q4", today=dt.date(2026, 10, 1)) == "2026-Q4"


def test_files_hash_ignores_order_but_not_content() -> None:
    a = files_hash("2026-Q1", [("a.csv", "1"), ("b.csv", "2")])
    assert a == files_hash("2026-Q1", [("b.csv", "2"), ("a.csv", "1")])
    assert a != files_hash("2026-Q2", [("a.csv", "1"), ("b.csv", "2")])
    assert a != files_hash("2026-Q1", [("a.csv", "2"), ("b.csv", "1")])


def test_ownership_flags_other_organisations_rows() -> None:
    services = pa.table({"service_id": ["s1", "s2"], "organisation_id": ["me", "them"]})
    outcomes = pa.table({"service_id": ["s1", "s2", "s0", None]})
    origin = {
        "service": pa.table({"file": ["services.csv"] * 2, "row": [2, 3]}),
        "outcome": pa.table({"file": ["outcomes.csv"] * 4, "row": [2, 3, 4, 5]}),
    }
    checked = Checked(Report(), {"service": services, "outcome": outcomes}, origin)
    check_ownership(checked, "me", pooled_services={"s0"})
    assert checked.report.flatten() == [
        (3, "service_id", "unknown-reference"),  # outcomes.csv: s2 is theirs
        (3, "organisation_id", "organisation-mismatch"),  # services.csv
    ]


def test_row_cap_stops_reading(slices: dict[str, Path]) -> None:
    folder = next(iter(slices.values()))
    checked = check_files(folder, max_rows=3)
    assert not checked.report.valid and checked.tables == {}
    assert [f.code for f in checked.report.findings] == ["too-many-rows"]


def test_bundle_reports_by_array_and_row(slices: dict[str, Path]) -> None:
    body = bundle_of(next(iter(slices.values())))
    body["participants"][1]["age_band"] = "ancient"
    arrays = {k: v for k, v in body.items() if k != "period"}
    checked = check_bundle(arrays, standard_version="9.0.0", max_rows=10_000)
    codes = {(f.file, f.row, f.column, f.code) for f in checked.report.findings}
    assert ("participants.json", 3, "age_band", "code-invalid") in codes
    assert any(f.code == "version-unsupported" for f in checked.report.findings)
    assert checked.tables["participant"].num_rows == len(body["participants"])


def _register(ctx: ServerContext, org: str, names: list[str], digest: str) -> tuple[Any, bool]:
    with ctx.db.session() as session:
        if session.get(Organisation, org) is None:
            session.add(Organisation(id=org, name=org))
            session.commit()
        new = NewSubmission(
            org,
            "2026-Q3",
            files_hash("2026-Q3", [(n, digest) for n in names]),
            names,
            idempotency_key=None,
        )
        return register(session, new, actor="test")


def test_process_accepts_and_cleans_spool(
    context: ServerContext, slices: dict[str, Path], tmp_path: Path
) -> None:
    org, folder = next(iter(slices.items()))
    spool = tmp_path / "spool-1"
    shutil.copytree(folder, spool)
    submission, fresh = _register(context, org, ["x"], "1")
    assert fresh
    done = process(context, submission.id, Inputs(folder=spool), actor="test")
    assert done.status == "accepted" and done.rows > 0
    assert not spool.exists()
    again, fresh_again = _register(context, org, ["x"], "1")
    assert again.id == submission.id and not fresh_again


def test_interrupted_submissions_fail_on_recovery(context: ServerContext) -> None:
    submission, _ = _register(context, "org-r", ["y"], "2")
    assert recover_interrupted(context) == 1
    with context.db.session() as session:
        stored = session.get(Submission, submission.id)
        assert stored is not None and stored.status == "failed" and stored.failure
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions.count("submission.status") == 1


def test_concurrent_submissions_for_one_period_supersede_never_fail(
    context: ServerContext, slices: dict[str, Path], tmp_path: Path
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    from peerbench.server.db.models import PoolVersion

    racers = 6
    org, folder = next(iter(slices.items()))
    inputs = []
    for i in range(racers):
        spool = tmp_path / f"spool-{i}"
        shutil.copytree(folder, spool)
        outcomes = pq.read_table(spool / "outcomes.parquet")
        pq.write_table(outcomes.slice(0, outcomes.num_rows - i), spool / "outcomes.parquet")
        submission, fresh = _register(context, org, ["outcomes.parquet"], f"race-{i}")
        assert fresh
        inputs.append((submission.id, Inputs(folder=spool)))
    gate = threading.Barrier(racers)

    def run(item: tuple[str, Inputs]) -> str:
        gate.wait(timeout=60)
        return process(context, item[0], item[1], actor="test").status

    with ThreadPoolExecutor(racers) as pool:
        statuses = list(pool.map(run, inputs))
    assert statuses == ["accepted"] * racers
    with context.db.session() as session:
        submissions = list(session.scalars(select(Submission)))
        newest = max(submissions, key=lambda s: (s.created_at, s.id)).id
        versions = list(session.scalars(select(PoolVersion)))
    record_types = {v.record_type for v in versions}
    assert len(versions) == racers * len(record_types)
    current = {(v.record_type, v.submission_id) for v in versions if v.is_current}
    assert current == {(rt, newest) for rt in record_types}
    assert sum(v.superseded_by is not None for v in versions) == (racers - 1) * len(record_types)


def test_idempotency_key_names_one_body_for_one_organisation(context: ServerContext) -> None:
    from peerbench.server.db.models import Role
    from peerbench.server.submissions import IdempotencyConflict, clean_idempotency_key
    from peerbench.server.tenancy import create_key

    assert clean_idempotency_key("  k1 ") == "k1"
    assert clean_idempotency_key("   ") is None and clean_idempotency_key(None) is None
    with context.db.session() as session:
        for org in ("org-a", "org-b"):
            session.add(Organisation(id=org, name=org))
        admin = create_key(session, role=Role.ADMIN)[0].id  # may submit for both
    digest = files_hash("2026-Q3", [("a.csv", "1")])

    def send(org: str, content: str, key: str | None) -> tuple[Any, bool]:
        with context.db.session() as session:
            new = NewSubmission(org, "2026-Q3", content, ["a.csv"], admin, idempotency_key=key)
            return register(session, new, actor="test")

    first, fresh = send("org-a", digest, " k1 ")
    assert fresh and first.idempotency_key == "k1"
    assert send("org-a", digest, "k1")[0].id == first.id  # a true repeat
    for org, content in (("org-a", "other"), ("org-b", digest)):
        with pytest.raises(IdempotencyConflict) as raised:
            send(org, content, "k1")
        assert raised.value.submission_id == first.id
    blank, fresh_blank = send("org-a", "third", "")
    assert fresh_blank and blank.idempotency_key is None


def test_record_types_sent_empty_are_accepted_with_a_note(
    context: ServerContext, slices: dict[str, Path], tmp_path: Path
) -> None:
    # What validates locally is accepted: record types not collected, sent as files with
    # a header and no rows (a template's empty sheets), are notes, not errors.
    org, folder = next(iter(slices.items()))
    spool = tmp_path / "spool-empty"
    shutil.copytree(folder, spool)
    emptied = ["feedback", "service_use"]
    for stem in emptied:
        path = spool / f"{stem}.parquet"
        table = pq.read_table(path)
        path.unlink()
        header = ",".join(table.column_names)
        (spool / f"{stem}.csv").write_text(header + "\n", encoding="utf-8")
    submission, _ = _register(context, org, ["empty"], "3")
    done = process(context, submission.id, Inputs(folder=spool), actor="test")
    assert done.status == "accepted", done.report
    assert done.errors == 0
    assert done.report is not None
    assert Report.from_dict(done.report).notes == len(emptied)
    assert set(emptied).isdisjoint(done.record_types)
    assert {"participant", "outcome"} <= set(done.record_types)
