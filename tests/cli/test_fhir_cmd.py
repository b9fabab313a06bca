"""``peerbench fhir``: questionnaires, and outcomes out to FHIR and back, from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from peerbench.cli.fhir_cmd import fhir
from peerbench.validators import validate

KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
OUTCOMES = (
    "record_id,participant_key,service_id,instrument,timepoint,date_administered,"
    "item_1,item_2,item_3,item_4,item_5,item_6,item_7,item_8,item_9,total_score\n"
    f"m-1,{KEY},svc-1,PHQ9,baseline,2025-01-13,1,2,3,0,1,1,1,1,2,12\n"
    f"m-2,{KEY},svc-1,PHQ9,end,2025-04-13,0,1,1,0,0,1,0,0,1,\n"
)
TODAY = "2026-09-30"


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(fhir, [str(a) for a in args])


def test_questionnaire_writes_every_instrument_or_those_named(tmp_path: Path) -> None:
    result = _run("questionnaire", "--out", tmp_path / "all")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "all").glob("*.questionnaire.json"))) == 12
    result = _run("questionnaire", "phq9", "--out", tmp_path / "one")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["PHQ9.questionnaire.json"]
    assert _run("questionnaire", "NOPE", "--out", tmp_path / "x").exit_code == 2


def test_export_then_import_gives_the_same_outcomes(tmp_path: Path) -> None:
    source = tmp_path / "outcomes.csv"
    source.write_text(OUTCOMES, encoding="utf-8")
    bundle = tmp_path / "responses.json"
    result = _run("export", source, "--out", bundle, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "2 QuestionnaireResponse(s) written" in result.stderr
    back = tmp_path / "back.jsonl"
    result = _run("import", bundle, "--out", back, "--today", TODAY)
    assert result.exit_code == 0, result.output
    before = validate([source], record_type="outcome", collect=True).tables["outcome"]
    after = validate([back], record_type="outcome", collect=True).tables["outcome"]
    assert after.equals(before)


def test_import_with_problems_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "outcomes.csv"
    source.write_text(OUTCOMES, encoding="utf-8")
    ndjson = tmp_path / "responses.ndjson"
    assert _run("export", source, "--out", ndjson, "--today", TODAY).exit_code == 0
    lines = ndjson.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    broken["item"][0]["answer"][0]["valueCoding"]["code"] = "9"
    ndjson.write_text(lines[0] + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    out = tmp_path / "back.csv"
    result = _run("import", ndjson, "--out", out, "--today", TODAY)
    assert result.exit_code == 1
    assert "line 2 (id m-2), linkId item_1" in result.stderr
    assert "[fhir-answer-invalid]" in result.stderr
    assert not out.exists()
    result = _run("import", ndjson, "--out", out, "--today", TODAY, "--json")
    assert json.loads(result.stdout)[0]["link_id"] == "item_1"


def test_export_refuses_an_invalid_outcomes_file(tmp_path: Path) -> None:
    source = tmp_path / "outcomes.csv"
    source.write_text(OUTCOMES.replace("PHQ9,end", "NOPE,end"), encoding="utf-8")
    out = tmp_path / "responses.json"
    result = _run("export", source, "--out", out, "--today", TODAY)
    assert result.exit_code == 1
    assert "Nothing written" in result.stderr
    assert not out.exists()


LOCAL = (
    (Path(__file__).parents[1] / "fixtures" / "instruments" / "myscale.yaml")
    .read_text(encoding="utf-8")
    .replace('version: "1"', 'version: "2"')
)
"""The FHIR tests' local questionnaire, at its version 2."""


def test_a_registered_local_instrument_exports_and_round_trips(tmp_path: Path) -> None:
    definition = tmp_path / "myscale.yaml"
    definition.write_text(LOCAL, encoding="utf-8")
    result = _run("questionnaire", "MYSCALE", "--out", tmp_path / "q", "--register", definition)
    assert result.exit_code == 0, result.output
    form = json.loads((tmp_path / "q" / "MYSCALE.questionnaire.json").read_text("utf-8"))
    assert (form["url"], form["version"]) == ("urn:peerbench:questionnaire:MYSCALE", "2")
    source = tmp_path / "outcomes.jsonl"
    record = {
        "record_id": "m-1",
        "participant_key": KEY,
        "service_id": "svc-1",
        "instrument": "MYSCALE",
        "timepoint": "baseline",
        "date_administered": "2025-01-13",
        "items": [1, 5, None, 4, 2],
    }
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    ndjson = tmp_path / "responses.ndjson"
    args = ("--today", TODAY, "--register", definition)
    assert _run("export", source, "--out", ndjson, *args).exit_code == 0
    back = tmp_path / "back.jsonl"
    result = _run("import", ndjson, "--out", back, *args)
    assert result.exit_code == 0, result.output
    assert json.loads(back.read_text(encoding="utf-8")) == record
    # Without the definition the same responses name an unknown questionnaire.
    result = _run("import", ndjson, "--out", back, "--today", TODAY)
    assert result.exit_code == 1
    assert "[fhir-questionnaire-unknown]" in result.stderr


def test_export_leaves_out_peer_workers_own_questionnaires(tmp_path: Path) -> None:
    worker = "9b1d4e7f2a3c5d6e8f0a1b2c3d4e5f60"
    source = tmp_path / "outcomes.csv"
    lines = OUTCOMES.splitlines()
    rows = [f"{line},participant" for line in lines[1:]]
    rows.append(f"w-1,{worker},svc-1,PHQ9,baseline,2025-01-20,0,0,1,0,0,0,1,0,0,2,peer_worker")
    source.write_text("\n".join([f"{lines[0]},subject", *rows]) + "\n", encoding="utf-8")
    bundle = tmp_path / "responses.json"
    result = _run("export", source, "--out", bundle, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "2 QuestionnaireResponse(s) written" in result.stderr
    assert "1 peer worker questionnaire(s) left out" in result.stderr
    text = bundle.read_text(encoding="utf-8")
    assert worker not in text and "w-1" not in text and KEY in text
