"""Error injection: the manifest is true, each error is detectable, clean rows stay clean."""

from __future__ import annotations

import collections
import datetime as dt
import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.schema.instruments import default_registry, score_items
from peerbench.schema.records import RECORD_TYPES, RECORD_TYPES_BY_STEM
from peerbench.synth import SynthConfig, SyntheticDataset, generate
from peerbench.synth.errors import ERROR_CODES, Context
from peerbench.synth.identifiers import nhs_number
from peerbench.synth.outcome_errors import wrong_total

IDENTIFIER = re.compile(
    r"[\w.]+@[\w.]+\.\w+"  # email
    r"|\b\d{3} \d{3} \d{4}\b"  # NHS number
    r"|\b0\d{3,4} \d{3} ?\d{3,4}\b"  # UK phone
    r"|\b[A-Z]{1,2}\d{1,2} \d[A-Z]{2}\b"  # full postcode
)
ROW_LEVEL = {
    "required-missing",
    "code-invalid",
    "out-of-range",
    "pattern-invalid",
    "sessions-exceed-offered",
    "date-order",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(table: pa.Table, row: int, column: str) -> str:
    if column.startswith("item_"):
        items = table.column("items")[row].as_py()
        return _text(items[int(column[5:]) - 1])
    return _text(table.column(column)[row].as_py())


def _manifest(dataset: SyntheticDataset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = dataset.errors.to_pylist()
    return rows


def _table(dataset: SyntheticDataset, stem: str) -> tuple[str, pa.Table]:
    record_type = RECORD_TYPES_BY_STEM[stem].record_type
    return record_type, dataset[record_type]


def test_every_code_is_injected(with_errors: SyntheticDataset) -> None:
    codes = {row["code"] for row in _manifest(with_errors)}
    assert codes == set(ERROR_CODES)


def test_roughly_the_requested_share_of_each_file(with_errors: SyntheticDataset) -> None:
    per_file = collections.Counter(row["file"] for row in _manifest(with_errors))
    for record_type, table in with_errors.tables.items():
        stem = RECORD_TYPES[record_type].file_stem
        assert per_file[stem] >= 1
        if table.num_rows > 400:
            assert 0.035 < per_file[stem] / table.num_rows < 0.06, stem


def test_no_row_is_hit_twice(with_errors: SyntheticDataset) -> None:
    cells = [(row["file"], row["row"]) for row in _manifest(with_errors)]
    assert len(cells) == len(set(cells))


def test_manifest_cells_hold_the_recorded_value(with_errors: SyntheticDataset) -> None:
    for row in _manifest(with_errors):
        _, table = _table(with_errors, row["file"])
        assert row["row"] >= 2
        assert _cell(table, row["row"] - 2, row["column"]) == row["value"], row


def test_clean_rows_stay_valid(with_errors: SyntheticDataset) -> None:
    hit = collections.defaultdict(set)
    for row in _manifest(with_errors):
        hit[row["file"]].add(row["row"] - 2)
    for record_type, table in with_errors.tables.items():
        model = RECORD_TYPES[record_type]
        for index, record in enumerate(table.to_pylist()):
            if index not in hit[model.file_stem]:
                model.model_validate(record)


def test_clean_rows_still_refer_to_defined_participants(with_errors: SyntheticDataset) -> None:
    people = with_errors["participant"]
    known = set(
        zip(
            people.column("participant_key").to_pylist(),
            people.column("service_id").to_pylist(),
            strict=True,
        )
    )
    workers = with_errors["peer_worker"]
    staff = set(
        zip(
            workers.column("worker_key").to_pylist(),
            workers.column("service_id").to_pylist(),
            strict=True,
        )
    )
    hit = {(row["file"], row["row"] - 2) for row in _manifest(with_errors)}
    for record_type in ("engagement", "outcome", "service_use"):
        table = with_errors[record_type]
        stem = RECORD_TYPES[record_type].file_stem
        keys = table.column("participant_key").to_pylist()
        services = table.column("service_id").to_pylist()
        subjects = table.column("subject").to_pylist() if "subject" in table.column_names else []
        for index, pair in enumerate(zip(keys, services, strict=True)):
            if (stem, index) not in hit:
                is_worker = bool(subjects) and subjects[index] == "peer_worker"
                assert pair in (staff if is_worker else known), (record_type, index)


def _detected(dataset: SyntheticDataset, row: dict[str, Any]) -> bool:
    """Check the recorded error really is an error, by the rule its code names."""
    record_type, table = _table(dataset, row["file"])
    index = row["row"] - 2
    record = table.slice(index, 1).to_pylist()[0]
    code = row["code"]
    if code == "required-missing" and row["column"] == "items":
        # A registry rule, not a model rule: items are required unless licensed.
        method = default_registry().get(record["instrument"]).scoring.method.value
        return record["items"] is None and method != "licensed"
    if code in ROW_LEVEL:
        try:
            RECORD_TYPES[record_type].model_validate(record)
        except ValidationError:
            return True
        return False
    if code == "date-in-future":
        return bool(record[row["column"]] > dataset.config.as_of)
    if code == "identifier-detected":
        return IDENTIFIER.search(record[row["column"]]) is not None
    if code == "duplicate-key":
        key = RECORD_TYPES[record_type].primary_key
        keys = table.select(list(key)).to_pylist()
        return bool(keys.count({k: record[k] for k in key}) >= 2)
    if code == "unknown-reference":
        column = row["column"]
        parent = {"organisation_id": "organisation", "service_id": "service"}.get(
            column, "participant"
        )
        if column == "worker_key":
            return bool(record[column] not in set(dataset["peer_worker"][column].to_pylist()))
        return bool(record[column] not in set(dataset[parent].column(column).to_pylist()))
    definition = default_registry().get(record["instrument"])
    items = pa.array([record["items"]], pa.list_(pa.int16()))
    if code == "item-out-of-range":
        return bool(score_items(definition, items).out_of_range[0].as_py())
    if code == "too-many-missing-items":
        return sum(v is None for v in record["items"]) > definition.missing.max_missing
    if code == "total-mismatch":
        return bool(score_items(definition, items).score[0].as_py() != record["total_score"])
    if code == "pam-level-mismatch":
        assert definition.levels is not None
        cuts = definition.levels.cut_points
        level = int(np.searchsorted(cuts, record["licensed_score"], side="left")) + 1
        return bool(level != record["licensed_level"])
    if code == "follow-up-before-baseline":
        outcomes = dataset["outcome"]
        same = pc.and_(
            pc.equal(outcomes.column("participant_key"), record["participant_key"]),
            pc.equal(outcomes.column("instrument"), record["instrument"]),
        )
        same = pc.and_(same, pc.equal(outcomes.column("timepoint"), "baseline"))
        baseline = outcomes.filter(same).column("date_administered").to_pylist()
        return bool(baseline) and record["date_administered"] < min(baseline)
    raise AssertionError(f"no check for {code}")


def test_every_injected_error_is_detectable(with_errors: SyntheticDataset) -> None:
    missed = [row for row in _manifest(with_errors) if not _detected(with_errors, row)]
    assert not missed


def test_identifiers_look_real() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        digits = [int(c) for c in nhs_number(rng).replace(" ", "")]
        check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
        assert digits[9] == (0 if check == 11 else check)


@pytest.mark.parametrize("rate", [0.0, 0.2])
def test_rate_zero_is_clean_and_tables_keep_their_schema(rate: float) -> None:
    dataset = generate(SynthConfig(seed=8, organisations=3, outcome_rows=800, error_rate=rate))
    assert (dataset.errors.num_rows == 0) == (rate == 0.0)
    for record_type, table in dataset.tables.items():
        assert table.schema.equals(
            generate(SynthConfig(seed=8, organisations=3, outcome_rows=10))[record_type].schema,
            check_metadata=True,
        )


def test_outcome_row_count_stays_exact_with_errors(with_errors: SyntheticDataset) -> None:
    assert participant_outcomes(with_errors["outcome"]).num_rows == with_errors.config.outcome_rows


def test_a_wrong_total_is_never_the_sum_of_the_answered_items() -> None:
    # 13 answers of 5 and one blank: the answered sum is 65 and the pro-rated score 70, so
    # every wrong total lies below 70; it must not be 65, which is accepted with a note.
    table = pa.table(
        {
            "instrument": ["WEMWBS"],
            "total_score": [70.0],
            "items": pa.array([[5] * 13 + [None]], pa.list_(pa.int16())),
        }
    )
    ctx = Context(SynthConfig(organisations=1, outcome_rows=1), {})
    wrong = {
        wrong_total(np.random.default_rng(s), table, np.array([0]), ctx)[0][0] for s in range(40)
    }
    assert wrong == {68.0, 67.0, 66.0, 64.0}  # steps 2, 3, 4 and 5 (65 moved to 64)
