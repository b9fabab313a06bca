"""Peer workers and referrals through the API: accepted, stored, and superseded by a
cumulative resubmission for a later period like the other record types (latest wins)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from peerbench.aggregate.lineage import latest_rows
from tests.api.harness import PERIOD, Server, files_of, running_server, synth_slices

LATER = "2026-Q4"


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"))


def _post(server: Server, org: str, folder: Path, period: str) -> dict[str, object]:
    response = server.client.post(
        "/v1/submissions", data={"period": period}, files=files_of(folder), headers=server.auth(org)
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    assert body["status"] == "accepted", body
    return body


def _current(server: Server, record_type: str, org: str) -> pa.Table:
    with server.context.db.session() as session:
        table: pa.Table = server.context.store.read_current(session, record_type, [org])
    return table


def _cumulative(folder: Path, out: Path) -> tuple[tuple[str, dt.date], str, str]:
    """The same slice a quarter later: a referral not started then is started now, an
    ongoing worker has left, and a new worker has joined. Returns the changed keys."""
    shutil.copytree(folder, out)
    referrals = pq.read_table(out / "referrals.parquet").to_pylist()
    changed = next(r for r in referrals if r["uptake"] != "started")
    changed["uptake"] = "started"
    changed["first_contact_date"] = changed["referral_date"] + dt.timedelta(days=3)
    pq.write_table(
        pa.Table.from_pylist(referrals, schema=pq.read_schema(out / "referrals.parquet")),
        out / "referrals.parquet",
    )
    schema = pq.read_schema(out / "peer_workers.parquet")
    workers = pq.read_table(out / "peer_workers.parquet").to_pylist()
    leaver = next(w for w in workers if w["end_reason"] == "ongoing")
    leaver["end_reason"] = "role_strain"
    leaver["end_date"] = dt.date(2026, 11, 2)
    joiner = {**workers[0], "worker_key": "0" * 31 + "1", "start_date": dt.date(2026, 10, 5)}
    joiner.update(end_reason="ongoing", end_date=None)
    workers.append(joiner)
    pq.write_table(pa.Table.from_pylist(workers, schema=schema), out / "peer_workers.parquet")
    referral = (changed["participant_key"], changed["referral_date"])
    return referral, leaver["worker_key"], joiner["worker_key"]


def test_workers_and_referrals_are_pooled_and_a_later_copy_wins(
    slices: dict[str, Path], tmp_path: Path
) -> None:
    org = sorted(slices)[0]
    folder = slices[org]
    files = {"peer_worker": "peer_workers", "referral": "referrals"}
    sent = {rt: pq.read_table(folder / f"{stem}.parquet").num_rows for rt, stem in files.items()}
    assert sent["peer_worker"] > 0 and sent["referral"] > 0
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "data", [org]) as server:
        first = _post(server, org, folder, PERIOD)
        kinds = {v["record_type"] for v in first["versions"]}  # type: ignore[attr-defined]
        assert {"peer_worker", "referral"} <= kinds
        for record_type, rows in sent.items():
            assert _current(server, record_type, org).num_rows == rows
        person, leaver, joiner = _cumulative(folder, tmp_path / "v2")
        second = _post(server, org, tmp_path / "v2", LATER)
        report = server.client.get(str(second["report_url"]), headers=server.auth(org)).json()
        # Referrals and workers may change (waiting -> started, in post -> left): a new copy
        # is an update, not a conflicting observation.
        assert not [f for f in report["findings"] if f["code"] == "record-conflict"]
        referrals = _current(server, "referral", org)
        workers = _current(server, "peer_worker", org)
    assert referrals.num_rows == 2 * sent["referral"]  # stored once per period ...
    latest = latest_rows(referrals, "referral")
    assert latest.num_rows == sent["referral"]  # ... read once, the later copy winning
    same = pc.and_(
        pc.equal(latest["participant_key"], person[0]),
        pc.equal(latest["referral_date"], pa.scalar(person[1], pa.date32())),
    )
    mine = latest.filter(same).to_pylist()
    # The later values, labelled with the period the referral first arrived in.
    assert [(r["uptake"], r["_period"]) for r in mine] == [("started", PERIOD)]
    people = latest_rows(workers, "peer_worker")
    assert people.num_rows == sent["peer_worker"] + 1
    left = people.filter(pc.equal(people["worker_key"], leaver)).to_pylist()
    assert [(w["end_reason"], w["end_date"]) for w in left] == [
        ("role_strain", dt.date(2026, 11, 2))
    ]
    new = people.filter(pc.equal(people["worker_key"], joiner)).to_pylist()
    assert len(new) == 1 and new[0]["_period"] == LATER
