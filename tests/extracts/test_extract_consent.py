"""The consent rule: only consented participants' rows (and released, quotable feedback)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peerbench.extracts import build_extract
from peerbench.extracts.consent import consented
from peerbench.extracts.harmonise import harmonise
from peerbench.synth import SynthConfig, generate

SALT = b"s" * 32


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=400, seed=3)).tables)


def _consented_pairs(tables: dict[str, pa.Table]) -> set[tuple[str, str]]:
    return {
        (row["participant_key"], row["service_id"])
        for row in tables["participant"].to_pylist()
        if row["consent_research"] is True
    }


def test_only_consented_participants_and_their_rows(tmp_path: Path) -> None:
    tables = synthetic()
    pairs = _consented_pairs(tables)
    assert 0 < len(pairs) < tables["participant"].num_rows  # the data has both kinds
    manifest = build_extract(
        tables, project="p", extract_id="e1", salt=SALT, out_dir=tmp_path / "x"
    )
    out = pq.read_table(tmp_path / "x" / "participants.parquet")
    assert set(out.column("consent_research").to_pylist()) == {True}
    assert manifest.row_counts["participant"] == len(pairs)
    for record_type in ("engagement", "outcome", "service_use"):
        expected = sum(
            (row["participant_key"], row["service_id"]) in pairs
            for row in tables[record_type].to_pylist()
        )
        assert manifest.row_counts[record_type] == expected, record_type
    assert manifest.row_counts["organisation"] == tables["organisation"].num_rows
    assert manifest.row_counts["service"] == tables["service"].num_rows


def test_feedback_needs_quote_consent_release_and_participant_consent() -> None:
    tables = synthetic()
    pairs = _consented_pairs(tables)
    expected = [
        row["feedback_id"]
        for row in tables["feedback"].to_pylist()
        if row["consent_to_quote"] is True
        and row["released_after_review"] is True
        and (row["participant_key"] is None or (row["participant_key"], row["service_id"]) in pairs)
    ]
    kept = consented(harmonise(tables))["feedback"]
    assert sorted(kept.column("feedback_id").to_pylist()) == sorted(expected)


def test_feedback_cases_by_hand() -> None:
    yes, no = "a" * 32, "b" * 32
    participants = pa.table(
        {
            "participant_key": [yes, no],
            "service_id": ["s1", "s1"],
            "age_band": ["35_44", "35_44"],
            "sex": ["female", "male"],
            "consent_research": [True, False],
        }
    )
    day = dt.date(2025, 1, 1)
    feedback = pa.table(
        {
            "feedback_id": ["anon-released", "anon-held", "anon-no-quote", "yes", "no", "yes-held"],
            "service_id": ["s1"] * 6,
            "feedback_date": [day] * 6,
            "themes": [["hope"]] * 6,
            "consent_to_quote": [True, True, False, True, True, True],
            "participant_key": [None, None, None, yes, no, yes],
            "free_text": ["t1", "t2", None, "t4", "t5", "t6"],
            "released_after_review": [True, False, True, True, True, None],
        }
    )
    kept = consented(harmonise({"participant": participants, "feedback": feedback}))
    assert kept["feedback"].column("feedback_id").to_pylist() == ["anon-released", "yes"]
    assert kept["participant"].column("participant_key").to_pylist() == [yes]


def test_no_worker_or_referral_reaches_an_extract(tmp_path: Path) -> None:
    tables = synthetic()
    workers = tables["peer_worker"]
    assert workers.num_rows > 0 and tables["referral"].num_rows > 0
    worker_rows = pc.equal(tables["outcome"]["subject"], "peer_worker")
    assert pc.sum(worker_rows).as_py() > 0  # the data has workers' own questionnaires
    # Even a worker who is also a consented participant of the same service (same key):
    # their own questionnaire stays out; their questionnaires as a participant go in.
    person = tables["participant"].filter(pc.equal(tables["participant"]["consent_research"], True))
    key, service = person["participant_key"][0].as_py(), person["service_id"][0].as_py()
    own = tables["outcome"].filter(worker_rows).slice(0, 1).to_pylist()[0]
    own.update(participant_key=key, service_id=service, record_id="w-both")
    outcome = pa.concat_tables(
        [tables["outcome"], pa.Table.from_pylist([own], schema=tables["outcome"].schema)]
    )
    kept = consented(harmonise({**tables, "outcome": outcome}))
    assert "peer_worker" not in kept and "referral" not in kept
    assert "w-both" not in kept["outcome"]["record_id"].to_pylist()
    assert set(kept["outcome"]["subject"].drop_null().to_pylist()) <= {"participant"}
    manifest = build_extract(
        {**tables, "outcome": outcome}, project="p", extract_id="e2", salt=SALT,
        out_dir=tmp_path / "x",
    )  # fmt: skip
    names = {p.name for p in (tmp_path / "x").iterdir()}
    assert not {n for n in names if n.startswith(("peer_workers", "referrals"))}
    assert "peer_worker" not in manifest.row_counts and "referral" not in manifest.row_counts
    dictionary = (tmp_path / "x" / "data_dictionary.md").read_text(encoding="utf-8")
    assert "`peer_workers`" not in dictionary and "`referrals`" not in dictionary
    assert "never included" in (tmp_path / "x" / "README.md").read_text(encoding="utf-8") or (
        "never included" in dictionary
    )
    written = pq.read_table(tmp_path / "x" / "outcomes.parquet")
    assert pc.sum(pc.equal(written["subject"], "peer_worker")).as_py() in (None, 0)
