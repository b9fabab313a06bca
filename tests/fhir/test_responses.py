"""Outcomes → QuestionnaireResponses → outcomes gives the same records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.fhir.importer import ImportOptions, import_file, import_resources
from peerbench.fhir.models import validation_errors
from peerbench.fhir.reading import parse_text
from peerbench.fhir.responses import bundle, response, write_responses
from peerbench.schema.instruments import default_registry

KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
TODAY = dt.date(2026, 9, 30)
RECORDS: list[dict[str, Any]] = [
    {
        "record_id": "m-1",
        "participant_key": KEY,
        "service_id": "svc-1",
        "instrument": "PHQ9",
        "timepoint": "baseline",
        "date_administered": "2025-01-13",
        "items": [1, 2, 3, 0, 1, 1, 1, 1, 2],
        "total_score": 12.0,
        "mode": "self_paper",
    },
    {
        "record_id": "m-2",
        "participant_key": KEY,
        "service_id": "svc-1",
        "instrument": "WEMWBS",
        "timepoint": "end",
        "date_administered": "2025-04-01",
        "items": [3, 4, None, 2, 5, 1, 3, 3, 3, 4, 4, 2, 3, 3],
        "instrument_version": "1",
    },
    {
        "record_id": "m_3.x",
        "participant_key": KEY,
        "service_id": "svc-2",
        "instrument": "PAM13",
        "timepoint": "other",
        "days_since_start": 40,
        "date_administered": "2025-02-13",
        "licensed_score": 55.6,
        "licensed_level": 3,
    },
    {
        "record_id": "m-4",
        "participant_key": KEY,
        "service_id": "svc-2",
        "instrument": "ONS4",
        "timepoint": "month_3",
        "date_administered": "2025-04-13",
        "items": [7, 8, 6, 3],
        "mode": "assisted",
    },
]


def test_each_response_passes_the_fhir_model_and_carries_the_record() -> None:
    resource = response(RECORDS[0], default_registry())
    assert validation_errors(resource) == []
    assert resource["questionnaire"] == "urn:peerbench:questionnaire:PHQ9"
    assert resource["subject"]["identifier"]["value"] == KEY
    assert resource["authored"] == "2025-01-13"
    assert resource["item"][0]["answer"] == [
        {
            "valueCoding": {
                "system": "urn:peerbench:answers:PHQ9",
                "code": "1",
                "display": "Several days",
            }
        }
    ]
    ons4 = response(RECORDS[3], default_registry())
    assert ons4["item"][0]["answer"] == [{"valueInteger": 7}]
    wemwbs = response(RECORDS[1], default_registry())
    assert wemwbs["questionnaire"].endswith("|1")
    assert "answer" not in wemwbs["item"][2]  # a missing item is an item with no answer


def test_bundle_round_trip_gives_equal_records() -> None:
    registry = default_registry()
    text = json.dumps(bundle([response(r, registry) for r in RECORDS]))
    result = import_resources(parse_text(text), registry, ImportOptions(today=TODAY))
    assert result.valid, result.findings
    assert result.responses == 4
    assert result.records == RECORDS


def test_ndjson_round_trip_gives_equal_records(tmp_path: Path) -> None:
    registry = default_registry()
    out = tmp_path / "responses.ndjson"
    assert write_responses(RECORDS, registry, out, ndjson=True) == 4
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    result = import_file(out, registry, ImportOptions(today=TODAY))
    assert result.unit == "line"
    assert result.records == RECORDS


def test_the_same_outcomes_give_the_same_bundle_bytes(tmp_path: Path) -> None:
    registry = default_registry()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_responses(RECORDS, registry, first)
    write_responses(list(RECORDS), registry, second)
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["resourceType"] == "Bundle"
    assert validation_errors(document) == []
    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert len(set(urls)) == 4
    assert all(url.startswith("urn:uuid:") for url in urls)


def test_synthetic_outcomes_of_every_instrument_round_trip_exactly(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from peerbench.fhir.outcomes import write_outcomes
    from peerbench.synth import SynthConfig, generate

    everyone = generate(SynthConfig(seed=7, organisations=3, outcome_rows=400))["outcome"]
    outcomes = participant_outcomes(everyone)
    assert outcomes.num_rows < everyone.num_rows  # the data holds workers' own rows too
    registry = default_registry()
    bundle_path = tmp_path / "responses.json"
    # Workers' own questionnaires are never written, even when handed over.
    assert write_responses(everyone.to_pylist(), registry, bundle_path) == outcomes.num_rows
    result = import_file(bundle_path, registry, ImportOptions(today=TODAY))
    assert not [f for f in result.findings if f.severity.value == "error"]
    back = tmp_path / "back.parquet"
    write_outcomes(result.records, back)
    assert pq.read_table(back).equals(outcomes)
    assert len(set(outcomes.column("instrument").to_pylist())) >= 8


def test_no_outcomes_give_a_bundle_without_entries(tmp_path: Path) -> None:
    out = tmp_path / "empty.json"
    assert write_responses([], default_registry(), out) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document == {"resourceType": "Bundle", "type": "collection"}
    assert validation_errors(document) == []
