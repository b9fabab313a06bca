"""The generated dataset as a whole: determinism, exact sizes, schemas, record validity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.json_schema import record_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth import SynthConfig, SyntheticDataset, generate


def _json_ready(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def test_same_seed_gives_identical_tables() -> None:
    config = SynthConfig(seed=99, organisations=5, outcome_rows=2_000, error_rate=0.02)
    first, second = generate(config), generate(config)
    for record_type, table in first.tables.items():
        assert table.equals(second[record_type], check_metadata=True), record_type
    assert first.errors.equals(second.errors)


def test_different_seed_gives_different_tables() -> None:
    first = generate(SynthConfig(seed=1, organisations=5, outcome_rows=2_000))
    second = generate(SynthConfig(seed=2, organisations=5, outcome_rows=2_000))
    assert not first["outcome"].equals(second["outcome"])
    assert not first["participant"].equals(second["participant"])


@pytest.mark.parametrize("rows", [0, 1, 17, 4_321])
def test_exact_outcome_row_count(rows: int) -> None:
    dataset = generate(SynthConfig(seed=3, organisations=3, outcome_rows=rows))
    assert participant_outcomes(dataset["outcome"]).num_rows == rows  # workers' come on top


def test_organisation_count(small: SyntheticDataset) -> None:
    assert small["organisation"].num_rows == 6


def test_every_table_has_the_canonical_schema(small: SyntheticDataset) -> None:
    assert list(small.tables) == list(RECORD_TYPES)
    for record_type, table in small.tables.items():
        assert table.schema.equals(arrow_schema(record_type), check_metadata=True)
        assert table.num_rows > 0, record_type


def test_every_row_validates_with_pydantic_and_json_schema(small: SyntheticDataset) -> None:
    for record_type, table in small.tables.items():
        model = RECORD_TYPES[record_type]
        validator = jsonschema.Draft202012Validator(
            record_schema(record_type),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        for row in table.to_pylist():
            model.model_validate(row)
            errors = list(validator.iter_errors(_json_ready(row)))
            assert not errors, (record_type, row, errors[0].message)


def test_referential_integrity(small: SyntheticDataset) -> None:
    orgs = set(small["organisation"].column("organisation_id").to_pylist())
    services = set(small["service"].column("service_id").to_pylist())
    assert set(small["service"].column("organisation_id").to_pylist()) <= orgs
    people = set(
        zip(
            small["participant"].column("participant_key").to_pylist(),
            small["participant"].column("service_id").to_pylist(),
            strict=True,
        )
    )
    assert len(people) == small["participant"].num_rows  # primary key is unique
    for record_type in ("engagement", "outcome", "service_use"):
        table = small[record_type]
        if record_type == "outcome":
            table = participant_outcomes(table)
        pairs = zip(
            table.column("participant_key").to_pylist(),
            table.column("service_id").to_pylist(),
            strict=True,
        )
        assert set(pairs) <= people, record_type
    feedback = small["feedback"]
    assert set(feedback.column("service_id").to_pylist()) <= services
    named = pc.drop_null(feedback.column("participant_key")).to_pylist()
    assert set(named) <= {key for key, _ in people}


def test_primary_keys_are_unique(small: SyntheticDataset) -> None:
    for record_type, table in small.tables.items():
        key = RECORD_TYPES[record_type].primary_key
        rows = table.select(list(key)).to_pylist()
        assert len({tuple(r.values()) for r in rows}) == len(rows), record_type


def test_nothing_is_dated_after_as_of(small: SyntheticDataset) -> None:
    as_of = pa.scalar(small.config.as_of, pa.date32())
    for record_type, table in small.tables.items():
        for field in table.schema:
            if pa.types.is_date(field.type) and table.num_rows:
                latest = pc.max(table.column(field.name))
                assert not latest.is_valid or latest.as_py() <= as_of.as_py(), (
                    record_type,
                    field.name,
                )


def test_row_counts(small: SyntheticDataset) -> None:
    counts = small.row_counts()
    assert participant_outcomes(small["outcome"]).num_rows == 3_000
    assert counts["outcome"] > 3_000  # peer workers' own questionnaires come on top
    assert counts["peer_worker"] > 0 and counts["referral"] > counts["engagement"]
    assert set(counts) == set(RECORD_TYPES)
